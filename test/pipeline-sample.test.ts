// End to end: pysample | pyfold | pyfilter -x | pyflamegraph on a bundled
// program (test/targets/app.py), and the same with FlameGraph's
// stackcollapse-perf.pl in pyfold's place when FLAMEGRAPH_DIR points at a
// FlameGraph checkout.

import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findInterpreters, isCoreVersion } from './helpers/interpreters';
import { ROOT, TARGETS } from './helpers/sampling';

const CI = process.env.CI === 'true';
const py = findInterpreters().filter(isCoreVersion).reverse().find(() => true);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pysample-pipeline-'));
test.after.always(() => fs.rmSync(work, { recursive: true, force: true }));
const bin = (tool: string): string => `"${process.execPath}" "${path.join(ROOT, 'bin', tool)}"`;

function shell(cmd: string): { status: number | null; stderr: string } {
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', cmd], { encoding: 'utf8', timeout: 120000 });
  return { status: r.status, stderr: r.stderr };
}

/** The flame graph shows the program's own functions, and no idle frame. */
function checkGraph(t: ExecutionContext, svgFile: string): void {
  const svg = fs.readFileSync(svgFile, 'utf8');
  t.regex(svg, /^<\?xml|^<svg/);
  t.true(svg.includes('</svg>'));
  for (const fn of ['Handler.handle', 'Handler.search', 'Handler.render', 'serve']) {
    t.true(svg.includes(`app.py:${fn}:`), `${fn} in the graph`);
  }
  t.false(svg.includes('[idle]'), 'idle samples filtered out');
  if (spawnSync('xmllint', ['--version']).status === 0) {
    const lint = spawnSync('xmllint', ['--noout', svgFile], { encoding: 'utf8' });
    t.is(lint.status, 0, lint.stderr);
  }
}

function needPython(t: ExecutionContext): boolean {
  if (py) return true;
  if (CI) t.fail('no CPython 3.8–3.13 found');
  else t.log('no CPython 3.8–3.13 here');
  return false;
}

test('pysample | pyfold | pyfilter -x | pyflamegraph', (t) => {
  if (!needPython(t)) return;
  const svg = path.join(work, 'app.svg');
  const r = shell(`${bin('pysample')} -q -r 0.005 -t "${py!.path}" "${path.join(TARGETS, 'app.py')}" 2 | ${bin('pyfold')} | ${bin('pyfilter')} -x | ${bin('pyflamegraph')} > "${svg}"`);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stderr, /^app: served \d+ requests$/m, "the program's stdout and stderr reach the terminal");
  t.notRegex(r.stderr, /^(pysample|pyfold|pyfilter):/m, 'no complaint from the tools');
  checkGraph(t, svg);
});

test('the same with stackcollapse-perf.pl in place of pyfold (FLAMEGRAPH_DIR)', (t) => {
  const dir = process.env.FLAMEGRAPH_DIR;
  if (!dir) {
    t.log('FLAMEGRAPH_DIR is not set: no FlameGraph checkout to compare with');
    t.pass();
    return;
  }
  if (!needPython(t)) return;
  const script = path.join(dir, 'stackcollapse-perf.pl');
  t.true(fs.existsSync(script), `${script} exists`);
  const raw = path.join(work, 'app.raw');
  const run = shell(`${bin('pysample')} -q -r 0.005 -o "${raw}" -t "${py!.path}" "${path.join(TARGETS, 'app.py')}" 2`);
  t.is(run.status, 0, run.stderr);
  const svg = path.join(work, 'app-perl.svg');
  const r = shell(`perl "${script}" "${raw}" | ${bin('pyfilter')} -x | ${bin('pyflamegraph')} > "${svg}"`);
  t.is(r.status, 0, r.stderr);
  checkGraph(t, svg);
  // Both folders keep every record: the same total count, the same idle count.
  const total = (cmd: string): { all: number; idle: number } => {
    const out = spawnSync('bash', ['-o', 'pipefail', '-c', cmd], { encoding: 'utf8' }).stdout.trim().split('\n');
    const count = (l: string): number => Number(l.slice(l.lastIndexOf(' ') + 1));
    return { all: out.reduce((s, l) => s + count(l), 0), idle: out.filter((l) => /;\[idle\] \d+$/.test(l)).reduce((s, l) => s + count(l), 0) };
  };
  const records = (fs.readFileSync(raw, 'utf8').match(/ cpu-clock:$/gm) ?? []).length;
  t.deepEqual(total(`perl "${script}" "${raw}"`), total(`${bin('pyfold')} "${raw}"`));
  t.is(total(`perl "${script}" "${raw}"`).all, records);
});
