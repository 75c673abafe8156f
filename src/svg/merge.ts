// Merges stack records into frames, the way flamegraph.pl's flow() does.
//
// Records arrive in merge order (sorted, or input order for a flame chart).
// A frame stays open while consecutive stacks share it and every frame below
// it; when the next stack differs at depth d, the frames from the top down to
// d close, and the new stack's frames from d up open. So identical stacks
// merge, and a frame reached again after a different sibling is a new frame
// (as in flamegraph.pl, which this reproduces frame for frame). Time runs
// along as the sum of the counts seen so far; a frame spans [start, end).

import { perlNumber } from './format';
import type { StackRecord } from './input';

const SEMI = 0x3b;

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

export function mergeStacks(records: readonly StackRecord[], opts: MergeOptions): Frames {
  const out: Frames = { name: [], depth: [], start: [], end: [], delta: [], maxDepth: 0 };
  // The open frames are those of the previous stack, depth 0 (root) to
  // depth open-1; frame d >= 1 is prev[frameEnd[d-1]+1 .. frameEnd[d]).
  // Names are cut out only for frames that are kept: most are too narrow.
  let prev = '';
  const frameEnd: number[] = [-1];
  let open = 0;
  const openStart: number[] = [];
  const openDelta: number[] = [];
  let time = 0;

  // flamegraph.pl keys merged frames by (name, depth, end time). A frame of
  // a zero-count line is zero wide, and when it closes at the same time as an
  // earlier frame of the same name and depth it takes that frame's place
  // (leaving it zero wide). Only zero counts make this happen, so it is
  // tracked only then.
  const zeroCounts = records.some((r) => r.count === 0);
  let closedAt = NaN;
  let closed: { depth: number; name: string; index: number }[] = [];
  let removed = false;

  const nameAt = (i: number): string => (i === 0 ? '' : prev.slice(frameEnd[i - 1]! + 1, frameEnd[i]!));
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
        const name = nameAt(i);
        const hit = start === time ? closed.find((c) => c.depth === i && c.name === name) : undefined;
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
        closed.push({ depth: i, name, index: keep ? out.name.length : -1 });
      }
      if (keep) {
        out.name.push(nameAt(i));
        out.depth.push(i);
        out.start.push(start);
        out.end.push(end);
        out.delta.push(openDelta[i]!);
      }
    }
    open = downTo;
  };

  for (const r of records) {
    const stack = opts.chain ? markWakers(r.stack) : r.stack;
    // Frames end where only ';'s are left (Perl's split drops trailing empty fields).
    let end = stack.length;
    while (end > 0 && stack.charCodeAt(end - 1) === SEMI) end--;
    // Frames shared with the previous stack: "the first k frames are equal"
    // holds up to some k, so binary search for it.
    let lo = 0;
    let hi = open - 1;
    while (lo < hi) {
      const k = (lo + hi + 1) >> 1;
      const e = frameEnd[k]!;
      const shared =
        // (=== of two slices compares natively; startsWith is far slower here)
        frameEnd[k - 1]! + 1 < end && (e === stack.length || stack.charCodeAt(e) === SEMI) && stack.slice(0, e) === prev.slice(0, e);
      if (shared) lo = k;
      else hi = k - 1;
    }
    const same = open > 0 ? lo + 1 : 0;
    close(same);
    prev = stack;
    let depth = Math.max(same - 1, 0); // deepest frame of this stack so far (0: the root)
    let pos = depth >= 1 ? frameEnd[depth]! + 1 : 0;
    while (pos < end) {
      const semi = stack.indexOf(';', pos);
      frameEnd[++depth] = semi === -1 ? stack.length : semi;
      pos = frameEnd[depth]! + 1;
    }
    const hasDelta = !Number.isNaN(r.delta);
    for (let i = same; i <= depth; i++) {
      openStart[i] = time;
      // Only the leaf gets the line's delta; every other frame opened by a
      // differential line gets 0 (flamegraph.pl's += on a fresh entry).
      openDelta[i] = hasDelta ? (i === depth ? r.delta : 0) : NaN;
    }
    open = depth + 1;
    time += r.count;
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
