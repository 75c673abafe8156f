// The Python reader against live interpreters: every CPython found on this
// machine runs test/fixtures/python/target.py, whose threads park at known
// places and which prints its own sys._current_frames(); openPython's
// capture()+resolve() must give exactly the same stacks, the same native
// thread ids, and the spinning thread as GIL holder. Also: the pointer scan
// instead of symbols, stripped copies of libpython, and an embedding program.
// Under CI=true nothing is skipped and a 3.8–3.13 interpreter is required.

import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProcessMemory } from '../src/sample/memory';
import { native, STOPPED } from '../src/sample/native';
import { statState } from '../src/sample/procfs';
import { openPython, type PythonProcess, type ThreadStack } from '../src/sample/python';
import { LAYOUTS } from '../src/sample/python/layouts';
import { describeInterpreters, dlopener, embedder, findInterpreters, isCoreVersion, libpythonOf, strippedCopy, type Interpreter } from './helpers/interpreters';
import { startTarget, type Target } from './fixtures/python/target';

const CI = process.env.CI === 'true';
const pythons = findInterpreters();

/** The fixture copied under a long directory name (paths over 255 bytes must decode whole). */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pysample-py-'));
const scripts = path.join(work, 'd'.repeat(120), `long_${'e'.repeat(120)}`);
fs.mkdirSync(scripts, { recursive: true });
for (const f of ['target.py', 'target_uni.py']) {
  fs.copyFileSync(path.join(__dirname, '../../test/fixtures/python', f), path.join(scripts, f));
}
const script = path.join(scripts, 'target.py');
test.after.always(() => fs.rmSync(work, { recursive: true, force: true }));

test('a 3.8–3.13 interpreter is present', (t) => {
  t.log(describeInterpreters(pythons));
  if (!pythons.some(isCoreVersion)) {
    if (CI) t.fail('no CPython 3.8–3.13 found (looked in $PYENV_ROOT/versions, PATH, /usr/bin)');
    else t.log('no CPython 3.8–3.13 found: the live tests below cannot run here');
  }
  t.pass();
});

type Frames = [string, string, number][];
const asTuples = (s: ThreadStack): Frames => s.frames.map((f) => [f.file, f.name, f.line]);

/** Every parked thread (all but the reporter) equals the target's own view, frame by frame. */
function checkParked(t: ExecutionContext, p: PythonProcess, target: Target, only?: 'main'): ThreadStack[] {
  const stacks = p.capture().map((r) => p.resolve(r));
  // The split the sampler uses: only the listed threads copied at once, the rest by captureRest().
  const split = p.capture(new Set([target.pid]));
  t.true(split.some((r) => r.pending !== undefined) || split.every((r) => r.nativeTid === undefined || r.nativeTid === target.pid),
    'threads not listed as running are left for captureRest');
  p.captureRest(split);
  t.true(split.every((r) => r.pending === undefined), 'captureRest copies every pending stack');
  const late = split.map((r) => p.resolve(r));
  const { roles, threads } = target.info;
  for (const [ident, want] of Object.entries(threads)) {
    if (Number(ident) === roles.reporter) continue;
    if (only === 'main' && Number(ident) !== roles.main) continue;
    const got = late.find((s) => s.threadId === Number(ident));
    t.deepEqual(got && asTuples(got), want.frames, `thread ${ident}, stack copied after the others`);
    t.is(got?.error, undefined, `thread ${ident}, stack copied after the others`);
  }
  for (const [ident, want] of Object.entries(threads)) {
    if (Number(ident) === roles.reporter) continue;
    if (only === 'main' && Number(ident) !== roles.main) continue;
    const got = stacks.find((s) => s.threadId === Number(ident));
    if (!got) {
      t.fail(`thread ${ident} not found`);
      continue;
    }
    t.is(got.error, undefined, `thread ${ident}`);
    t.deepEqual(asTuples(got), want.frames, `thread ${ident}${Number(ident) === roles.main ? ' (main)' : ''}`);
    if (want.native !== null) t.is(got.nativeTid, want.native, `native tid of ${ident}`);
  }
  return stacks;
}

/** Without get_native_id (before 3.8): the ids are distinct live TIDs and the main thread's is the PID. */
function checkTids(t: ExecutionContext, stacks: ThreadStack[], target: Target): void {
  const tasks = new Set(fs.readdirSync(`/proc/${target.pid}/task`).map(Number));
  const ids = stacks.map((s) => s.nativeTid);
  for (const id of ids) t.true(id !== undefined && tasks.has(id), `tid ${id} is a task of ${target.pid}`);
  t.is(new Set(ids).size, ids.length, 'native tids are distinct');
  t.is(stacks.find((s) => s.threadId === target.info.roles.main)?.nativeTid, target.pid);
}

async function checkGil(t: ExecutionContext, p: PythonProcess, target: Target): Promise<void> {
  const holders = (): number[] => p.capture().filter((r) => r.holdsGil).map((r) => r.threadId);
  t.deepEqual(holders(), [], 'no GIL holder while every thread is parked');
  await target.send('spin');
  await sleep(150);
  let spinnerHeld = 0;
  let spinFrame = 0;
  for (let i = 0; i < 20; i++) {
    const raws = p.capture();
    const h = raws.filter((r) => r.holdsGil);
    if (h.length === 1 && h[0]!.threadId === target.info.roles.spinner) spinnerHeld++;
    const spinner = raws.find((r) => r.threadId === target.info.roles.spinner);
    if (spinner && p.resolve(spinner).frames[0]?.name === 'spin') spinFrame++;
    await sleep(5);
  }
  t.log(`spinner held the GIL in ${spinnerHeld}/20 captures, was in spin() in ${spinFrame}/20`);
  t.true(spinnerHeld >= 15, `spinner held the GIL in ${spinnerHeld}/20 captures`);
  t.true(spinFrame >= 15, `spinner's innermost frame was spin() in ${spinFrame}/20`);
  checkStopped(t, p, target);
  await target.send('rest');
}

/** A copy given a stop (the sampler's path): every thread is stopped for the walk and let go in
 *  the same native call; the spinning thread is seen spinning with the GIL. */
function checkStopped(t: ExecutionContext, p: PythonProcess, target: Target): void {
  const tids = fs.readdirSync(`/proc/${target.pid}/task`).map(Number);
  const stop = { tids: Int32Array.from(tids), outcomes: new Int32Array(tids.length).fill(-1), held: new Float64Array(1), timeoutMs: 100, keepExitOf: 0, lateWaitMs: 100 };
  let spinning = 0;
  for (let i = 0; i < 10; i++) {
    stop.held[0] = 0;
    p.copy(new Set(tids), stop);
    t.deepEqual([...stop.outcomes], tids.map(() => STOPPED), 'every thread stopped for the copy');
    t.true(stop.held[0]! > 0 && stop.held[0]! < 100_000, `held ${stop.held[0]} µs`);
    t.is(native().attached(), 0, 'and let go before the call returned');
    const spinner = p.collect().find((r) => r.threadId === target.info.roles.spinner);
    if (spinner?.holdsGil && p.resolve(spinner).frames[0]?.name === 'spin') spinning++;
  }
  t.true(spinning >= 8, `the spinner was seen spinning with the GIL in ${spinning}/10 stopped copies`);
  for (const tid of tids) {
    const state = statState(fs.readFileSync(`/proc/${target.pid}/task/${tid}/stat`, 'utf8'));
    t.false(state === 't' || state === 'T', `thread ${tid} is not left stopped (${state})`);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function open(t: ExecutionContext, target: Target, locate?: 'scan'): PythonProcess {
  const mem = new ProcessMemory(target.pid);
  const p = openPython(target.pid, mem, locate ? { locate } : {});
  t.log(`${p.version} ${p.executable} found by ${p.foundBy}`);
  return p;
}

for (const py of pythons) {
  test.serial(`live ${py.label}: stacks, thread ids, GIL, scan`, async (t) => {
    const target = await startTarget(py.path, [script]);
    t.teardown(() => target.close());
    const p = open(t, target);
    t.is(p.version, target.info.version);
    t.is(p.foundBy, py.minor === '3.13' ? 'debug-offsets' : 'symbol');
    // 3.13: the layout the target publishes equals the verified table.
    if (py.minor === '3.13') t.deepEqual(p.layout, LAYOUTS['3.13']);
    const stacks = checkParked(t, p, target);
    t.true(stacks.find((s) => s.threadId === target.info.roles.main)!.frames.length >= 15);
    if (Number(py.minor.split('.')[1]) >= 11 && py.minor.startsWith('3.')) {
      // 3.11+: a thread's frames are walked in one copy of its data-stack chunk, not read one by one
      // (per thread: its state, its cframe, the chunk, and from 3.12 the C stack's entry frames).
      const raws = p.capture();
      const frames = raws.reduce((n, r) => n + r.frames.length / 3, 0);
      const reads = p.captureReads();
      t.log(`capture: ${reads} reads for ${raws.length} threads, ${frames} frames`);
      t.true(reads <= 2 + 5 * raws.length, `${reads} reads`);
      // The next capture first reads all of this one's places in one system call.
      p.capture();
      t.log(`next capture: ${p.captureReads()} reads`);
      t.true(p.captureReads() <= 1 + raws.length, `${p.captureReads()} reads`);
    }
    if (py.minor === '2.7' || py.minor === '3.6' || py.minor === '3.7') checkTids(t, stacks, target);
    await checkGil(t, p, target);
    const scanned = open(t, target, 'scan');
    t.is(scanned.foundBy, 'scan');
    checkParked(t, scanned, target, 'main');
  });
}

/** pyenv builds with a libpython to strip (2.7 and 3.6 lose interp_head; 3.7 its version buffer's symbol; 3.12 keeps .dynsym). */
const strippable = pythons.filter((p) => p.source === 'pyenv' && ['2.7', '3.6', '3.7', '3.12'].includes(p.minor));

for (const py of strippable) {
  test.serial(`stripped libpython ${py.label}`, async (t) => {
    const dir = fs.mkdtempSync(path.join(work, 'stripped-'));
    const copy = strippedCopy(py, dir);
    t.false(execFileSync('readelf', ['-S', copy], { encoding: 'utf8' }).includes('.symtab'), 'copy has no .symtab');
    const target = await startTarget(py.path, [script], { LD_LIBRARY_PATH: dir });
    t.teardown(() => target.close());
    const p = open(t, target);
    t.is(p.executable, copy);
    t.is(p.version, target.info.version);
    if (py.minor === '2.7' || py.minor === '3.6') t.not(p.foundBy, 'symbol');
    checkParked(t, p, target);
    await checkGil(t, p, target);
    const scanned = open(t, target, 'scan');
    checkParked(t, scanned, target, 'main');
  });
}

test.serial('a libpython deleted after it was loaded is read through /proc/PID/map_files', async (t) => {
  const py = pythons.find((p) => p.source === 'pyenv' && p.minor === '3.12') ?? pythons.find((p) => p.source === 'pyenv' && p.minor !== '2.7');
  if (!py) return CI ? t.fail('no pyenv python') : t.pass('no pyenv python here');
  const lib = libpythonOf(py);
  const dir = fs.mkdtempSync(path.join(work, 'deleted-'));
  const copy = path.join(dir, path.basename(lib));
  fs.copyFileSync(lib, copy);
  const target = await startTarget(py.path, [script], { LD_LIBRARY_PATH: dir });
  t.teardown(() => target.close());
  fs.unlinkSync(copy);
  fs.writeFileSync(copy, 'replaced by an upgrade\n');
  const p = open(t, target);
  t.is(p.executable, copy);
  checkParked(t, p, target);
});

/** Targets in their own PID namespace (as in a container): thread ids are translated to ours. */
const namespaced = pythons.filter((p) => p.source === 'pyenv' && ['2.7', '3.9', '3.12'].includes(p.minor));

for (const py of namespaced) {
  test.serial(`in its own PID namespace ${py.label}`, async (t) => {
    const wrapper = await startTarget('unshare', ['--pid', '--fork', '--mount-proc', py.path, script]);
    t.teardown(() => wrapper.close());
    // The interpreter is unshare's child; the report carries its pid inside the namespace.
    const children = fs.readFileSync(`/proc/${wrapper.pid}/task/${wrapper.pid}/children`, 'utf8').trim().split(/\s+/);
    t.is(children.length, 1);
    const pid = Number(children[0]);
    t.is(wrapper.info.pid, 1);
    const target: Target = { ...wrapper, pid };
    const p = open(t, target);
    const inner = new Map(fs.readdirSync(`/proc/${pid}/task`).map((tid) => {
      const ns = /^NSpid:\s*(.*)$/m.exec(fs.readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'))![1]!.trim().split(/\s+/);
      return [Number(tid), Number(ns[ns.length - 1])];
    }));
    const stacks = p.capture().map((r) => p.resolve(r));
    for (const s of stacks) {
      t.true(s.nativeTid !== undefined && inner.has(s.nativeTid), `tid ${s.nativeTid} is one of ours`);
      const want = target.info.threads[String(s.threadId)];
      if (want && want.native !== null) t.is(inner.get(s.nativeTid!), want.native, 'the same thread inside the namespace');
      if (want && s.threadId !== target.info.roles.reporter) t.deepEqual(asTuples(s), want.frames);
    }
    t.is(stacks.find((s) => s.threadId === target.info.roles.main)?.nativeTid, pid);
  });
}

/** Programs linking a pyenv libpython, not named python. */
const embeddable = pythons.filter((p) => p.source === 'pyenv' && ['2.7', '3.12'].includes(p.minor));

for (const py of embeddable) {
  test.serial(`embedded in a C program ${py.label}`, async (t) => {
    const { exe, args, lib, env } = embedder(py, fs.mkdtempSync(path.join(work, 'embed-')), `report-server-${py.minor}`);
    const target = await startTarget(exe, [...args, script], { ...env, PYTHONPATH: scripts });
    t.teardown(() => target.close());
    const p = open(t, target);
    t.is(p.executable, lib);
    t.is(p.version, target.info.version);
    checkParked(t, p, target);
    await checkGil(t, p, target);
  });
}

for (const py of embeddable) {
  test.serial(`a renamed libpython loaded with dlopen ${py.label}`, async (t) => {
    const { exe, args, lib, env } = dlopener(py, fs.mkdtempSync(path.join(work, 'dlopen-')), `appcore-${py.minor}`);
    const target = await startTarget(exe, [...args, script], { ...env, PYTHONPATH: scripts });
    t.teardown(() => target.close());
    const p = open(t, target);
    t.is(p.executable, lib);
    t.is(p.version, target.info.version);
    checkParked(t, p, target);
  });
}

for (const py of embeddable) {
  test.serial(`a process caught before Python is initialised is told apart ${py.label}`, async (t) => {
    // A renamed library: neither its name nor (before 3.11) its memory tells the version yet.
    const { exe, args, env } = dlopener(py, fs.mkdtempSync(path.join(work, 'early-')), `appcore-early-${py.minor}`);
    const { spawn } = await import('node:child_process');
    const child = spawn(exe, [...args, script], {
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { ...process.env, ...env, PYTHONPATH: scripts, EMBED_DELAY_MS: '3000' },
    });
    t.teardown(() => child.kill('SIGKILL'));
    const mem = new ProcessMemory(child.pid!);
    let err: Error | undefined;
    for (let i = 0; i < 100 && !err?.message.includes('not initialised'); i++) {
      await sleep(20);
      try {
        openPython(child.pid!, mem);
      } catch (e) {
        err = e as Error;
      }
    }
    t.regex(err!.message, new RegExp(`^the Python interpreter in pid ${child.pid} is not initialised yet`));
  });
}

/** Sub-interpreters (3.8+ have a module to make one). */
const withSubinterpreters = pythons.filter((p) => p.source === 'pyenv' && ['3.8', '3.12', '3.13'].includes(p.minor));

for (const py of withSubinterpreters) {
  test.serial(`threads of a sub-interpreter ${py.label}`, async (t) => {
    const { spawn } = await import('node:child_process');
    const child = spawn(py.path, [path.join(__dirname, '../../test/fixtures/python/subinterp.py')], { stdio: ['ignore', 'pipe', 'inherit'] });
    t.teardown(() => child.kill('SIGKILL'));
    await new Promise((r) => child.stdout.once('data', r));
    const mem = new ProcessMemory(child.pid!);
    const p = openPython(child.pid!, mem);
    const stacks = p.capture().map((r) => p.resolve(r));
    t.true(stacks.some((s) => JSON.stringify(asTuples(s)) === JSON.stringify([['<string>', 'in_sub', 3], ['<string>', '<module>', 4]])),
      JSON.stringify(stacks.map(asTuples)));
    t.true(stacks.every((s) => !s.error));
  });
}

test.serial('a process that is not Python is refused naming its executable', async (t) => {
  const { spawn } = await import('node:child_process');
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.teardown(() => child.kill('SIGKILL'));
  await sleep(100);
  const mem = new ProcessMemory(child.pid!);
  const e = t.throws(() => openPython(child.pid!, mem));
  t.regex(e!.message, new RegExp(`^pid ${child.pid} is not a Python process \\(its executable is /usr/bin/sleep, and no libpython is loaded\\)$`));
});

test.serial('a process that does not exist is named', (t) => {
  const e = t.throws(() => openPython(2 ** 22 + 1, { read: () => Buffer.alloc(0), source: 2 ** 22 + 1 }));
  t.is(e!.message, `no such process: ${2 ** 22 + 1}`);
});
