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
  /** after - before of every stack through the frame (inclusive): with the width, both sides' counts. */
  incDelta: number[];
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
  const flow = new Flow(table, opts.minTime);
  // --colors chain rewrites the frames (after sorting, as flamegraph.pl does),
  // on the stack as written: trailing ';'s (kept at the start of the tail) count.
  const chained = (s: number): number[] => {
    const written = table.stackText(s) + /^;*/.exec(table.tail[s]!)![0];
    return splitFrames(markWakers(written)).map((f) => table.intern(f));
  };
  for (const s of order) {
    const ids = opts.chain ? chained(s) : null;
    flow.add(ids ? ids.length : table.depth[s]!, ids ? (k) => ids[k]! : (k) => table.frame(s, k), table.count[s]!, table.delta[s]!);
  }
  return flow.finish();
}

/** flamegraph.pl's flow(): open and close frames along stacks in merge order. */
class Flow {
  private readonly out: Frames = { name: [], depth: [], start: [], end: [], delta: [], incDelta: [], maxDepth: 0 };
  // Open frames by depth (0 is the root): frame id, start time, delta.
  private readonly openId: number[] = [];
  private readonly openStart: number[] = [];
  private readonly openDelta: number[] = [];
  /** deltaTime when each open frame opened. */
  private readonly openDeltaTime: number[] = [];
  private open = 0;
  private time = 0;
  /** Sum of the deltas (after - before) of the stacks seen so far, as time sums their counts. */
  private deltaTime = 0;
  private readonly sameKey: SameKeyFrames | null;

  constructor(
    private readonly table: StackTable,
    private readonly minTime: number,
  ) {
    // Only zero counts make zero-wide frames, and only those can share a key.
    this.sameKey = table.count.some((c) => c === 0) ? new SameKeyFrames(this.out) : null;
  }

  /** The next stack: `depth` frames, frame(k) the id of frame k (0 = outermost). */
  add(depth: number, frame: (k: number) => number, count: number, delta: number): void {
    let same = this.open > 0 ? 1 : 0;
    while (same < this.open && same <= depth && this.openId[same] === frame(same - 1)) same++;
    this.close(same);
    const hasDelta = !Number.isNaN(delta);
    for (let i = same; i <= depth; i++) {
      this.openId[i] = i === 0 ? ROOT : frame(i - 1);
      this.openStart[i] = this.time;
      // Only the leaf gets the line's delta; every other frame opened by a
      // differential line gets 0 (flamegraph.pl's += on a fresh entry).
      this.openDelta[i] = hasDelta ? (i === depth ? delta : 0) : NaN;
      this.openDeltaTime[i] = this.deltaTime;
    }
    this.open = depth + 1;
    this.time += count;
    if (hasDelta) this.deltaTime += delta;
  }

  finish(): Frames {
    this.close(0);
    return this.sameKey?.removed ? withoutRemoved(this.out) : withMaxDepth(this.out);
  }

  /** Closes the open frames from the top down to depth `downTo`, keeping those wide enough. */
  private close(downTo: number): void {
    const time = this.time;
    // flamegraph.pl reads a frame's end back from its key, where the time was
    // printed with 15 significant digits; fractional counts show the rounding.
    const end = Number.isInteger(time) ? time : Number(perlNumber(time));
    for (let i = this.open - 1; i >= downTo; i--) {
      const start = this.openStart[i]!;
      const keep = end - start >= this.minTime;
      if (this.sameKey?.merged(i, this.openId[i]!, start, time, this.openDelta[i]!, keep)) continue;
      if (keep) {
        const id = this.openId[i]!;
        this.out.name.push(id === ROOT ? '' : this.table.names[id]!);
        this.out.depth.push(i);
        this.out.start.push(start);
        this.out.end.push(end);
        this.out.delta.push(this.openDelta[i]!);
        this.out.incDelta.push(this.deltaTime - this.openDeltaTime[i]!);
      }
    }
    this.open = downTo;
  }
}

/**
 * flamegraph.pl keys merged frames by (name, depth, end time). A frame of a
 * zero-count line is zero wide, and when it closes at the same time as an
 * earlier frame of the same name and depth it takes that frame's place,
 * leaving it zero wide. This tracks the frames closed at the current time.
 */
class SameKeyFrames {
  removed = false;
  private at = NaN;
  private closed: { depth: number; id: number; index: number }[] = [];

  constructor(private readonly out: Frames) {}

  /** Records a closing frame; true if it merged into an earlier one instead of being a frame of its own. */
  merged(depth: number, id: number, start: number, time: number, delta: number, keep: boolean): boolean {
    if (time !== this.at) {
      this.closed = [];
      this.at = time;
    }
    const hit = start === time ? this.closed.find((c) => c.depth === depth && c.id === id) : undefined;
    if (!hit) {
      this.closed.push({ depth, id, index: keep ? this.out.name.length : -1 });
      return false;
    }
    if (hit.index >= 0 && keep) {
      this.out.start[hit.index] = time;
      if (!Number.isNaN(delta)) this.out.delta[hit.index] = delta;
    } else if (hit.index >= 0) {
      this.out.depth[hit.index] = -1; // now too narrow: dropped at the end
      hit.index = -1;
      this.removed = true;
    }
    return true;
  }
}

function withMaxDepth(f: Frames): Frames {
  for (const d of f.depth) if (d > f.maxDepth) f.maxDepth = d;
  return f;
}

function withoutRemoved(f: Frames): Frames {
  const out: Frames = { name: [], depth: [], start: [], end: [], delta: [], incDelta: [], maxDepth: 0 };
  f.depth.forEach((d, i) => {
    if (d < 0) return;
    out.name.push(f.name[i]!);
    out.depth.push(d);
    out.start.push(f.start[i]!);
    out.end.push(f.end[i]!);
    out.delta.push(f.delta[i]!);
    out.incDelta.push(f.incDelta[i]!);
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
