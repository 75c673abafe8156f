// The promise every pysample user relies on: the target is never left
// stopped, never traced, never killed, and loses no signal; pysample ends
// cleanly (every sample written, exit 0) whatever ends it: its time, SIGINT,
// SIGTERM, SIGHUP, a closed pipe, the target's exit; and even SIGKILL leaves
// the target running. Each case checks the target's threads in /proc after.

import test, { type ExecutionContext } from 'ava';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findInterpreters, isCoreVersion } from './helpers/interpreters';
import { parseRaw } from './helpers/raw';
import { collect, exited, harmed, hasTool, osView, PYSAMPLE, pysample, startPysample, TARGETS } from './helpers/sampling';

const CI = process.env.CI === 'true';
const pythons = findInterpreters().filter(isCoreVersion);
const py = pythons.find((p) => p.minor === '3.12') ?? pythons[pythons.length - 1];
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pysample-safety-'));
test.after.always(() => fs.rmSync(work, { recursive: true, force: true }));

const started: ChildProcess[] = [];
test.after.always(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function needPython(t: ExecutionContext): boolean {
  if (py) return true;
  if (CI) t.fail('no CPython 3.8–3.13 found');
  else t.log('no CPython 3.8–3.13 here: cannot run');
  return false;
}

/** Resolves once pysample has written its header (its signal handlers are in place by then). */
function sampling(ps: ChildProcess, file?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (file && fs.existsSync(file) && fs.statSync(file).size > 0) done();
    }, 10);
    const done = (): void => {
      clearInterval(timer);
      resolve();
    };
    if (!file) ps.stdout!.once('data', done);
    ps.once('exit', () => {
      clearInterval(timer);
      reject(new Error('pysample ended before it started sampling'));
    });
  });
}

/** Starts busy.py for `seconds`, resolved once its handlers are in place. */
async function busy(seconds: number, report?: string): Promise<ChildProcess> {
  const child = spawn(py!.path, [path.join(TARGETS, 'busy.py'), String(seconds), ...(report ? [report] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => d.includes('ready') && resolve());
    child.once('exit', () => reject(new Error('busy.py ended before it was ready')));
  });
  return child;
}

async function ends(t: ExecutionContext, target: ChildProcess): Promise<void> {
  t.is(await harmed(target.pid!), undefined, 'target neither stopped nor traced');
  target.kill('SIGKILL');
}

test.serial('normal end: after -s the target runs on, untraced', async (t) => {
  if (!needPython(t)) return;
  const target = await busy(30);
  const run = await pysample(['-p', String(target.pid), '-s', '0.5', '-r', '0.002']);
  t.is(run.code, 0, `${run.signal} ${run.stderr}`);
  const raw = parseRaw(run.stdout);
  t.deepEqual(raw.bad, []);
  t.true(raw.records.length > 50);
  t.regex(raw.meta.get('totals') ?? '', /^samples: \d+ /);
  await ends(t, target);
});

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  test.serial(`${sig} to pysample: samples flushed, totals written, exit 0, target untouched`, async (t) => {
    if (!needPython(t)) return;
    const target = await busy(30);
    const ps = startPysample(['-p', String(target.pid), '-s', '60', '-r', '0.001']);
    const run = collect(ps);
    await sampling(ps);
    await sleep(300);
    ps.kill(sig);
    const r = await run;
    t.is(r.code, 0, r.stderr);
    const raw = parseRaw(r.stdout);
    t.deepEqual(raw.bad, [], 'no partial record');
    t.true(raw.records.length > 20, `${raw.records.length} records`);
    t.truthy(raw.meta.get('end'));
    t.regex(raw.meta.get('totals') ?? '', /^samples: \d+ /);
    t.regex(r.stderr, /^pysample: \d+ samples/m);
    t.is(target.exitCode, null, 'the target was not signalled');
    await ends(t, target);
  });
}

test.serial('SIGKILL to pysample, over and over mid-run: the target always runs on, every sample written is whole', async (t) => {
  if (!needPython(t)) return;
  const target = await busy(60);
  for (let i = 0; i < 8; i++) {
    const out = path.join(work, `kill-${i}.raw`);
    const ps = startPysample(['-p', String(target.pid), '-s', '60', '-r', '0.001', '-o', out]);
    const run = collect(ps);
    await sampling(ps, out);
    await sleep(100 + 37 * i);
    ps.kill('SIGKILL');
    await run;
    t.is(await harmed(target.pid!), undefined, `round ${i}`);
    const raw = parseRaw(fs.readFileSync(out, 'utf8'));
    t.deepEqual(raw.bad, [], 'records are never cut');
    t.true(raw.records.length > 0);
  }
  await ends(t, target);
});

test.serial('closed pipe downstream (| head): quiet exit 0, target untouched', async (t) => {
  if (!needPython(t)) return;
  const target = await busy(30);
  const start = Date.now();
  const bash = spawn('bash', ['-c', `"${process.execPath}" "${PYSAMPLE}" -p ${target.pid} -s 60 -r 0.001 | head -n 3; echo "status \${PIPESTATUS[0]}"`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const r = await collect(bash);
  t.true(Date.now() - start < 20000, 'ends soon after head does');
  t.regex(r.stdout, /status 0\n$/);
  t.is(r.stderr, '', 'nothing on stderr');
  await ends(t, target);
});

test.serial('the target exits mid-run: every sample written, totals, exit 0', async (t) => {
  if (!needPython(t)) return;
  const target = await busy(2.5);
  const start = Date.now();
  const r = await pysample(['-p', String(target.pid), '-s', '30', '-r', '0.002']);
  t.is(r.code, 0, r.stderr);
  t.true(Date.now() - start < 10000, 'ends with the target');
  const raw = parseRaw(r.stdout);
  t.deepEqual(raw.bad, []);
  t.true(raw.records.length > 20);
  t.regex(raw.meta.get('totals') ?? '', /^samples: \d+ /);
  t.regex(r.stderr, /the target exited/);
  t.is((await exited(target)).code, 0, 'the target ended by itself');
});

test.serial('signals sent to the target while it is sampled at 1 kHz all arrive', async (t) => {
  if (!needPython(t)) return;
  const report = path.join(work, 'signals.txt');
  const target = await busy(5, report);
  const ps = startPysample(['-p', String(target.pid), '-s', '3', '-r', '0.001']);
  const run = collect(ps);
  await sampling(ps);
  // One at a time: each answered before the next is sent.
  const lines: string[] = [];
  target.stdout!.on('data', (d: string) => lines.push(...d.split('\n').filter(Boolean)));
  let sent = 0;
  let lost = 0;
  for (; sent < 300 && ps.exitCode === null; sent++) {
    process.kill(target.pid!, 35);
    const until = Date.now() + 3000;
    while (!lines.includes(`signal ${sent + 1}`) && Date.now() < until) await sleep(0.2);
    if (!lines.includes(`signal ${sent + 1}`)) {
      lost++;
      break;
    }
  }
  t.is(lost, 0, `signal ${sent + 1} never arrived`);
  t.true(sent >= 100, `${sent} signals sent while sampling`);
  const r = await run;
  t.is(r.code, 0, r.stderr);
  t.is((await exited(target)).code, 0);
  t.is(fs.readFileSync(report, 'utf8'), `signals ${sent}\nended by time\nend signals 0\n`);
});

test.serial('threads that start and end all the time are picked up and dropped', async (t) => {
  if (!needPython(t)) return;
  const child = spawn(py!.path, [path.join(TARGETS, 'churn.py'), '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  const targetRun = collect(child);
  await sleep(150);
  const r = await pysample(['-p', String(child.pid), '-s', '1.2', '-r', '0.002']);
  t.is(r.code, 0, r.stderr);
  const raw = parseRaw(r.stdout);
  t.deepEqual(raw.bad, []);
  const tids = new Set(raw.records.map((x) => x.tid));
  t.true(tids.size > 10, `${tids.size} different threads seen`);
  t.true(raw.errors.length <= raw.records.length * 0.1, `${raw.errors.length} failed of ${raw.records.length}`);
  const end = await targetRun;
  t.is(end.code, 0, end.stderr);
  t.regex(end.stdout, /^threads \d+/);
});

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  test.serial(`-t: ${sig} goes to the command, pysample ends when it does, exit 0`, async (t) => {
    if (!needPython(t)) return;
    const report = path.join(work, `t-${sig}.txt`);
    const out = path.join(work, `t-${sig}.raw`);
    const ps = startPysample(['-r', '0.005', '-o', out, '-t', py!.path, path.join(TARGETS, 'busy.py'), '30', report]);
    const run = collect(ps);
    await sampling(ps, out);
    // The command's stdout is pysample's (samples go to -o): wait for its handlers.
    while (!run.stdoutSoFar().includes('ready')) await sleep(10);
    await sleep(200);
    ps.kill(sig);
    const r = await run;
    t.is(r.code, 0, r.stderr);
    t.deepEqual(fs.readFileSync(report, 'utf8').split('\n').slice(1, 3), [`ended by ${sig}`, 'end signals 1'], r.stderr + r.stdout);
    t.regex(r.stderr, /exited \(status 0\)/);
    const raw = parseRaw(fs.readFileSync(out, 'utf8'));
    t.deepEqual(raw.bad, []);
    t.true(raw.records.length > 10);
    t.regex(raw.meta.get('totals') ?? '', /^samples: \d+ /);
  });
}

test.serial('--nonblocking never stops or traces the target', async (t) => {
  if (!needPython(t)) return;
  const target = await busy(30);
  const ps = startPysample(['-p', String(target.pid), '-s', '1', '-r', '0.001', '--nonblocking']);
  const run = collect(ps);
  let seen = 0;
  while (ps.exitCode === null) {
    const v = osView(target.pid!);
    if (v.tracerPid !== 0 || v.states.some((s) => s === 't' || s === 'T')) seen++;
    await sleep(5);
  }
  const r = await run;
  t.is(r.code, 0, r.stderr);
  t.is(seen, 0, 'never seen stopped or traced');
  t.true(parseRaw(r.stdout).records.length > 100);
  await ends(t, target);
});

test.serial('-t on a terminal: Ctrl-C reaches the command once, not twice', async (t) => {
  if (!needPython(t)) return;
  if (!hasTool(t, 'script', ['--version'], 'script(1) for a terminal')) return;
  const report = path.join(work, 'tty-ctrl-c.txt');
  const out = path.join(work, 'tty-ctrl-c.raw');
  // script(1) runs the command with $SHELL -c; exec so that no shell sits between
  // the terminal and pysample (dash would wait, and die of the Ctrl-C itself).
  const cmd = `exec "${process.execPath}" "${PYSAMPLE}" -r 0.005 -o "${out}" -t "${py!.path}" "${path.join(TARGETS, 'busy.py')}" 30 "${report}"`;
  const term = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, SHELL: '/bin/sh' } });
  const run = collect(term);
  while (!run.stdoutSoFar().includes('ready')) {
    if (term.exitCode !== null) break;
    await sleep(10);
  }
  await sleep(300);
  term.stdin!.write('\x03'); // the terminal turns it into SIGINT for its foreground group
  const r = await run;
  t.is(r.code, 0, r.stdout + r.stderr);
  t.deepEqual(fs.readFileSync(report, 'utf8').split('\n').slice(1, 3), ['ended by SIGINT', 'end signals 1']);
  t.regex(fs.readFileSync(out, 'utf8'), /^# samples: \d+ /m);
});
