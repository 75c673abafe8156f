// Collects folded lines into stack records, in the order flamegraph.pl merges
// them. Input lines look like
//
//     main;parse;tokenize 50              one count: samples
//     main;parse;tokenize 50 30           two counts (difffolded.pl): before, after
//     # austin: 3.6.0                     metadata: skipped
//
// flamegraph.pl sorts whole lines as strings (so "a;b 5" < "a;b!x 1" <
// "a;b;c 1": the blank, '!' and ';' after "b" decide), then merges runs of
// equal leading frames.
// Each stack keeps what it needs to sort the same way (order.ts): its frames
// and the rest of its line after them.

import { type Location, parseFolded, isComment, formatCount } from '../tool';
import { sortedOrder } from './order';
import { StackTable } from './stacks';
import { parseTimeline, type Timeline } from './axis';

export interface ReadResult {
  table: StackTable;
  /** Stack indexes in merge order: sorted, or as read for a flame chart. */
  order: number[];
  /** Sum of the counts: the width of the root. */
  total: number;
  /** Largest |delta| of any line, at least 1 (colour scale of differential graphs). */
  maxDelta: number;
  /** Sums of the before and after counts when any line had two, else null. */
  sides: { before: number; after: number } | null;
  /** The time axis of a `pyfold --timeline` input (its first `# timeline:` comment), if any. */
  timeline: Timeline | null;
}

/** Which count of a differential line gives the widths: difffolded.pl's "after" (as flamegraph.pl), or "before". */
export type DiffWidths = 'after' | 'before';

/** A line that is not a folded stack, reported through BadLines. */
export type BadLine = (where: Location, line: string, reason: string) => void;

export class StackReader {
  private readonly table = new StackTable();
  private total = 0;
  private maxDelta = 1;
  private sides: { before: number; after: number } | null = null;
  private timeline: Timeline | null = null;

  constructor(
    private readonly opts: { reverse: boolean; diffWidths?: DiffWidths },
    private readonly bad: BadLine,
  ) {}

  add(line: string, where: Location): void {
    if (isComment(line)) {
      if (this.timeline === null && line.startsWith('# timeline:')) this.timeline = parseTimeline(line);
      return;
    }
    if (isBlankLine(line)) return;
    const last = parseCount(line);
    if (!last) {
      this.bad(where, line, 'not "frame;frame;... count"');
      return;
    }
    let stack = last.stack;
    let count = last.count;
    let delta = NaN;
    let counts = '';
    // A second count before the last one makes a differential line, as in
    // flamegraph.pl: the first count is "before", the last is "after".
    const before = endsWithCount(stack) ? parseCount(stack) : null;
    if (before) {
      stack = before.stack;
      const after = count;
      counts = `${formatCount(before.count)} ${formatCount(after)}`;
      delta = after - before.count;
      if (Math.abs(delta) > this.maxDelta) this.maxDelta = Math.abs(delta);
      this.sides ??= { before: 0, after: 0 };
      this.sides.before += before.count;
      this.sides.after += after;
      // Widths from "before": what shrank stays wide (and blue); the colour still says after - before.
      if (this.opts.diffWidths === 'before') count = before.count;
    }
    // The sort key: the line itself, or, with --reverse, the line rewritten
    // with the frames reversed (as flamegraph.pl rewrites it).
    let key = line;
    if (this.opts.reverse) {
      stack = splitFrames(stack).reverse().join(';');
      key = Number.isNaN(delta)
        ? `${stack} ${formatCount(count)}`
        : `${stack} ${counts}`;
    }
    const frames = splitFrames(stack);
    let joined = frames.length > 0 ? frames.length - 1 : 0;
    for (const f of frames) joined += f.length;
    this.table.add(frames, key.slice(joined), count, delta);
    this.total += count;
  }

  /** The records in merge order: sorted as flamegraph.pl sorts, or as read (flame chart). */
  finish(flamechart: boolean): ReadResult {
    const order = flamechart ? Array.from({ length: this.table.size }, (_, i) => i) : sortedOrder(this.table);
    return {
      table: this.table, order, total: this.total, maxDelta: this.maxDelta, sides: this.sides, timeline: this.timeline,
    };
  }
}

/**
 * parseFolded, plus flamegraph.pl's reading of " 28" (blanks, then a count)
 * as an empty stack: its count goes to the root alone.
 */
function parseCount(s: string): { stack: string; count: number } | null {
  const f = parseFolded(s);
  if (f) return f;
  const m = /^[ \t]+(\d+(?:\.\d*)?)[ \t]*$/.exec(s);
  return m ? { stack: '', count: Number(m[1]) } : null;
}

/** Cheap test for "... 12" or "... 1.5" at the end (no scan of the whole stack). */
function endsWithCount(s: string): boolean {
  let i = s.length - 1;
  while (i >= 0 && isCountChar(s.charCodeAt(i))) i--;
  if (i === s.length - 1 || i < 0 || !/\d/.test(s[i + 1]!)) return false;
  const c = s.charCodeAt(i);
  return c === 0x20 || c === 0x09;
}

function isCountChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e;
}

function isBlankLine(line: string): boolean {
  return /^\s*$/.test(line);
}

/**
 * Splits a stack as Perl's split(";", $stack) does: empty frames are kept
 * except at the end ("a;;b" has three frames, "a;b;" two).
 */
export function splitFrames(stack: string): string[] {
  const frames = stack.split(';');
  while (frames.length > 0 && frames[frames.length - 1] === '') frames.pop();
  return frames;
}
