// pysample against every CPython found here, attached (-p) and launched (-t):
// test/targets/scenes.py brings its threads to rest at known places (deep
// recursion, a generator, a method through a lambda and a comprehension, a
// module under a 300-byte path, a sleeper, a spinner holding the GIL, and on
// Python 3 an async function and non-ASCII names) and writes its own view of
// its stacks; every record pysample writes while the target sits still must
// equal that view frame by frame, with the right thread ids, GIL and idle flags.
// Under CI=true nothing is skipped and a 3.8–3.13 interpreter is required.

import test, { type ExecutionContext } from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeInterpreters, dlopener, embedder, findInterpreters, isCoreVersion, strippedCopy, type Embedder, type Interpreter } from './helpers/interpreters';
import { frameKeys, parseRaw, type RawOutput } from './helpers/raw';
import { collect, exited, harmed, Limit, pysample, startPysample, TARGETS, waitForFile } from './helpers/sampling';

const CI = process.env.CI === 'true';
const pythons = findInterpreters();
const limit = new Limit(2);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pysample-matrix-'));
test.after.always(() => fs.rmSync(work, { recursive: true, force: true }));

interface Dump {
  pid: number;
  version: string;
  still_from: number;
  still_until: number;
  reporter_native: number | null;
  roles: { main: string; spinner: string; sleeper: string };
  threads: { [ident: string]: { native: number | null; frames: [string, string, number][] } };
}

test('interpreters: a 3.8–3.13 CPython is present', (t) => {
  t.log(describeInterpreters(pythons));
  if (!pythons.some(isCoreVersion)) {
    if (CI) t.fail('no CPython 3.8–3.13 found (looked in $PYENV_ROOT/versions, PATH, /usr/bin)');
    else t.log('no CPython 3.8–3.13 here: the matrix below is empty');
  }
  t.pass();
});

/** Compares every record taken while the target sat still with the target's own view. */
function compare(t: ExecutionContext, py: Interpreter, dump: Dump, raw: RawOutput, from: number, until: number): void {
  t.deepEqual(raw.bad, [], 'every line fits the raw format');
  t.is(raw.meta.get('first'), '# ========', 'the first line');
  // While the target starts or ends, its objects change under the reads
  // (threads appear before they can be stopped): a few failed samples are
  // counted then. While it sits still, none may fail.
  const errorTime = (e: string): number => Number(e.split(' ')[0]);
  t.deepEqual(raw.errors.filter((e) => errorTime(e) >= from && errorTime(e) <= until), [], 'no sample failed while still');
  t.true(raw.errors.length <= Math.max(2, raw.records.length * 0.05), `few failed samples: ${raw.errors.length} of ${raw.records.length}`);
  t.is(raw.meta.get('python'), py.version);
  t.is(raw.meta.get('pid'), String(dump.pid));
  t.regex(raw.meta.get('totals') ?? '', new RegExp(`^samples: \\d+ threads-samples: \\d+ idle: [\\d.]+% errors: ${raw.errors.length} rate: [\\d.]+/s$`));
  // The reporter thread sleeps out the still time; it is not part of the view.
  const still = raw.records.filter((r) => r.time >= from && r.time <= until && !r.frames.some((f) => f.name === 'reporter'));
  const times = [...new Set(still.map((r) => r.time))];
  t.true(times.length >= 5, `at least 5 samples while still (got ${times.length})`);
  // The sleeper wakes every 200 ms to test its loop's flag: caught then (most likely on a busy
  // machine, waiting for a CPU), its innermost line is the loop's. Every other line must agree.
  const innermostAnyLine = (keys: string[]): string[] => keys.map((k, i) => (i === 0 ? k.replace(/:\d+$/, '') : k));
  const wanted = Object.entries(dump.threads).map(([ident, th]) => {
    const keys = frameKeys(th.frames.map(([file, name, line]) => ({ file, name, line })));
    const loose = ident === dump.roles.sleeper ? innermostAnyLine : (k: string[]): string[] => k;
    return { ident, native: th.native, keys: loose(keys), loose };
  });
  const hasNative = wanted.every((w) => w.native !== null);
  for (const time of times) {
    const recs = still.filter((r) => r.time === time);
    t.is(recs.length, wanted.length, `one record per thread at ${time}`);
    t.true(recs.filter((r) => r.flags.includes('gil')).length <= 1, 'at most one GIL holder per sample');
    for (const w of wanted) {
      const rec = hasNative
        ? recs.find((r) => r.tid === w.native)
        : recs.find((r) => JSON.stringify(w.loose(frameKeys(r.frames))) === JSON.stringify(w.keys));
      if (!rec) {
        const got = recs.map((r) => `${r.tid} [${r.flags}] ${frameKeys(r.frames).slice(0, 3).join(' < ')}`);
        t.fail(`thread ${w.ident} (native ${w.native}) missing at ${time}: wanted\n  ${w.keys.slice(0, 6).join('\n  ')}\ngot\n  ${got.join('\n  ')}`);
        continue;
      }
      t.deepEqual(w.loose(frameKeys(rec.frames)), w.keys, `stack of thread ${w.ident} at ${time}`);
      t.is(rec.idleMarker, rec.flags.includes('idle'), 'idle flag and [idle] frame agree');
      if (w.ident !== dump.roles.spinner && w.ident !== dump.roles.sleeper) {
        t.true(rec.flags.includes('idle'), `thread ${w.ident} blocked in a wait is idle (${rec.tid} [${rec.flags}] at ${time}: ${rec.frames[0]?.name})`);
        t.false(rec.flags.includes('gil'), `thread ${w.ident} blocked in a wait holds no GIL`);
      }
    }
  }
  // The spinner runs (state R) and holds the GIL nearly always; allow for
  // moments when the sleeper takes the GIL or the spinner waits for a CPU.
  const spin = wanted.find((w) => w.ident === dump.roles.spinner)!;
  const spinRecs = still.filter((r) => (hasNative ? r.tid === spin.native : JSON.stringify(frameKeys(r.frames)) === JSON.stringify(spin.keys)));
  const gil = spinRecs.filter((r) => r.flags.includes('gil')).length / Math.max(1, spinRecs.length);
  const busy = spinRecs.filter((r) => !r.flags.includes('idle')).length / Math.max(1, spinRecs.length);
  t.true(gil >= 0.5, `the spinner holds the GIL in ${(gil * 100).toFixed(0)}% of samples`);
  t.true(busy >= 0.5, `the spinner is not idle in ${(busy * 100).toFixed(0)}% of samples`);
}

/** Attached run against scenes.py, run by py or by a program embedding its libpython; `env` may
 *  load a different libpython (a stripped copy). Returns the executable pysample read. */
async function attached(t: ExecutionContext, py: Interpreter, env: NodeJS.ProcessEnv = {}, runner?: Embedder): Promise<string> {
  let executable = '';
  await limit.run(async () => {
    const dir = fs.mkdtempSync(path.join(work, 'p-'));
    const dumpFile = path.join(dir, 'dump.json');
    const target = spawn(runner?.exe ?? py.path, [...(runner?.args ?? []), path.join(TARGETS, 'scenes.py'), dumpFile, '2.5'], {
      stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...runner?.env, ...env },
    });
    const targetRun = collect(target);
    try {
      await waitForFile(dumpFile, 20000, target);
      const dump = JSON.parse(fs.readFileSync(dumpFile, 'utf8')) as Dump;
      const run = await pysample(['-p', String(target.pid), '-s', '0.4', '-r', '0.02']);
      t.is(run.code, 0, run.stderr);
      t.is(await harmed(target.pid!), undefined);
      t.regex(run.stderr, /^pysample: \d+ samples in /);
      const raw = parseRaw(run.stdout);
      compare(t, py, dump, raw, dump.still_from, dump.still_until);
      executable = raw.meta.get('executable') ?? '';
      const end = await targetRun;
      t.is(end.code, 0, `the target ends normally: ${end.stderr}`);
    } finally {
      target.kill('SIGKILL');
    }
  });
  return executable;
}

for (const py of pythons) {
  test(`-p ${py.label}`, async (t) => {
    await attached(t, py);
  });

  test(`-t ${py.label}`, async (t) => {
    await limit.run(async () => {
      const dir = fs.mkdtempSync(path.join(work, 't-'));
      const dumpFile = path.join(dir, 'dump.json');
      const out = path.join(dir, 'out.raw');
      const run = await pysample(['-r', '0.02', '-o', out, '-t', py.path, path.join(TARGETS, 'scenes.py'), dumpFile, '0.6']);
      t.is(run.code, 0, run.stderr);
      t.regex(run.stderr, /exited \(status 0\)/);
      const dump = JSON.parse(fs.readFileSync(dumpFile, 'utf8')) as Dump;
      // Leave the last 50 ms out: the threads are let go at still_until.
      compare(t, py, dump, parseRaw(fs.readFileSync(out, 'utf8')), dump.still_from, dump.still_until - 0.05);
    });
  });
}

// A libpython without .symtab (stripped copy loaded through LD_LIBRARY_PATH):
// 2.7 and 3.6 lose the interpreter list's symbol and are found another way,
// 3.7 its version buffer's; 3.12 keeps .dynsym.
for (const py of pythons.filter((p) => p.source === 'pyenv' && ['2.7', '3.6', '3.7', '3.12'].includes(p.minor))) {
  test(`-p ${py.label}, stripped libpython`, async (t) => {
    const dir = fs.mkdtempSync(path.join(work, 'stripped-'));
    const copy = strippedCopy(py, dir);
    t.false(execFileSync('readelf', ['-S', copy], { encoding: 'utf8' }).includes('.symtab'), 'the copy has no .symtab');
    t.is(await attached(t, py, { LD_LIBRARY_PATH: dir }), copy, 'the stripped copy is what was read');
  });
}

// Programs that run Python but are not named python (pyenv's 2.7 and 3.12): one linking
// libpython, one loading a renamed copy with dlopen. Found through the library they map, with
// the same stacks, thread ids, GIL and idle flags.
for (const py of pythons.filter((p) => p.source === 'pyenv' && ['2.7', '3.12'].includes(p.minor))) {
  for (const [how, build] of [['linking it', embedder], ['loading a renamed copy with dlopen', dlopener]] as const) {
    test(`-p ${py.label} in a C program ${how}`, async (t) => {
      const runner = build(py, fs.mkdtempSync(path.join(work, 'embed-')), `report-server-${py.minor}`);
      // Embedded, the script's directory is not put on sys.path: scenes.py imports scenes3 from it.
      t.is(await attached(t, py, { PYTHONPATH: TARGETS }, runner), runner.lib, 'the libpython it runs is what was read');
    });
  }
}
