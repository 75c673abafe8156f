// pprof: profile.proto, gzip-compressed, as `go tool pprof`, Pyroscope,
// Parca and Cloud Profiler read it. Encoded by the pprof-format package.
//
//   sample types   samples/count, and cpu/nanoseconds when the interval is known
//   function       name = Python function, filename = its file; system_name =
//                  the frame as pyfold prints it, so the folded stack can be
//                  rebuilt exactly (and pprof's C++ demangler, which runs when
//                  system_name equals name, leaves "<module>" alone). So
//                  a function's lines are separate functions of one name
//                  and file, which pprof's views merge by name and file.
//   location       one per frame: the function and its line, no address
//   sample labels  pid, tid, thread_name, idle=true, gil=true (raw records only)

import { gzipSync } from 'node:zlib';
import { Function as PFunction, Label, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { FrameTable } from './frames';
import { GIL, IDLE, type SampleModel } from './model';

export interface PprofResult {
  bytes: Buffer;
  /** Fractional counts rounded to whole ones (pprof holds integers). */
  rounded: number;
}

export function writePprof(model: SampleModel): PprofResult {
  const strings = new StringTable();
  const str = (s: string): number => strings.dedup(s);
  // Only pysample's interval turns counts into time: perf's weights are event periods.
  const interval = model.meta.interval;
  const periodNs = interval === undefined ? 0 : Math.round(interval * 1e9);
  const sampleType = [new ValueType({ type: str('samples'), unit: str('count') })];
  if (periodNs > 0) sampleType.push(new ValueType({ type: str('cpu'), unit: str('nanoseconds') }));

  const frames = new FrameTable();
  const functions: PFunction[] = [];
  const locations: Location[] = [];
  /** Location id per frame id (0: not made yet). */
  const locOf: number[] = [];
  const funcOf = new Map<string, number>();
  const locationOf = (frame: number): number => {
    const known = locOf[frame];
    if (known) return known;
    const f = frames.frames[frame]!;
    const fkey = `${f.func}\0${f.file}\0${f.text === f.func ? '' : f.text}`;
    let fid = funcOf.get(fkey);
    if (fid === undefined) {
      fid = functions.length + 1;
      functions.push(
        new PFunction({ id: fid, name: str(f.func), systemName: str(f.text === f.func ? '' : f.text), filename: str(f.file) }),
      );
      funcOf.set(fkey, fid);
    }
    const id = locations.length + 1;
    locations.push(new Location({ id, line: [{ functionId: fid, line: f.line }] }));
    locOf[frame] = id;
    return id;
  };
  /** Location ids per stack id, leaf first as pprof wants them. */
  const stackLocs: (number[] | undefined)[] = [];

  const samples: Sample[] = [];
  let rounded = 0;
  for (const lane of model.lanes) {
    const base: Label[] = [];
    if (lane.tid !== '') {
      if (lane.pid !== '?') base.push(new Label({ key: str('pid'), str: str(lane.pid) }));
      base.push(new Label({ key: str('tid'), str: str(lane.tid) }));
      base.push(new Label({ key: str('thread_name'), str: str(lane.comm) }));
    }
    for (const [key, weight] of lane.totals) {
      const id = Math.floor(key / 4);
      const flags = key % 4;
      let locs = stackLocs[id];
      if (locs === undefined) {
        locs = frames.split(model.stacks[id]!).map(locationOf).reverse();
        stackLocs[id] = locs;
      }
      const count = Math.round(weight);
      if (count !== weight) rounded++;
      if (count === 0) continue;
      const label = [...base];
      if (flags & IDLE) label.push(new Label({ key: str('idle'), str: str('true') }));
      if (flags & GIL) label.push(new Label({ key: str('gil'), str: str('true') }));
      const value = periodNs > 0 ? [count, count * periodNs] : [count];
      samples.push(new Sample({ locationId: locs, value, label }));
    }
  }

  // Sample times are Unix seconds in pysample's records; perf's count from boot and say nothing of the date.
  const range = model.timeRange();
  const unix = range !== undefined && range.first > 1e9;
  const startMs = model.meta.start ?? (unix ? range.first * 1000 : undefined);
  const endMs = model.meta.end ?? (unix ? range.last * 1000 + (interval ?? 0) * 1000 : undefined);
  const profile = new Profile({
    sampleType,
    sample: samples,
    location: locations,
    function: functions,
    stringTable: strings,
    timeNanos: startMs === undefined ? 0 : BigInt(Math.round(startMs)) * 1_000_000n,
    durationNanos: startMs !== undefined && endMs !== undefined && endMs > startMs ? BigInt(Math.round((endMs - startMs) * 1e6)) : 0,
    periodType: periodNs > 0 ? new ValueType({ type: str('cpu'), unit: str('nanoseconds') }) : undefined,
    period: periodNs,
  });
  return { bytes: gzipSync(profile.encode()), rounded };
}
