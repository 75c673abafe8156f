// Merges stacks into frames, the way flamegraph.pl's flow() does.
//
// Stacks arrive in merge order (sorted, or input order for a flame chart).
// A frame stays open while consecutive stacks share it and every frame below
// it; when the next stack differs at depth d, the frames from the top down to
// d close, and the new stack's frames from d up open. So identical stacks
// merge, and a frame reached again after a different sibling is a new frame
// (as in flamegraph.pl, which this reproduces frame for frame). Time runs
// along as the sum of the counts seen so far; a frame spans [start, end).

import { perlNumber } from './format';
import { splitFrames } from './input';
import type { StackTable } from './stacks';

/** The frames that are wide enough to draw, as parallel arrays. */
export interface Frames {
  name: string[];
  depth: number[];
  start: number[];
  end: number[];
  /** For differential input: the frame's own (leaf) after - before; NaN otherwise. */
  delta: number[];
  /** Deepest depth kept (the root is depth 0). */
  maxDepth: number;
}

export interface MergeOptions {
  /** Frames narrower than this (in count units) are left out, as --minwidth does. */
  minTime: number;
  /** --colors chain: mark the frames after each "--" separator as wakers, "_[w]". */
  chain: boolean;
}

const ROOT = -1; // frame id of the root

export function mergeStacks(table: StackTable, order: readonly number[], opts: MergeOptions): Frames {
  const out: Frames = { name: [], depth: [], start: [], end: [], delta: [], maxDepth: 0 };
  // Open frames by depth: id, start time, delta. Depth 0 is the root.
  const openId: number[] = [];
  const openStart: number[] = [];
  const openDelta: number[] = [];
  let open = 0;
  let time = 0;

  // flamegraph.pl keys merged frames by (name, depth, end time). A frame of
  // a zero-count line is zero wide, and when it closes at the same time as an
  // earlier frame of the same name and depth it takes that frame's place
  // (leaving it zero wide). Only zero counts make this happen, so it is
  // tracked only then.
  const zeroCounts = table.count.some((c) => c === 0);
  let closedAt = NaN;
  let closed: { depth: number; id: number; index: number }[] = [];
  let removed = false;

  const nameOf = (id: number): string => (id === ROOT ? '' : table.names[id]!);
  const close = (downTo: number): void => {
    // flamegraph.pl reads a frame's end back from its key, where the time was
    // printed with 15 significant digits; fractional counts show the rounding.
    const end = Number.isInteger(time) ? time : Number(perlNumber(time));
    for (let i = open - 1; i >= downTo; i--) {
      const start = openStart[i]!;
      const keep = end - start >= opts.minTime;
      if (zeroCounts) {
        if (time !== closedAt) {
          closed = [];
          closedAt = time;
        }
        const id = openId[i]!;
        const hit = start === time ? closed.find((c) => c.depth === i && c.id === id) : undefined;
        if (hit) {
          if (hit.index >= 0 && keep) {
            out.start[hit.index] = time;
            if (!Number.isNaN(openDelta[i]!)) out.delta[hit.index] = openDelta[i]!;
          } else if (hit.index >= 0) {
            out.depth[hit.index] = -1;
            hit.index = -1;
            removed = true;
          }
          continue;
        }
        closed.push({ depth: i, id, index: keep ? out.name.length : -1 });
      }
      if (keep) {
        out.name.push(nameOf(openId[i]!));
        out.depth.push(i);
        out.start.push(start);
        out.end.push(end);
        out.delta.push(openDelta[i]!);
      }
    }
    open = downTo;
  };

  // --colors chain rewrites the frames (after sorting, as flamegraph.pl does),
  // on the stack as written: trailing ';'s (kept at the start of the tail) count.
  const chained = (s: number): number[] => {
    const written = table.stackText(s) + /^;*/.exec(table.tail[s]!)![0];
    return splitFrames(markWakers(written)).map((f) => table.intern(f));
  };

  for (const s of order) {
    const ids = opts.chain ? chained(s) : null;
    const depth = ids ? ids.length : table.depth[s]!;
    const frame = (k: number): number => (ids ? ids[k]! : table.frame(s, k));
    let same = open > 0 ? 1 : 0;
    while (same < open && same <= depth && openId[same] === frame(same - 1)) same++;
    close(same);
    const count = table.count[s]!;
    const delta = table.delta[s]!;
    const hasDelta = !Number.isNaN(delta);
    for (let i = same; i <= depth; i++) {
      openId[i] = i === 0 ? ROOT : frame(i - 1);
      openStart[i] = time;
      // Only the leaf gets the line's delta; every other frame opened by a
      // differential line gets 0 (flamegraph.pl's += on a fresh entry).
      openDelta[i] = hasDelta ? (i === depth ? delta : 0) : NaN;
    }
    open = depth + 1;
    time += count;
  }
  close(0);
  return removed ? withoutRemoved(out) : withMaxDepth(out);
}

function withMaxDepth(f: Frames): Frames {
  for (const d of f.depth) if (d > f.maxDepth) f.maxDepth = d;
  return f;
}

function withoutRemoved(f: Frames): Frames {
  const out: Frames = { name: [], depth: [], start: [], end: [], delta: [], maxDepth: 0 };
  f.depth.forEach((d, i) => {
    if (d < 0) return;
    out.name.push(f.name[i]!);
    out.depth.push(d);
    out.start.push(f.start[i]!);
    out.end.push(f.end[i]!);
    out.delta.push(f.delta[i]!);
  });
  return withMaxDepth(out);
}

/**
 * flamegraph.pl's chain-graph rewrite: in "off;cpu;--;waker;frames", every
 * frame after a "--" gets "_[w]", and a "--" frame is appended to each stack.
 */
export function markWakers(stack: string): string {
  const parts = stack.split(';--;');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop(); // as Perl's split
  const first = parts.shift() ?? '';
  return `${first};--;${parts.map((p) => `${p.replace(/;/g, '_[w];')}_[w]`).join(';--;')}`;
}
