// pyflamegraph as a drop-in for flamegraph.pl: for every case in the shared
// conformance set (8 inputs x option sets, 58 SVGs made by flamegraph.pl),
// run bin/pyflamegraph with the same options and compare the structure:
// image size, headings, and every frame's tooltip, label and geometry
// (within 0.1 px), frames matched by position. Colours are compared too
// where flamegraph.pl's are deterministic and we use the same palette: its
// default shades are seeded by the name, so they come out the same here
// (not for python.txt without --colors, which gets the python palette).

import test from 'ava';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareShapes, parseSvg } from './fixtures/svg/structure';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/pyflamegraph');
// The shared reference data sits beside the project (../shared); PYFLAMEGRAPH_CONFORMANCE overrides.
const DIR =
  process.env.PYFLAMEGRAPH_CONFORMANCE ?? path.resolve(ROOT, '..', 'shared', 'conformance', 'flamegraph-svg');
const present = fs.existsSync(path.join(DIR, 'README.md'));

interface Case {
  input: string;
  options: string[];
  output: string;
}

/** The "All cases" table of the conformance README: input, exact options, output. */
function cases(): Case[] {
  const readme = fs.readFileSync(path.join(DIR, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('## All cases'));
  const out: Case[] = [];
  for (const m of table.matchAll(/^\| `([^`]+\.txt)` \| (.*?) \| `([^`]+\.svg)` \|$/gm)) {
    const opts = m[2]!.trim() === '(none)' ? [] : m[2]!.replace(/`/g, '').trim().split(/\s+/);
    out.push({ input: m[1]!, options: opts, output: m[3]! });
  }
  return out;
}

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

if (!present && process.env.CI !== 'true') {
  test.skip(`flamegraph.pl conformance (no reference data in ${DIR})`, () => {});
} else {
  const all = present ? cases() : [];

  test('the conformance set has all 58 cases', (t) => {
    t.true(present, `reference data missing: ${DIR}`);
    t.is(all.length, 58);
    for (const c of all) t.true(fs.existsSync(path.join(DIR, c.output)), c.output);
  });

  for (const c of all) {
    test(`same graph as flamegraph.pl: ${c.output}`, async (t) => {
      // flamegraph.pl's label text and differential tooltips: pyflamegraph's own
      // defaults put a Python frame's function first and add both sides' shares.
      const r = await run([...c.options, '--frame-labels', 'full', '--diff-tooltips', 'short', path.join(DIR, c.input)]);
      t.is(r.code, 0, r.stderr);
      const ours = parseSvg(r.stdout);
      const ref = parseSvg(fs.readFileSync(path.join(DIR, c.output), 'utf8'));
      t.true(ref.frames.length > 0, 'reference has frames');
      const samePalette = !(c.input === 'python.txt' && !c.options.includes('--colors'));
      t.deepEqual(compareShapes(ours, ref, 0.1, samePalette), []);
    });
  }
}
