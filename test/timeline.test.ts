// pyfold --timeline: folded lines in time order, one lane per thread, gaps
// kept, and pyflamegraph --flamechart drawing them with a time axis; then a
// live target whose phases are known (A, B, A, each about a second, their
// real times reported by the target itself) must come out as A, B, A from left
// to right in the right proportions.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeTimeline } from '../src/export/timeline';
import { modelOf, rawRecords, TWO_THREADS } from './helpers/export';
import { findInterpreters, isCoreVersion } from './helpers/interpreters';
import { projectRoot, runBin, runPyfold } from './helpers/golden';
import { TARGETS } from './helpers/sampling';

const ROOT = projectRoot();
const RAW = rawRecords(TWO_THREADS);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pyfold-timeline-'));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

const APP = 'app-4000/4000;/srv/app.py:<module>:40;/srv/app.py:main:30';

test('stacks in sampled order, equal neighbours merged, one lane per thread, gaps and padding as root-only lines', (t) => {
  t.deepEqual(writeTimeline(modelOf(RAW, true, { tid: true })), [
    '# timeline: seconds=0.06 lanes=2 span=6 start=2025-12-01T10:00:00.000Z 0\n',
    `${APP};/srv/app.py:work:20 3\n`,
    `${APP};/srv/app.py:sleepy:25 2\n`,
    `${APP};/srv/app.py:work:20 1\n`,
    'worker-4000/4001 2\n',
    'worker-4000/4001;/srv/w.py:loop:5;[idle] 2\n',
    'worker-4000/4001 1\n',
    'worker-4000/4001;/srv/w.py:loop:5;/srv/w.py:crunch:9 1\n',
  ]);
});

test('a lane that ends early is padded to the others\' end; folded lines keep their order', (t) => {
  const short = rawRecords([TWO_THREADS[0]!, { pid: 4000, tid: 4002, comm: 'early', ticks: ['/a.py:f:1', '/a.py:f:1'] }]);
  const lines = writeTimeline(modelOf(short, true, { tid: true }));
  t.deepEqual(lines.filter((l) => l.startsWith('early')), ['early-4000/4002;/a.py:f:1 2\n', 'early-4000/4002 4\n']);
  t.deepEqual(writeTimeline(modelOf('b;c 2\na 1\na 2\nb;c 1\n')), ['b;c 2\n', 'a 3\n', 'b;c 1\n']);
});

test('pyfold --timeline | pyflamegraph --flamechart: lanes side by side, a labelled time axis', async (t) => {
  const folded = await runPyfold(['--timeline'], RAW);
  t.is(folded.status, 0, folded.stderr);
  const svg = await runBin('pyflamegraph', ['--flamechart'], folded.stdout);
  t.is(svg.status, 0);
  const text = svg.stdout.toString();
  t.regex(text, /<g id="axis"/);
  t.regex(text, />10:00:00\.000</);
  t.regex(text, /from 2025-12-01 10:00:00\.000 to 10:00:00\.060 UTC, 0\.06 s per lane, 2 lanes \(threads\) side by side/);
  // The app lane is the left half, the worker's the right half; its idle stretch starts 2/6 in.
  const rect = (title: RegExp): { x: number; width: number } => {
    const m = new RegExp(`<title>${title.source}[^<]*</title><rect x="([\\d.]+)" y="[\\d.]+" width="([\\d.]+)"`).exec(text);
    if (!m) throw new Error(`no frame ${title}`);
    return { x: Number(m[1]), width: Number(m[2]) };
  };
  const lane = 1180 / 2;
  t.deepEqual(rect(/app-4000\/4000 /), { x: 10, width: lane });
  t.deepEqual(rect(/worker-4000\/4001 /), { x: 10 + lane, width: lane });
  t.is(rect(/\[idle\] /).x, Number((10 + lane + (lane * 2) / 6).toFixed(1)));
  // The axis is only for flame charts: the same input as a flame graph has none.
  const graph = await runBin('pyflamegraph', [], folded.stdout);
  t.notRegex(graph.stdout.toString(), /id="axis"/);
});

const py = findInterpreters().filter(isCoreVersion).reverse().find(() => true);

test('a target running A, then B, then A: the chart shows A, B, A left to right, in proportion', async (t) => {
  if (!py) {
    if (process.env.CI === 'true') t.fail('no CPython 3.8-3.13 found');
    else t.log('no CPython 3.8-3.13 here');
    return;
  }
  const raw = path.join(tmp, 'phases.raw');
  const report = path.join(tmp, 'phases.txt');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'pysample'), '-q', '-r', '0.005', '-o', raw, '-t', py.path, path.join(TARGETS, 'phases.py'), report], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  t.is(r.status, 0, r.stderr);
  // The target's own account of its phases.
  const marks = fs.readFileSync(report, 'utf8').trim().split('\n').map((l) => Number(l.split(' ')[1]));
  const real = [marks[1]! - marks[0]!, marks[2]! - marks[1]!, marks[3]! - marks[2]!];
  const folded = await runPyfold(['--timeline', raw]);
  t.is(folded.status, 0, folded.stderr);
  const svg = (await runBin('pyflamegraph', ['--flamechart'], folded.stdout)).stdout.toString();
  // Phase frames, left to right; neighbours of the same phase (split by a gap) join.
  const spans: { phase: string; x: number; width: number }[] = [];
  for (const m of svg.matchAll(/<title>[^<]*phases\.py:phase_(a|b):\d+ \([^<]*<\/title><rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)) {
    spans.push({ phase: m[1]!, x: Number(m[2]), width: Number(m[3]) });
  }
  spans.sort((a, b) => a.x - b.x);
  const runs: { phase: string; width: number }[] = [];
  for (const s of spans) {
    const last = runs.at(-1);
    if (last && last.phase === s.phase) last.width += s.width;
    else runs.push({ phase: s.phase, width: s.width });
  }
  t.deepEqual(runs.map((x) => x.phase), ['a', 'b', 'a'], JSON.stringify(spans));
  const drawn = runs.reduce((s, x) => s + x.width, 0);
  const total = real.reduce((s, x) => s + x, 0);
  runs.forEach((x, i) => {
    const share = x.width / drawn;
    const truth = real[i]! / total;
    t.true(Math.abs(share - truth) < 0.08, `phase ${i}: ${(share * 100).toFixed(1)}% of the chart, ${(truth * 100).toFixed(1)}% of the time`);
  });
  t.regex(svg, /<g id="axis"/);
});

test('flamegraph.pl --flamechart draws the same frames from the timeline (FLAMEGRAPH_DIR)', async (t) => {
  const dir = process.env.FLAMEGRAPH_DIR;
  if (!dir) {
    t.log('FLAMEGRAPH_DIR is not set: no FlameGraph checkout to compare with');
    t.pass();
    return;
  }
  const folded = (await runPyfold(['--timeline'], RAW)).stdout;
  const perl = spawnSync('perl', [path.join(dir, 'flamegraph.pl'), '--flamechart'], { input: folded, encoding: 'utf8' });
  t.is(perl.status, 0);
  t.notRegex(perl.stderr, /Ignored/, 'the header comment is not a bad line to flamegraph.pl');
  const ours = (await runBin('pyflamegraph', ['--flamechart'], folded)).stdout.toString();
  // Titles and x geometry; y differs by our axis band.
  const frames = (svg: string): string[] =>
    [...svg.matchAll(/<title>([^<]*)<\/title><rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map((m) => `${m[1]} ${m[2]} ${m[3]}`).sort();
  t.deepEqual(frames(ours), frames(perl.stdout));
  t.false(perl.stdout.includes('# timeline'));
});
