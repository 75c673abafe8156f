// speedscope's JSON file format (https://www.speedscope.app/file-format-schema.json):
// one sampled profile per thread, samples in the order taken with
// consecutive equal stacks merged into one weighted sample, so its Time
// Order, Left Heavy and Sandwich views all work. Stacks are lists of frame
// indexes, root first. Weights are milliseconds when pysample's interval is
// known, else counts (unit "none"). A sampled profile has no per-sample
// times: gaps close up in Time Order; startValue keeps when the thread's first
// sample came, relative to the first sample of all.

import { decode, FrameTable } from './frames';
import { runs, sortedLanes, type Lane, type SampleModel } from './model';

const SCHEMA = 'https://www.speedscope.app/file-format-schema.json';

export function writeSpeedscope(model: SampleModel, name: string): string {
  const interval = model.meta.interval;
  const unit = interval === undefined ? 'none' : 'milliseconds';
  // Rounded to 1 ns so that float noise (3 * 0.01) does not show.
  const scale = (w: number): number => (interval === undefined ? w : Math.round(w * interval * 1e9) / 1e6);
  const frames = new FrameTable();
  const split: (number[] | undefined)[] = [];
  const range = model.timeRange();
  const lanes = sortedLanes(model.lanes);
  const slot = model.slotter();
  const profiles = lanes.map((lane) => {
    const samples: number[][] = [];
    const weights: number[] = [];
    let sum = 0;
    for (const r of runs(lane, slot)) {
      const stack = (split[r.id] ??= frames.split(model.stacks[r.id]!));
      samples.push(stack);
      const w = scale(r.weight);
      weights.push(w);
      sum += w;
    }
    const first = lane.n > 0 ? lane.times[0]! : Number.NaN;
    const startValue = interval !== undefined && range && Number.isFinite(first) ? Math.round((first - range.first) * 1e6) / 1e3 : 0;
    return { type: 'sampled', name: laneName(lane), unit, startValue, endValue: startValue + sum, samples, weights };
  });
  let busiest = 0;
  lanes.forEach((lane, i) => {
    if (total(lane) > total(lanes[busiest]!)) busiest = i;
  });
  const file = {
    $schema: SCHEMA,
    name,
    exporter: 'pyfold',
    activeProfileIndex: busiest,
    shared: {
      frames: frames.frames.map((f) => (f.file === '' ? { name: f.label } : { name: f.label, file: f.file, line: f.line })),
    },
    profiles,
  };
  return JSON.stringify(file);
}

/** A thread's title: `python3 (pid 9876, tid 9877)`. */
export function laneName(lane: Lane): string {
  if (lane.tid === '') return 'folded stacks';
  const comm = decode(lane.comm);
  return lane.pid === '?' ? `${comm} (tid ${lane.tid})` : `${comm} (pid ${lane.pid}, tid ${lane.tid})`;
}

function total(lane: Lane): number {
  let sum = 0;
  for (const w of lane.totals.values()) sum += w;
  return sum;
}
