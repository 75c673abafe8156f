// Folded lines in time order (pyfold --timeline), for flame charts drawn by
// `pyflamegraph --flamechart` or `flamegraph.pl --flamechart`:
//
//   # timeline: seconds=3.01 lanes=2 span=301 start=2026-11-25T18:54:43.123Z 0
//   python3-9876/9876;app.py:<module>:9;app.py:phase_a:3 100
//   python3-9876/9876;app.py:<module>:9;app.py:phase_b:6 100
//   python3-9876/9876 1
//   python3-9876/9876;app.py:<module>:9;app.py:phase_a:3 100
//   python3-9876/9877;...
//
// One lane per thread, its root frame COMM-PID/TID (pyfold --tid's), lanes one
// after another. Inside a lane the stacks come in the order sampled,
// consecutive equal stacks merged into one line. Counts are sampling slots
// (intervals of time; see SampleModel.slotter), so x is time. A gap (slots in
// which the thread was not sampled, or its idle samples were dropped by
// pysample -x) is a line holding only the root: an empty stretch above it. Every lane is padded with such lines to the same
// width, from the first sample of all threads to the last, so the same x
// means the same time in each lane.
//
// The first line, a comment with count 0, tells pyflamegraph the time axis:
// seconds per lane, number of lanes, samples per lane, and the wall-clock
// start. flamegraph.pl reads it as a frame 0 wide and draws nothing of it.

import { formatCount } from '../tool';
import { runs, sortedLanes, type Lane, type SampleModel } from './model';

export function writeTimeline(model: SampleModel): string[] {
  const interval = model.interval();
  const range = model.timeRange();
  const bodies: { lines: string[]; width: number; root: string; timed: boolean }[] = [];
  for (const lane of sortedLanes(model.lanes)) bodies.push(laneLines(model, lane));
  const timed = bodies.filter((b) => b.timed);
  const span = Math.max(0, ...timed.map((b) => b.width));
  const out: string[] = [];
  if (timed.length > 0 && interval !== undefined && range !== undefined) {
    const seconds = Number((span * interval).toPrecision(6));
    const start = range.first > 1e9 ? ` start=${new Date(Math.round(range.first * 1000)).toISOString()}` : '';
    out.push(`# timeline: seconds=${seconds} lanes=${timed.length} span=${span}${start} 0\n`);
  }
  for (const b of bodies) {
    out.push(...b.lines);
    if (b.timed && b.width < span) out.push(`${b.root} ${span - b.width}\n`);
  }
  return out;
}

/** One lane's lines, its width in samples and its root frame. */
function laneLines(model: SampleModel, lane: Lane): { lines: string[]; width: number; root: string; timed: boolean } {
  const list = runs(lane, model.slotter());
  const lines: string[] = [];
  const stack0 = list.length ? model.stacks[list[0]!.id]! : '';
  const semi = stack0.indexOf(';');
  const root = semi === -1 ? stack0 : stack0.slice(0, semi);
  const timed = lane.tid !== '' && list.length > 0 && Number.isFinite(list[0]!.firstSlot);
  let width = 0;
  /** The last line's stack and count, to merge runs that differ only in flags (GIL), which folded lines do not show. */
  let prev = -1;
  let prevCount = 0;
  const gap = (n: number): void => {
    if (n <= 0) return;
    lines.push(`${root} ${n}\n`);
    width += n;
    prev = -1;
  };
  // Widths in slots (intervals of time), so that x is time whatever the sampler's jitter.
  for (const r of list) {
    if (timed) gap(r.firstSlot - width);
    const n = timed ? r.lastSlot - r.firstSlot + 1 : r.weight;
    if (r.id === prev) {
      prevCount += n;
      lines[lines.length - 1] = `${model.stacks[r.id]} ${formatCount(prevCount)}\n`;
    } else {
      lines.push(`${model.stacks[r.id]} ${formatCount(n)}\n`);
      prev = r.id;
      prevCount = n;
    }
    width += n;
  }
  return { lines, width, root, timed };
}
