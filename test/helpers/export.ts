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
