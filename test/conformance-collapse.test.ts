// pyfold as a drop-in for stackcollapse-perf.pl: FlameGraph's own 78 test
// cases (13 perf inputs x 6 options) and its large example must come out
// byte for byte as the current script prints them. The data lives outside
// the project, in ../shared/conformance/flamegraph-collapse (see its README;
// for the 8 stale cases the .current.txt file is what the script prints today).

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { foldText } from '../src/fold/fold';
import type { FoldOptions } from '../src/fold/options';
import { checkGolden, projectRoot, runPyfold } from './helpers/golden';

// Where PYFLAME_CONFORMANCE says, or beside the project (../shared).
const CANDIDATES = [
  process.env.PYFLAME_CONFORMANCE ?? '',
  path.resolve(projectRoot(), '..', 'shared', 'conformance', 'flamegraph-collapse'),
].filter((d) => d !== '');
const DIR = CANDIDATES.find((d) => fs.existsSync(d)) ?? CANDIDATES[0]!;
const present = fs.existsSync(DIR);
// Without the shared data there is nothing to compare with; under CI it must be there.
const maybe = present || process.env.CI === 'true' ? test : test.skip;
if (!present) console.log(`conformance data not found at ${DIR}: cases skipped`);

const OPTIONS: Record<string, Partial<FoldOptions>> = {
  pid: { pid: true },
  tid: { tid: true },
  kernel: { kernel: true },
  jit: { jit: true },
  all: { kernel: true, jit: true },
  addrs: { addrs: true },
};

const inputs = present
  ? fs.readdirSync(DIR).filter((f) => f.endsWith('.txt') && !f.includes('collapsed')).map((f) => f.slice(0, -4))
  : ['(absent)'];

for (const name of inputs) {
  for (const [opt, opts] of Object.entries(OPTIONS)) {
    maybe(`${name} --${opt}`, (t) => {
      const results = path.join(DIR, 'results');
      const current = path.join(results, `${name}-collapsed-${opt}.current.txt`);
      const expected = fs.existsSync(current) ? current : path.join(results, `${name}-collapsed-${opt}.txt`);
      const out = foldText(fs.readFileSync(path.join(DIR, `${name}.txt`)), opts);
      checkGolden(t, `conformance/${name}-collapsed-${opt}.txt`, out.text, { expected, blessable: false });
    });
  }
}

maybe('there are 78 cases', (t) => {
  t.is(inputs.length * Object.keys(OPTIONS).length, 78);
});

maybe('example-perf-stacks, default options, through the CLI on stdin', async (t) => {
  const input = zlib.gunzipSync(fs.readFileSync(path.join(DIR, 'example-perf-stacks.txt.gz')));
  const r = await runPyfold([], input);
  t.is(r.status, 0);
  checkGolden(t, 'conformance/example-perf-stacks.collapsed.txt', r.stdout, {
    expected: path.join(DIR, 'example-perf-stacks.collapsed.txt'),
    blessable: false,
  });
});

maybe('the CLI gives the same bytes as the core on every input (--all)', async (t) => {
  for (const name of inputs) {
    const file = path.join(DIR, `${name}.txt`);
    const r = await runPyfold(['--all', file]);
    t.is(r.stdout.toString('latin1'), foldText(fs.readFileSync(file), { kernel: true, jit: true }).text, name);
  }
});

maybe('--event-filter keeps the named event, as the script does', (t) => {
  const fixtures = path.join(projectRoot(), 'test', 'fixtures', 'fold');
  const input = fs.readFileSync(path.join(DIR, 'perf-cycles-instructions-01.txt'));
  for (const ev of ['cycles', 'instructions']) {
    const out = foldText(input, { eventFilter: ev });
    checkGolden(t, `conformance/cycles-instructions.perl-event-${ev}.folded`, out.text, {
      expected: path.join(fixtures, `cycles-instructions.perl-event-${ev}.folded`),
      blessable: false,
    });
  }
});

maybe('by default only the first event type is kept, and the others are counted', (t) => {
  const out = foldText(fs.readFileSync(path.join(DIR, 'perf-cycles-instructions-01.txt')));
  t.true(out.filtered > 0);
  t.is(out.text, foldText(fs.readFileSync(path.join(DIR, 'perf-cycles-instructions-01.txt')), { eventFilter: 'instructions' }).text);
});
