// The time-ordered sample model behind every format but plain folded lines:
// what the Folder hands its sink (sink.ts), kept per thread ("lane") in input
// order with time, weight and flags, plus pysample's metadata. Stacks are
// kept once each (by id); a sample costs 21 bytes in typed arrays, and only
// when a writer needs the order (keepOrder): pprof needs only the totals.
//
// Folded lines have no thread and no time: they go to one lane of their own
// (pid and tid ''), in input order.

import type { Header } from '../fold/perf';
import type { SampleSink } from '../fold/sink';

/** Flag bits of a sample. */
export const IDLE = 1;
export const GIL = 2;

export interface Lane {
  pid: string;
  tid: string;
  /** The thread's name (COMM) as the header gave it; '' for folded lines. */
  comm: string;
  /** Samples in input order (only with keepOrder): time (s, NaN if none), stack id, weight, flags. */
  n: number;
  times: Float64Array;
  ids: Int32Array;
  weights: Float64Array;
  flags: Uint8Array;
  /** Weight per (stack id * 4 + flags), in first-seen order. */
  totals: Map<number, number>;
}

/** pysample's `# key: value` metadata that the writers use. */
export interface Meta {
  /** Seconds between samples (`# interval:`). */
  interval?: number;
  /** Start and end of the run (`# start:`, `# end:`), ms since the epoch. */
  start?: number;
  end?: number;
  pid?: string;
  command?: string;
  python?: string;
}

const META_RE = /^#\s*([a-z-]+):\s*(.*?)\s*$/;

export class SampleModel implements SampleSink {
  readonly meta: Meta = {};
  /** Distinct stacks (folded, latin1 as read), by id. */
  readonly stacks: string[] = [];
  readonly lanes: Lane[] = [];
  private readonly ids = new Map<string, number>();
  private readonly byThread = new Map<string, Lane>();
  private foldedLane: Lane | undefined;

  /** keepOrder: keep every sample in order (time-ordered formats), not only the totals. */
  constructor(private readonly keepOrder: boolean) {}

  record(h: Header, time: number, stack: string, weight: number): void {
    const key = `${h.pid}/${h.tid}`;
    let lane = this.byThread.get(key);
    if (lane === undefined) {
      lane = newLane(h.pid, h.tid, h.comm);
      this.byThread.set(key, lane);
      this.lanes.push(lane);
    }
    this.add(lane, time, stack, weight, (h.idle ? IDLE : 0) | (h.gil ? GIL : 0));
  }

  folded(stack: string, count: number): void {
    if (this.foldedLane === undefined) {
      this.foldedLane = newLane('', '', '');
      this.lanes.push(this.foldedLane);
    }
    this.add(this.foldedLane, Number.NaN, stack, count, 0);
  }

  comment(line: string): void {
    const m = META_RE.exec(line);
    if (!m) return;
    const v = m[2]!;
    switch (m[1]) {
      case 'interval': {
        const s = Number(v);
        if (s > 0 && Number.isFinite(s)) this.meta.interval = s;
        break;
      }
      case 'start':
      case 'end': {
        const ms = Date.parse(v);
        if (Number.isFinite(ms)) this.meta[m[1]] = ms;
        break;
      }
      case 'pid':
      case 'command':
      case 'python':
        this.meta[m[1]] = v;
        break;
    }
  }

  /** Seconds between samples: the metadata's, else the median gap between a thread's samples, else undefined. */
  interval(): number | undefined {
    if (this.meta.interval !== undefined) return this.meta.interval;
    const gaps: number[] = [];
    for (const lane of this.lanes) {
      for (let i = 1; i < lane.n && gaps.length < 10_000; i++) {
        const d = lane.times[i]! - lane.times[i - 1]!;
        if (d > 0) gaps.push(d);
      }
    }
    if (gaps.length === 0) return undefined;
    gaps.sort((a, b) => a - b);
    return gaps[gaps.length >> 1];
  }

  /**
   * The sampling slot of a time: the interval it falls in, counted from the
   * first sample; undefined without times or an interval. pysample samples
   * once at a random point of each slot (the first at its very start), so
   * two neighbours may be up to two intervals apart with no sample missed;
   * slots tell a missed sample from jitter. Other inputs (perf) sample at
   * regular times, which round to the nearest slot.
   */
  slotter(): ((t: number) => number) | undefined {
    const interval = this.interval();
    const range = this.timeRange();
    if (interval === undefined || range === undefined) return undefined;
    const origin = range.first;
    // A few microseconds of slack: the threads of one sample are read one after another.
    if (this.meta.interval !== undefined) return (t) => Math.floor((t - origin) / interval + 1e-3);
    return (t) => Math.round((t - origin) / interval);
  }

  /** Earliest and latest sample time over all lanes (s), or undefined when no sample has one. */
  timeRange(): { first: number; last: number } | undefined {
    let first = Infinity;
    let last = -Infinity;
    for (const lane of this.lanes) {
      for (let i = 0; i < lane.n; i++) {
        const t = lane.times[i]!;
        if (t < first) first = t;
        if (t > last) last = t;
      }
    }
    return first <= last ? { first, last } : undefined;
  }

  /** Total weight of all samples. */
  total(): number {
    let sum = 0;
    for (const lane of this.lanes) for (const w of lane.totals.values()) sum += w;
    return sum;
  }

  private add(lane: Lane, time: number, stack: string, weight: number, flags: number): void {
    let id = this.ids.get(stack);
    if (id === undefined) {
      id = this.stacks.length;
      this.stacks.push(stack);
      this.ids.set(stack, id);
    }
    const key = id * 4 + flags;
    lane.totals.set(key, (lane.totals.get(key) ?? 0) + weight);
    if (!this.keepOrder) return;
    if (lane.n === lane.ids.length) grow(lane);
    const i = lane.n++;
    lane.times[i] = time;
    lane.ids[i] = id;
    lane.weights[i] = weight;
    lane.flags[i] = flags;
  }
}

function newLane(pid: string, tid: string, comm: string): Lane {
  return {
    pid, tid, comm, n: 0,
    times: new Float64Array(64), ids: new Int32Array(64), weights: new Float64Array(64), flags: new Uint8Array(64),
    totals: new Map(),
  };
}

function grow(lane: Lane): void {
  const size = lane.ids.length * 2;
  const times = new Float64Array(size);
  times.set(lane.times);
  const ids = new Int32Array(size);
  ids.set(lane.ids);
  const weights = new Float64Array(size);
  weights.set(lane.weights);
  const flags = new Uint8Array(size);
  flags.set(lane.flags);
  Object.assign(lane, { times, ids, weights, flags });
}

/** A run of consecutive samples of one lane with the same stack and flags, with no gap inside. */
export interface Run {
  id: number;
  flags: number;
  /** Summed weight, and number of samples. */
  weight: number;
  samples: number;
  /** Time of the first and of the last sample (s; NaN when the input had none). */
  start: number;
  last: number;
  /** Slots (see SampleModel.slotter) of the first and the last sample; NaN without. */
  firstSlot: number;
  lastSlot: number;
  /** The next run follows with no slot missed between. */
  joined: boolean;
}

/**
 * A lane's samples merged into runs. A run ends where the stack or flags
 * change, or at a gap: a slot with no sample (the thread was not sampled, or
 * its idle samples were dropped).
 */
export function runs(lane: Lane, slot: ((t: number) => number) | undefined): Run[] {
  const out: Run[] = [];
  let cur: Run | undefined;
  for (let i = 0; i < lane.n; i++) {
    const id = lane.ids[i]!;
    const flags = lane.flags[i]!;
    const t = lane.times[i]!;
    const k = slot && Number.isFinite(t) ? slot(t) : Number.NaN;
    const gap = k - (cur?.lastSlot ?? Number.NaN) > 1;
    if (cur && cur.id === id && cur.flags === flags && !gap) {
      cur.weight += lane.weights[i]!;
      cur.samples++;
      cur.last = t;
      cur.lastSlot = k;
      continue;
    }
    if (cur) cur.joined = !gap;
    cur = { id, flags, weight: lane.weights[i]!, samples: 1, start: t, last: t, firstSlot: k, lastSlot: k, joined: false };
    out.push(cur);
  }
  return out;
}

/** The lanes of threads sorted by pid and tid (numerically), the folded-lines lane last. */
export function sortedLanes(lanes: readonly Lane[]): Lane[] {
  const num = (s: string): number => (/^\d+$/.test(s) ? Number(s) : -1);
  return [...lanes].sort((a, b) => {
    if ((a.tid === '') !== (b.tid === '')) return a.tid === '' ? 1 : -1;
    return num(a.pid) - num(b.pid) || num(a.tid) - num(b.tid) || (a.pid + a.tid < b.pid + b.tid ? -1 : 1);
  });
}
