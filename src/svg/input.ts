// Collects folded lines into stack records, in the order flamegraph.pl merges
// them. Input lines look like
//
//     main;parse;tokenize 50              one count: samples
//     main;parse;tokenize 50 30           two counts (difffolded.pl): before, after
//     # austin: 3.6.0                     metadata: skipped
//
// flamegraph.pl sorts whole lines as strings (so "a;b 5" sorts before
// "a;b;c 1" but after "a;b!x 1"), then merges runs of equal leading frames.
// Sorting the same strings the same way reproduces its frame order exactly.

import { type Location, parseFolded, isComment, formatCount } from '../tool';

/** One input line that holds a stack. */
export interface StackRecord {
  /** What the line sorts by: the line itself, or the rewritten line with --reverse. */
  key: string;
  /** Frames joined by ';', root first. */
  stack: string;
  /** The count that gives the width (the second count of a differential line). */
  count: number;
  /** after - before for a differential line, else NaN. */
  delta: number;
}

export interface ReadResult {
  records: StackRecord[];
  /** Sum of the counts: the width of the root. */
  total: number;
  /** Largest |delta| of any line, at least 1 (colour scale of differential graphs). */
  maxDelta: number;
}

/** A line that is not a folded stack, reported through BadLines. */
export type BadLine = (where: Location, line: string, reason: string) => void;

export class StackReader {
  private readonly records: StackRecord[] = [];
  private total = 0;
  private maxDelta = 1;

  constructor(
    private readonly opts: { reverse: boolean },
    private readonly bad: BadLine,
  ) {}

  add(line: string, where: Location): void {
    if (isComment(line) || isBlankLine(line)) return;
    const last = parseCount(line);
    if (!last) {
      this.bad(where, line, 'not "frame;frame;... count"');
      return;
    }
    let stack = last.stack;
    let count = last.count;
    let delta = NaN;
    // A second count before the last one makes a differential line, as in
    // flamegraph.pl: the first count is "before", the last is "after".
    const before = endsWithCount(stack) ? parseCount(stack) : null;
    if (before) {
      stack = before.stack;
      delta = count - before.count;
      if (Math.abs(delta) > this.maxDelta) this.maxDelta = Math.abs(delta);
    }
    let key = line;
    if (this.opts.reverse) {
      stack = splitFrames(stack).reverse().join(';');
      key = Number.isNaN(delta)
        ? `${stack} ${formatCount(count)}`
        : `${stack} ${formatCount(count - delta)} ${formatCount(count)}`;
    }
    this.records.push({ key, stack, count, delta });
    this.total += count;
  }

  /** The records in merge order: sorted as flamegraph.pl sorts, or as read (flame chart). */
  finish(flamechart: boolean): ReadResult {
    if (!flamechart) sortByKey(this.records);
    return { records: this.records, total: this.total, maxDelta: this.maxDelta };
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

/**
 * Sorts by Unicode code point, as Perl compares strings. JavaScript compares
 * UTF-16 units, which differs only between characters above U+FFFF and
 * U+E000..U+FFFF, so the slower comparison runs only when both occur.
 */
function sortByKey(records: StackRecord[]): void {
  let astral = false;
  let highBmp = false;
  for (const r of records) {
    if (!/[\ud800-\uffff]/.test(r.key)) continue;
    if (/[\ud800-\udfff]/.test(r.key)) astral = true;
    if (/[\ue000-\uffff]/.test(r.key)) highBmp = true;
  }
  if (astral && highBmp) {
    records.sort((a, b) => compareCodePoints(a.key, b.key));
  } else {
    records.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}

export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1; // a surrogate stands for a code point above any BMP one
    return x - y;
  }
  return a.length - b.length;
}
