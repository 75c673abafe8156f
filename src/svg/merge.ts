// Merges stack records into frames, the way flamegraph.pl's flow() does.
//
// Records arrive in merge order (sorted, or input order for a flame chart).
// A frame stays open while consecutive stacks share it and every frame below
// it; when the next stack differs at depth d, the frames from the top down to
// d close, and the new stack's frames from d up open. So identical stacks
// merge, and a frame reached again after a different sibling is a new frame
// (as in flamegraph.pl, which this reproduces frame for frame). Time runs
// along as the sum of the counts seen so far; a frame spans [start, end).

import { splitFrames, type StackRecord } from './input';

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
  const open: string[] = [];
  const openStart: number[] = [];
  const openDelta: number[] = [];
  let time = 0;

  const close = (downTo: number): void => {
    for (let i = open.length - 1; i >= downTo; i--) {
      const start = openStart[i]!;
      if (time - start >= opts.minTime) {
        out.name.push(open[i]!);
        out.depth.push(i);
        out.start.push(start);
        out.end.push(time);
        out.delta.push(openDelta[i]!);
        if (i > out.maxDepth) out.maxDepth = i;
      }
    }
    open.length = openStart.length = openDelta.length = downTo;
  };

  for (const r of records) {
    const frames = splitFrames(opts.chain ? markWakers(r.stack) : r.stack);
    // Depth 0 is the root, an unnamed frame under every stack.
    const depth = frames.length;
    let same = open.length > 0 ? 1 : 0;
    while (same < open.length && same <= depth && open[same] === frames[same - 1]) same++;
    close(same);
    const hasDelta = !Number.isNaN(r.delta);
    for (let i = same; i <= depth; i++) {
      open.push(i === 0 ? '' : frames[i - 1]!);
      openStart.push(time);
      // Only the leaf gets the line's delta; every other frame opened by a
      // differential line gets 0 (flamegraph.pl's += on a fresh entry).
      openDelta.push(hasDelta ? (i === depth ? r.delta : 0) : NaN);
    }
    time += r.count;
  }
  close(0);
  return out;
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
