// pysample as a program: --help and the man page, usage errors (exit 2),
// errors a user can act on (exit 1, one line, with the cause and the fix),
// the raw format's header, -x and --gil, -- CMD, and the progress line only
// on a terminal.

import test, { type ExecutionContext } from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readText, statIsKernelThread } from '../src/sample/procfs';
import { findInterpreters, isCoreVersion } from './helpers/interpreters';
import { parseRaw } from './helpers/raw';
import { collect, harmed, hasTool, PYSAMPLE, pysample, ROOT, TARGETS } from './helpers/sampling';

const CI = process.env.CI === 'true';
const py = findInterpreters().filter(isCoreVersion).reverse().find(() => true);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pysample-cli-'));
fs.chmodSync(work, 0o755);
const children: number[] = [];
test.after.always(() => {
  for (const pid of children) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  fs.rmSync(work, { recursive: true, force: true });
});

function needPython(t: ExecutionContext): boolean {
  if (py) return true;
  if (CI) t.fail('no CPython 3.8–3.13 found');
  else t.log('no CPython 3.8–3.13 here: cannot run');
  return false;
}

/** A process that just waits (killed after the tests). */
function idleProcess(cmd: string[] = ['sleep', '60']): number {
  const c = spawn(cmd[0]!, cmd.slice(1), { stdio: 'ignore' });
  children.push(c.pid!);
  return c.pid!;
}

/** A Python target spinning for `seconds`, once ready. */
async function pythonTarget(seconds = 30, wrap: string[] = []): Promise<number> {
  const c = spawn(wrap[0] ?? py!.path, [...wrap.slice(1), ...(wrap.length ? [py!.path] : []), path.join(TARGETS, 'busy.py'), String(seconds)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(c.pid!);
  await new Promise<void>((resolve) => c.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
  return c.pid!;
}

function oneLineError(t: ExecutionContext, r: { code: number | null; stdout: string; stderr: string }, code: number, re: RegExp): void {
  t.is(r.code, code, r.stderr);
  t.is(r.stdout, '', 'nothing on stdout');
  t.regex(r.stderr, /^pysample: [^\n]+\n$/, 'one line on stderr');
  t.regex(r.stderr, re);
}

test('--help exits 0 and shows every option in an example; the man page documents each and repeats the examples', async (t) => {
  const r = await pysample(['--help']);
  t.is(r.code, 0);
  const help = r.stdout;
  const man = fs.readFileSync(path.join(ROOT, 'man/pysample.1'), 'utf8').replace(/\\-/g, '-').replace(/\\e/g, '\\').replace(/\\f[BIRP]/g, '');
  const optionBlock = help.slice(help.indexOf('Options:'), help.indexOf('Examples:'));
  const flags = [...optionBlock.matchAll(/(?<![\w-])(--?[a-z][\w-]*)/g)].map((m) => m[1]!);
  t.true(flags.length >= 20);
  for (const flag of flags) t.true(new RegExp(`(?<![\\w-])${flag}(?![\\w-])`).test(man), `${flag} in man/pysample.1`);
  const examples = help.slice(help.indexOf('Examples:'), help.indexOf('A thread is idle'));
  const longs = [...optionBlock.matchAll(/^ {2}(?:-(\w), )?\s*--([\w-]+)/gm)].map((m) => [m[1], m[2]!] as const);
  for (const [short, long] of longs) {
    if (long === 'help' || long === 'version') continue;
    t.true(examples.includes(`--${long}`) || (short !== undefined && examples.includes(`-${short} `)), `--${long} used in an example`);
  }
  const commands = [...examples.matchAll(/^ {2}(pysample .*?)\s{2,}/gm)].map((m) => m[1]!);
  t.is(commands.length, 6);
  for (const c of commands) t.true(man.includes(c.replace(/ \|$/, '')), `man page example: ${c}`);
  t.regex(man, /^\.SH NAME$[\s\S]*^\.SH SYNOPSIS$[\s\S]*^\.SH DESCRIPTION$[\s\S]*^\.SH OPTIONS$[\s\S]*^\.SH EXIT STATUS$[\s\S]*^\.SH EXAMPLES$[\s\S]*^\.SH SEE ALSO$/m);
});

const usage: [string[], RegExp][] = [
  [['-p', '1', '-r', '100'], /-r 100 looks like a frequency in Hz; .*use -r 0\.01\)/],
  [['-p', '1', '-r', '0'], /-r wants the interval in seconds/],
  [['-p', '1', '-s', '-1'], /-s wants a duration/],
  [[], /nothing to sample: give -p PID or -t CMD/],
  [['-p', '1', '-t', 'python3'], /either -p PID or -t CMD, not both/],
  [['-t'], /-t needs a command/],
  [['-p', 'abc'], /-p wants a process id, a positive integer, not 'abc'/],
  [['-p', '1.5'], /-p wants a process id, a positive integer, not '1\.5'/],
  [['-p', '1', '-r', 'fast'], /-r wants the interval in seconds, e.g\. 0\.01, not 'fast'/],
  [['-p', '1', '-s', '1m'], /-s wants a duration in seconds greater than 0, not '1m'/],
  [['-p'], /Not enough arguments following: p/],
  [['-p', '1', '--frequency', '5'], /Unknown argument/],
];
for (const [args, re] of usage) {
  test(`usage error: pysample ${args.join(' ')}`, async (t) => {
    const r = await pysample(args);
    oneLineError(t, r, 2, re);
    t.regex(r.stderr, /\(see 'pysample --help'\)\n$/);
  });
}

test('no such process: exit 1, one line', async (t) => {
  const max = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
  let pid = max - 1;
  while (fs.existsSync(`/proc/${pid}`)) pid--;
  oneLineError(t, await pysample(['-p', String(pid)]), 1, new RegExp(`no such process: pid ${pid} \\(check the pid`));
});

test('not a Python process: says what the executable is; the process is not harmed', async (t) => {
  const pid = idleProcess();
  oneLineError(t, await pysample(['-p', String(pid)]), 1, /not a Python process .*sleep/);
  t.is(await harmed(pid), undefined);
});

test('-p of a kernel thread says so', async (t) => {
  // Found by looking: the first process whose stat flags carry PF_KTHREAD.
  const kthread = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).find((d) => {
    const stat = readText(`/proc/${d}/stat`);
    return stat !== undefined && statIsKernelThread(stat);
  });
  if (!kthread) {
    if (CI) t.fail('no kernel thread is visible in /proc');
    else t.log('no kernel thread is visible in /proc (a PID namespace)');
    return;
  }
  oneLineError(t, await pysample(['-p', kthread]), 1, new RegExp(`^pysample: pid ${kthread} is a kernel thread \\(.+\\), not a Python process \\(check the pid\\)\n$`));
});

test('-t with a missing command, and with one that is not Python', async (t) => {
  oneLineError(t, await pysample(['-t', path.join(work, 'no-such-command')]), 1, /cannot run .*no-such-command: command not found/);
  oneLineError(t, await pysample(['-t', 'sleep', '1']), 1, /^pysample: pid \d+ is not a Python process \(its executable is \/\S*sleep.*; sleep ended \(status 0\) before it could be sampled\n$/);
});

test('-o into a missing directory: exit 1, one line', async (t) => {
  oneLineError(t, await pysample(['-p', String(process.pid), '-o', path.join(work, 'missing', 'x.raw')]), 1, /cannot write .*x\.raw: ENOENT/);
});

test('a full disk: exit 1, one line, the target let go', async (t) => {
  if (!needPython(t)) return;
  const pid = await pythonTarget();
  oneLineError(t, await pysample(['-p', String(pid), '-s', '0.3', '-o', '/dev/full']), 1, /cannot write the samples: ENOSPC/);
  t.is(await harmed(pid), undefined);
});

const setpriv = spawnSync('setpriv', ['--version']).status === 0 && process.getuid?.() === 0;

test('permission: not root and no CAP_SYS_PTRACE (names the cause and the fix)', async (t) => {
  if (!setpriv) {
    if (CI) t.fail('needs root and setpriv to run pysample as another user');
    else t.log('needs root and setpriv');
    return;
  }
  const pid = idleProcess();
  const asNobody = await collect(spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, PYSAMPLE, '-p', String(pid)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
  oneLineError(t, asNobody, 1, /cannot attach to pid \d+: permission denied: .*without CAP_SYS_PTRACE \(.*setcap cap_sys_ptrace\+ep/);
  t.is(await harmed(pid), undefined);
});

test('permission: root without CAP_SYS_PTRACE, as in a container without SYS_PTRACE', async (t) => {
  if (!setpriv) {
    if (CI) t.fail('needs root and setpriv');
    else t.log('needs root and setpriv');
    return;
  }
  const pid = idleProcess(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'sleep', '60']);
  await sleep(200);
  const r = await collect(spawn('setpriv', ['--inh-caps=-sys_ptrace', '--bounding-set=-sys_ptrace', process.execPath, PYSAMPLE, '-p', String(pid)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
  oneLineError(t, r, 1, /permission denied: (this container lacks the SYS_PTRACE capability|running as root but without CAP_SYS_PTRACE) \(.*--cap-add SYS_PTRACE/);
});

test('permission: root inside a user namespace, the target outside it', async (t) => {
  if (!hasTool(t, 'unshare', ['--version'], 'unshare (util-linux)')) return;
  const pid = idleProcess();
  const r = await collect(spawn('unshare', ['--user', '--map-root-user', process.execPath, PYSAMPLE, '-p', String(pid)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
  oneLineError(t, r, 1, new RegExp(`cannot attach to pid ${pid}: permission denied: pysample runs in a user namespace \\(uid map 0 \\d+ 1\\) .*\\(run pysample in the target's user namespace, or from the host\\)`));
  t.is(await harmed(pid), undefined);
});

test('permission: another tracer is attached (named from /proc)', async (t) => {
  if (!needPython(t)) return;
  if (!hasTool(t, 'strace', ['-V'], 'strace')) return;
  const pid = await pythonTarget();
  const strace = spawn('strace', ['-q', '-p', String(pid), '-o', '/dev/null'], { stdio: 'ignore' });
  children.push(strace.pid!);
  while (!/TracerPid:\s*[1-9]/.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))) await sleep(20);
  oneLineError(t, await pysample(['-p', String(pid)]), 1, new RegExp(`already traced by strace \\(pid ${strace.pid}\\) \\(detach or stop strace first`));
  strace.kill('SIGINT'); // strace detaches on SIGINT
  await new Promise((r) => strace.once('exit', r));
  t.is(await harmed(pid), undefined);
});

test('the header, -x and --gil', async (t) => {
  if (!needPython(t)) return;
  const pid = await pythonTarget();
  const r = await pysample(['-p', String(pid), '-s', '0.3', '-r', '0.005']);
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  t.is(lines.shift(), '# ========');
  t.is(lines[0], '# pysample: raw stacks, format 1 (man 5 pysample)');
  t.is(lines[1], `# pid: ${pid}`);
  t.is(lines[2], `# command: ${py!.path} ${path.join(TARGETS, 'busy.py')} 30`);
  t.is(lines[3], `# python: ${py!.version}`);
  t.regex(lines[4]!, /^# executable: \/.*python/);
  t.is(lines[5], '# interval: 0.005');
  t.regex(lines[6]!, /^# start: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  t.regex(lines[lines.length - 3]!, /^# end: \d{4}-/);
  t.regex(lines[lines.length - 2]!, /^# samples: \d+ threads-samples: \d+ idle: \d+\.\d% errors: 0 rate: \d+\.\d\/s$/);
  const all = parseRaw(r.stdout);
  t.deepEqual(all.bad, []);
  t.true(all.records.some((x) => x.flags.includes('gil')));
  const x = parseRaw((await pysample(['-x', '-p', String(pid), '-s', '0.3', '-r', '0.005'])).stdout);
  t.true(x.records.length > 10);
  t.false(x.records.some((rec) => rec.flags.includes('idle')), '-x leaves idle records out');
  const gil = parseRaw((await pysample(['--gil', '-p', String(pid), '-s', '0.3', '-r', '0.005'])).stdout);
  t.true(gil.records.length > 10);
  t.true(gil.records.every((rec) => rec.flags.includes('gil')), '--gil writes only the holder');
  t.is(await harmed(pid), undefined);
});

test('-- CMD launches like -t; the command keeps its own options', async (t) => {
  if (!needPython(t)) return;
  const out = path.join(work, 'dashdash.raw');
  const r = await pysample(['-o', out, '-r', '0.005', '--', py!.path, path.join(TARGETS, 'busy.py'), '0.6']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^ready\n$/, "the command's stdout is left alone with -o");
  const raw = parseRaw(fs.readFileSync(out, 'utf8'));
  t.true(raw.records.length > 20);
  t.is(raw.meta.get('command'), `${py!.path} ${path.join(TARGETS, 'busy.py')} 0.6`);
  // Without -o the command's stdout goes to stderr, keeping the samples clean.
  const r2 = await pysample(['-r', '0.005', '-t', py!.path, path.join(TARGETS, 'busy.py'), '0.6']);
  t.is(r2.code, 0, r2.stderr);
  t.regex(r2.stderr, /^ready\n/);
  t.deepEqual(parseRaw(r2.stdout).bad, []);
});

test('-s with -t: samples for that long, then waits for the command like a shell', async (t) => {
  if (!needPython(t)) return;
  const out = path.join(work, 'seconds-t.raw');
  const start = Date.now();
  const r = await pysample(['-s', '0.5', '-r', '0.01', '-o', out, '-t', py!.path, path.join(TARGETS, 'busy.py'), '2']);
  t.is(r.code, 0, r.stderr);
  t.true(Date.now() - start >= 2000, 'pysample waited for the command');
  const totals = parseRaw(fs.readFileSync(out, 'utf8')).meta.get('totals') ?? '';
  const samples = Number(/^samples: (\d+)/.exec(totals)?.[1]);
  t.true(samples >= 20 && samples <= 51, `${samples} samples in 0.5 s at 100/s`);
  t.regex(r.stderr, /exited \(status 0\)/);
});

test('progress: a live line on a terminal, only the summary otherwise', async (t) => {
  if (!needPython(t)) return;
  if (!hasTool(t, 'script', ['--version'], 'script(1) for a terminal')) return;
  const pid = await pythonTarget();
  const cmd = `"${process.execPath}" "${PYSAMPLE}" -p ${pid} -s 1.2 -r 0.01 -o /dev/null`;
  const tty = spawnSync('script', ['-qfec', cmd, '/dev/null'], { encoding: 'utf8' });
  t.is(tty.status, 0, tty.stderr);
  t.regex(tty.stdout, /\r\x1b\[Kpysample: \d\.\d s of 1\.2 s, \d+ samples, [\d.]+\/s, 0 errors\r/);
  t.regex(tty.stdout, /pysample: \d+ samples in /);
  const plain = await pysample(['-p', String(pid), '-s', '0.5', '-o', '/dev/null']);
  t.regex(plain.stderr, /^pysample: \d+ samples in [^\n]+\n$/, 'just the summary');
  const quiet = await pysample(['-q', '-p', String(pid), '-s', '0.3', '-o', '/dev/null']);
  t.is(quiet.stderr, '');
});
