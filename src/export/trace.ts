// Chrome's Trace Event Format (the JSON Object Format with "traceEvents"),
// for chrome://tracing, Perfetto, speedscope and DevTools: per thread, one
// complete event ("X": ts and dur in microseconds) per stretch of time a
// frame stayed on the stack, built from consecutive samples. A sample stands
// for the interval after it; a stack that ends with a gap (the thread was not
// sampled, or its idle samples were dropped) ends one interval after its last
// sample, so gaps stay gaps. Events of a thread are sorted by start time, a
// parent before its children (same ts, longer or equal dur). Times count from
// the first sample; "otherData" has the wall-clock start. Thread and process
// names come as "M" (metadata) events. Folded lines, which have no time, are
// laid end to end, one interval (or 1 ms) per count.

import { decode, FrameTable } from './frames';
import { runs, sortedLanes, type Lane, type SampleModel } from './model';

interface TraceEvent {
  name: string;
  ph: 'X' | 'M';
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name: string };
}

export function writeTrace(model: SampleModel): string {
  // Times in whole microseconds from the first sample: the inputs have
  // microseconds, and Unix seconds as doubles would add noise to every dur.
  const interval = Math.max(1, Math.round((model.interval() ?? 0.001) * 1e6));
  const range = model.timeRange();
  const t0 = range?.first ?? 0;
  const us = (t: number): number => Math.round((t - t0) * 1e6);
  const frames = new FrameTable();
  const split: (number[] | undefined)[] = [];
  const events: TraceEvent[] = [];
  const named = new Set<number>();
  for (const lane of sortedLanes(model.lanes)) {
    const { pid, tid } = ids(lane);
    if (!named.has(pid) && lane.tid !== '') {
      named.add(pid);
      const main = model.lanes.find((l) => l.pid === lane.pid && l.tid === lane.pid) ?? lane;
      events.push({ name: 'process_name', ph: 'M', ts: 0, pid, tid: 0, args: { name: decode(main.comm) } });
    }
    events.push({ name: 'thread_name', ph: 'M', ts: 0, pid, tid, args: { name: lane.tid === '' ? 'folded stacks' : decode(lane.comm) } });
    const laneEvents: { e: TraceEvent; depth: number }[] = [];
    const open: { frame: number; at: number }[] = [];
    const close = (keep: number, at: number): void => {
      while (open.length > keep) {
        const o = open.pop()!;
        const e: TraceEvent = { name: frames.frames[o.frame]!.label, ph: 'X', ts: o.at, dur: at - o.at, pid, tid };
        laneEvents.push({ e, depth: open.length });
      }
    };
    const list = runs(lane, model.slotter());
    let clock = 0;
    list.forEach((r, i) => {
      const timed = Number.isFinite(r.start);
      const start = timed ? us(r.start) : clock;
      const last = timed ? us(r.last) : clock;
      const stack = (split[r.id] ??= frames.split(model.stacks[r.id]!));
      let k = 0;
      while (k < open.length && k < stack.length && open[k]!.frame === stack[k]) k++;
      close(k, start);
      for (let j = k; j < stack.length; j++) open.push({ frame: stack[j]!, at: start });
      const next = list[i + 1];
      let end: number;
      if (!timed) end = clock = start + r.weight * interval;
      else if (next && r.joined) end = us(next.start);
      else end = last + interval;
      if (!next || (timed && !r.joined)) close(0, end);
    });
    laneEvents.sort((a, b) => a.e.ts - b.e.ts || a.depth - b.depth);
    for (const x of laneEvents) events.push(x.e);
  }
  const otherData: Record<string, string> = { exporter: 'pyfold' };
  const start = model.meta.start ?? (range && range.first > 1e9 ? range.first * 1000 : undefined);
  if (start !== undefined) otherData.start = new Date(start).toISOString();
  if (model.meta.command !== undefined) otherData.command = decode(model.meta.command);
  if (model.meta.python !== undefined) otherData.python = model.meta.python;
  return JSON.stringify({ traceEvents: events, displayTimeUnit: 'ms', otherData });
}

/** Numeric ids: perf's '?' pid becomes the tid; folded lines get 0. */
function ids(lane: Lane): { pid: number; tid: number } {
  const tid = /^\d+$/.test(lane.tid) ? Number(lane.tid) : 0;
  const pid = /^\d+$/.test(lane.pid) ? Number(lane.pid) : tid;
  return { pid, tid };
}
