// flamegraph.pl's corner cases, frame for frame: the expected frames in
// test/fixtures/svg/edge-cases.expected.json were read off flamegraph.pl's
// output (FlameGraph 41fee1f, PERL_HASH_SEED=0) for edge-cases.folded:
//   "b", "b.x", "b!x" and "b;c" siblings (line sort order), a frame reached
//   again after a sibling, trailing ';' and empty frames, a blank stack (" 4"),
//   zero counts (a zero-wide frame taking the key of a same-named frame),
//   fractional counts (end times printed to 15 digits), characters above
//   U+FFFF and U+E000 (code point order), chain graphs (wakers after "--").

import test from 'ava';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseSvg } from './fixtures/svg/structure';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/pyflamegraph');
const INPUT = path.join(ROOT, 'test/fixtures/svg/edge-cases.folded');
type Row = [string, number, number, number, number, string, string];
const expected: Record<string, { width: number; height: number; frames: Row[] }> = JSON.parse(
  fs.readFileSync(path.join(ROOT, 'test/fixtures/svg/edge-cases.expected.json'), 'utf8'),
);

/** Rows by position, then text: a total order, so equal frame sets compare equal. */
function sorted(rows: Row[]): Row[] {
  const key = (r: Row): string => JSON.stringify(r);
  return rows.slice().sort((a, b) => a[2] - b[2] || a[1] - b[1] || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args, INPUT], (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

for (const [options, want] of Object.entries(expected)) {
  test(`same frames as flamegraph.pl on its corner cases: ${options || '(no options)'}`, async (t) => {
    const args = options ? options.split(' ') : [];
    const svg = parseSvg(await run(args.includes('--colors') ? args : ['--colors', 'hot', ...args]));
    t.is(svg.width, want.width);
    t.is(svg.height, want.height);
    const rows = svg.frames.map((f): Row => [f.title, f.x, f.y, f.width, f.height, f.label, f.fill]);
    t.deepEqual(sorted(rows), sorted(want.frames));
  });
}
