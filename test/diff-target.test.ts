// Before and after on a real program: test/targets/ttl_cache.py with its
// cache's TTL at 1 s, and the same file edited to 10 s (three lines where
// one was, so every line below moves), both running side by side until the
// test kills them, each sampled by pysample for the same three seconds.
// pydiff must show the lookup's share falling (about 20% to about 0), its
// callers with it and sleep taking its place, and no other function
// moving much: with -f directly, and without -f once frames are summed by
// function (the line-numbered frames themselves all move, which is why the
// README says to use -f). The differential graph drawn from it shows the
// vanished lookup only with --diff-widths before: wide and blue.

import test, { type ExecutionContext } from 'ava';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseSvg } from './fixtures/svg/structure';
import { findInterpreters, isCoreVersion } from './helpers/interpreters';
import { harmed, pysample, ROOT, TARGETS, waitForFile } from './helpers/sampling';

const CI = process.env.CI === 'true';
const py = findInterpreters().filter(isCoreVersion).reverse().find(() => true);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pydiff-target-'));
const APP = path.join(work, 'app.py');
const EDIT = '# Entries now live ten seconds: prices change hourly, and one second\n# made every request path compute them again.\nTTL = 10.0\n';
const children: ChildProcess[] = [];
test.after.always(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(work, { recursive: true, force: true });
});

/** The two recordings, made once for all tests. */
let recorded: Promise<{ before: string; after: string }> | undefined;

function record(t: ExecutionContext): Promise<{ before: string; after: string }> {
  recorded ??= (async () => {
    // Start "before", then edit the file in place (as a deploy would) and start "after":
    // both run the same path, so only the edit tells their frames apart.
    const source = fs.readFileSync(path.join(TARGETS, 'ttl_cache.py'), 'utf8');
    if (!source.includes('TTL = 1.0\n')) throw new Error('ttl_cache.py no longer sets TTL = 1.0');
    const start = async (name: string): Promise<ChildProcess> => {
      const ready = path.join(work, `${name}.ready`);
      const child = spawn(py!.path, [APP, ready], { stdio: 'ignore' });
      children.push(child);
      await waitForFile(ready, 60_000, child);
      return child;
    };
    fs.writeFileSync(APP, source);
    const before = await start('before');
    fs.writeFileSync(APP, source.replace('TTL = 1.0\n', EDIT));
    const after = await start('after');
    const files = { before: path.join(work, 'before.raw'), after: path.join(work, 'after.raw') };
    const runs = await Promise.all([
      pysample(['-q', '-r', '0.005', '-s', '3', '-o', files.before, '-p', String(before.pid)]),
      pysample(['-q', '-r', '0.005', '-s', '3', '-o', files.after, '-p', String(after.pid)]),
    ]);
    for (const r of runs) if (r.code !== 0) throw new Error(`pysample failed: ${r.stderr}`);
    for (const c of [before, after]) {
      const why = await harmed(c.pid!);
      if (why) throw new Error(why);
      c.kill('SIGKILL');
    }
    return files;
  })();
  return recorded.catch((err: Error) => {
    t.fail(err.message);
    throw err;
  });
}

function needPython(t: ExecutionContext): boolean {
  if (py) return true;
  if (CI) t.fail('no CPython 3.8–3.13 found');
  else t.log('no CPython 3.8–3.13 here');
  return false;
}

function tool(name: string, args: string[], input?: Buffer): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', name), ...args], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Row {
  before: number;
  after: number;
  change: number;
  frame: string;
}

/** pydiff --format tsv, every frame. */
function report(args: string[], files: { before: string; after: string }): Row[] {
  const r = tool('pydiff', [...args, '--format', 'tsv', '--top', '100000', files.before, files.after]);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout.trim().split('\n').slice(1).map((line) => {
    const [before, after, change, , , frame] = line.split('\t');
    return { before: Number(before), after: Number(after), change: Number(change), frame: frame! };
  });
}

/** The function a frame of app.py is in ('' for any other frame): ".../app.py:Cache.get[:45]" -> "Cache.get". */
function functionOf(frame: string): string {
  if (frame === '[idle]') return '[idle]';
  const m = /\/app\.py:([^:]+)(?::\d+)?$/.exec(frame);
  return m ? m[1]! : '';
}

/** Shares summed by function (each function is in a stack once, so its lines add up). */
function byFunction(rows: Row[]): Map<string, { before: number; after: number }> {
  const out = new Map<string, { before: number; after: number }>();
  for (const r of rows) {
    const f = functionOf(r.frame);
    if (!f) continue;
    const s = out.get(f) ?? { before: 0, after: 0 };
    s.before += r.before;
    s.after += r.after;
    out.set(f, s);
  }
  return out;
}

/** What moves: lookup and busy (its CPU loop) fall with their callers; idle takes the time; nothing else. */
const FALLS = ['lookup', 'busy', 'Cache.get', 'handle'];

function checkShares(t: ExecutionContext, shares: Map<string, { before: number; after: number }>): void {
  const lookup = shares.get('lookup');
  t.truthy(lookup, 'lookup in the profile');
  if (!lookup) return;
  t.log(`lookup ${lookup.before.toFixed(2)}% -> ${lookup.after.toFixed(2)}%`);
  // Nominally 20% -> 0% (a 10 s TTL's recomputations fall outside a 3 s window of a fresh process).
  t.true(lookup.before >= 10, `lookup before ${lookup.before}%`);
  t.true(lookup.after <= 6, `lookup after ${lookup.after}%`);
  t.true(lookup.after - lookup.before <= -8, 'lookup falls by 8 points or more');
  for (const f of FALLS) t.true(shares.get(f)!.after - shares.get(f)!.before <= -8, `${f} falls with lookup`);
  // The time lookup took is now spent sleeping: mostly [idle], partly main's own line (a thread
  // waking from sleep, or waiting for a CPU to run on, is sampled as running), which the
  // inclusive report cannot show apart from main's 100%. So idle's rise is logged, not bounded.
  const idle = shares.get('[idle]')!;
  t.log(`idle ${idle.before.toFixed(2)}% -> ${idle.after.toFixed(2)}%`);
  for (const [f, s] of shares) {
    if (FALLS.includes(f) || f === '[idle]') continue;
    t.true(Math.abs(s.after - s.before) < 3, `${f} moves little: ${s.before}% -> ${s.after}%`);
  }
  t.true(shares.has('render') && shares.has('main') && shares.has('<module>'), [...shares.keys()].join(' '));
}

test('pydiff -f: the lookup share falls, its callers with it, nothing else moves much', async (t) => {
  if (!needPython(t)) return;
  const files = await record(t);
  const rows = report(['-f'], files);
  // With -f each function is one frame.
  t.is(rows.filter((r) => functionOf(r.frame) === 'lookup').length, 1);
  checkShares(t, byFunction(rows));
  // The text report leads with what changed most: lookup's chain and idle.
  const text = tool('pydiff', ['-f', '--top', '5', files.before, files.after]);
  t.is(text.code, 0, text.stderr);
  t.log(text.stdout);
  const top = text.stdout.split('\n').slice(5, 10).map((l) => functionOf(/^ *\S+% +\S+% +\S+ {2}(.*)$/.exec(l)![1]!));
  t.deepEqual([...top].sort(), [...FALLS, '[idle]'].sort());
});

test('without -f: moved lines make every frame below the edit look new; summed by function, the same answer', async (t) => {
  if (!needPython(t)) return;
  const files = await record(t);
  const rows = report([], files);
  // The edit added two lines: main's frames before the edit are gone after it, others appeared.
  const main = rows.filter((r) => functionOf(r.frame) === 'main');
  t.true(main.some((r) => r.before >= 50 && r.after === 0), 'a main line vanished');
  t.true(main.some((r) => r.after >= 50 && r.before === 0), 'a main line appeared');
  checkShares(t, byFunction(rows));
});

test('the differential graph: lookup is gone from the after widths, wide and blue with --diff-widths before', async (t) => {
  if (!needPython(t)) return;
  const files = await record(t);
  const diff = tool('pydiff', ['-f', files.before, files.after]);
  t.is(diff.code, 0, diff.stderr);
  const input = Buffer.from(diff.stdout);
  const lookupOf = (svg: string) => parseSvg(svg).frames.filter((f) => /\/app\.py:lookup \(/.test(f.title));
  const after = tool('pyflamegraph', [], input);
  t.is(after.code, 0, after.stderr);
  const widthAfter = lookupOf(after.stdout).reduce((w, f) => w + f.width, 0);
  const before = tool('pyflamegraph', ['--diff-widths', 'before'], input);
  t.is(before.code, 0, before.stderr);
  const frames = lookupOf(before.stdout);
  t.true(frames.length >= 1);
  const widthBefore = frames.reduce((w, f) => w + f.width, 0);
  t.true(widthBefore >= 0.1 * 1180, `lookup ${widthBefore} px wide from before`);
  t.true(widthAfter < widthBefore / 2, `lookup ${widthAfter} px wide from after`);
  for (const f of frames) {
    t.regex(f.fill, /^rgb\((\d+),\1,255\)$/, 'blue: it shrank');
    // Both sides' inclusive counts and shares in the tooltip.
    t.regex(f.title, /; before \d+ samples, \d+\.\d\d%; after \d+ samples, \d+\.\d\d%\)$/);
  }
  t.regex(before.stdout, /<text [^>]*data-label="lookup \(app\.py\)">/, 'python label: the function first');
});
