// The exporters in process, as pyfold runs them: input bytes through the
// Folder and Scanner into a SampleModel; and pprof profiles read back as
// folded lines, for the tests of src/export/.

import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { SampleModel } from '../../src/export/model';
import { Folder } from '../../src/fold/folder';
import type { FoldOptions } from '../../src/fold/options';
import { Scanner } from '../../src/fold/scan';
import { BadLines } from '../../src/tool';

/** The sample model of one input, as pyfold --format builds it. */
export function modelOf(input: string | Buffer, keepOrder = true, opts: Partial<FoldOptions> = {}): SampleModel {
  const model = new SampleModel(keepOrder);
  const bad = new BadLines('pyfold');
  const folder = new Folder(opts, bad, { file: 'input', line: 0 }, model);
  const scanner = new Scanner(folder, bad);
  scanner.push(typeof input === 'string' ? Buffer.from(input, 'latin1') : input);
  scanner.end();
  folder.finish();
  return model;
}

/** A decoded pprof profile: strings resolved. */
export interface DecodedSample {
  /** Frames root first, each as system_name or else name (what round-trips). */
  frames: string[];
  values: number[];
  labels: Record<string, string>;
}

export function decodePprof(gz: Buffer): { profile: Profile; samples: DecodedSample[]; str: (i: number | bigint) => string } {
  const profile = Profile.decode(gunzipSync(gz));
  const str = (i: number | bigint): string => profile.stringTable.strings[Number(i)]!;
  const fn = new Map(profile.function.map((f) => [Number(f.id), f]));
  const loc = new Map(profile.location.map((l) => [Number(l.id), l]));
  const samples = profile.sample.map((s) => {
    const frames = s.locationId.map((id) => {
      const f = fn.get(Number(loc.get(Number(id))!.line[0]!.functionId))!;
      return str(f.systemName) || str(f.name);
    });
    const labels: Record<string, string> = {};
    for (const l of s.label) labels[str(l.key)] = str(l.str);
    return { frames: frames.reverse(), values: s.value.map(Number), labels };
  });
  return { profile, samples, str };
}

/** Folded lines (UTF-8 text, sorted by byte order, counts summed) from decoded samples. */
export function foldedOf(samples: readonly DecodedSample[]): string {
  const sums = new Map<string, number>();
  for (const s of samples) {
    const key = Buffer.from(s.frames.join(';'), 'utf8').toString('latin1');
    sums.set(key, (sums.get(key) ?? 0) + s.values[0]!);
  }
  return [...sums.keys()]
    .sort((a, b) => (a < b ? -1 : a === b ? 0 : 1))
    .map((k) => `${Buffer.from(k, 'latin1').toString('utf8')} ${sums.get(k)}\n`)
    .join('');
}

/** One thread's samples for rawRecords: at time offsets (s), stacks root first ('' for a gap, none recorded). */
export interface RawThread {
  pid: number;
  tid: number;
  comm: string;
  /** Per tick of the interval, the stack root first ('a.py:f:1;a.py:g:2'), or '' for no record. */
  ticks: string[];
  /** Ticks at which the thread is idle (an [idle] frame and flag). */
  idle?: number[];
}

/** A pysample raw file (man 5 pysample) with the given threads, sampled every `interval` s from `start`. */
export function rawRecords(threads: readonly RawThread[], interval = 0.01, start = 1764583200): string {
  let out =
    '# ========\n# pysample: raw stacks, format 1 (man 5 pysample)\n' +
    `# pid: ${threads[0]?.pid ?? 0}\n# command: python3 app.py\n# interval: ${interval}\n# start: ${new Date(start * 1000).toISOString()}\n`;
  const ticks = Math.max(...threads.map((t) => t.ticks.length));
  for (let i = 0; i < ticks; i++) {
    const time = (start + i * interval).toFixed(6);
    for (const th of threads) {
      const stack = th.ticks[i];
      if (!stack) continue;
      const idle = th.idle?.includes(i) ?? false;
      out += `${th.comm} ${th.pid}/${th.tid} [${idle ? 'idle' : 'gil'}] ${time}: 1 cpu-clock:\n`;
      if (idle) out += '\t0 [idle] (python)\n';
      const frames = stack.split(';').reverse();
      frames.forEach((f, k) => (out += `\t${(0x1000 + k).toString(16)} ${f} (python)\n`));
      out += '\n';
    }
  }
  return out;
}

/**
 * The test profile of the speedscope and trace tests, 10 ms per tick:
 * thread 4000 (app) runs work, work, work, sleepy, sleepy, work under main;
 * thread 4001 (worker) starts at tick 2, idle in loop twice, is not sampled
 * at tick 4, then crunches once.
 */
export const TWO_THREADS: RawThread[] = [
  {
    pid: 4000, tid: 4000, comm: 'app',
    ticks: ['W', 'W', 'W', 'S', 'S', 'W'].map((x) => `/srv/app.py:<module>:40;/srv/app.py:main:30;${x === 'W' ? '/srv/app.py:work:20' : '/srv/app.py:sleepy:25'}`),
  },
  {
    pid: 4000, tid: 4001, comm: 'worker',
    ticks: ['', '', '/srv/w.py:loop:5', '/srv/w.py:loop:5', '', '/srv/w.py:loop:5;/srv/w.py:crunch:9'],
    idle: [2, 3],
  },
];
