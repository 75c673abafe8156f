// pysample's pure parts: argument splitting and checks, /proc parsing, the
// raw format writer, the attach diagnosis for every cause, the sampling clock.

import test from 'ava';
import { splitArgs, toSettings, type RawArgs } from '../src/sample/args';
import { explainAttach, type AttachFacts } from '../src/sample/errors';
import { formatError, formatHeader, formatRecord, formatTime, formatTotals } from '../src/sample/output';
import { formatCmdline, hasCapability, parseStatus, statFields, statGroups, statIsKernelThread, statState } from '../src/sample/procfs';
import { median } from '../src/sample/session';
import { Ticker } from '../src/sample/timer';
import { UsageError } from '../src/tool';

test('splitArgs: everything after -t, --trace or -- is the command', (t) => {
  t.deepEqual(splitArgs(['-s', '5', '-t', 'python3', 'job.py', '-s', '2', '-t']), {
    own: ['-s', '5', '-t'], command: ['python3', 'job.py', '-s', '2', '-t'],
  });
  t.deepEqual(splitArgs(['-o', 'out.raw', '--', 'python3', '-c', 'pass']), { own: ['-o', 'out.raw', '-t'], command: ['python3', '-c', 'pass'] });
  t.deepEqual(splitArgs(['--trace', 'x']), { own: ['-t'], command: ['x'] });
  // A value that looks like -t is a value.
  t.deepEqual(splitArgs(['-o', '-t', '-p', '5']), { own: ['-o', '-t', '-p', '5'], command: [] });
  t.deepEqual(splitArgs(['-p', '5']), { own: ['-p', '5'], command: [] });
});

const base: RawArgs = { trace: false, rate: 0.01, 'exclude-idle': false, gil: false, nonblocking: false, quiet: false };

test('toSettings: defaults, -s by mode, and refusals', (t) => {
  t.is(toSettings({ ...base, pid: 5 }, []).seconds, 1);
  t.is(toSettings({ ...base, trace: true }, ['python3']).seconds, undefined);
  t.is(toSettings({ ...base, trace: true, seconds: 3 }, ['python3']).seconds, 3);
  t.is(toSettings({ ...base, pid: 5, rate: 9.99 }, []).interval, 9.99);
  const hz = t.throws(() => toSettings({ ...base, pid: 5, rate: 100 }, []), { instanceOf: UsageError });
  t.is(hz.message, '-r 100 looks like a frequency in Hz; -r is the interval between samples in seconds (for 100 samples a second use -r 0.01)');
  t.throws(() => toSettings({ ...base, pid: 5, rate: 10 }, []), { message: /looks like a frequency in Hz/ });
  t.throws(() => toSettings({ ...base, pid: 5, rate: Number.NaN }, []), { message: /-r wants the interval/ });
  t.throws(() => toSettings({ ...base }, []), { message: /nothing to sample/ });
  t.throws(() => toSettings({ ...base, pid: 5, trace: true }, ['x']), { message: /not both/ });
  t.throws(() => toSettings({ ...base, pid: 1.5 }, []), { message: /-p wants a process id/ });
  t.throws(() => toSettings({ ...base, pid: 5, seconds: 0 }, []), { message: /-s wants a duration/ });
});

test('stat parsing takes the fields after the LAST parenthesis', (t) => {
  const tricky = '1234 (evil) R (x) S 1 1234 1234 34816 4321 4194560 0 0';
  t.is(statState(tricky), 'S');
  t.deepEqual(statFields(tricky).slice(0, 3), ['S', '1', '1234']);
  t.deepEqual(statGroups(tricky), { pgrp: 1234, tpgid: 4321 });
  t.is(statState('7 (python3) R 1 7 7 0 -1 4194304'), 'R');
  t.deepEqual(statGroups('7 (python3) R 1 7 7 0 -1 4194304'), { pgrp: 7, tpgid: -1 });
  t.is(statState('garbage'), '?');
  t.false(statIsKernelThread('7 (python3) R 1 7 7 0 -1 4194304'));
  t.true(statIsKernelThread('2 (kthreadd) S 0 0 0 0 -1 2129984'));
});

test('status, capabilities, command line', (t) => {
  const s = parseStatus('Name:\tpython3\nUid:\t1000\t1000\t1000\t1000\nTracerPid:\t42\nCapEff:\t000001ffffffffff\n');
  t.is(s.get('TracerPid'), '42');
  t.is(s.get('Uid'), '1000\t1000\t1000\t1000');
  t.true(hasCapability('000001ffffffffff', 19));
  t.false(hasCapability('0000000000000000', 19));
  t.true(hasCapability('0000000000080000', 19));
  t.false(hasCapability('0000000000077fff', 19));
  t.is(formatCmdline(Buffer.from('python3\0app.py\0--port\x008080\0')), 'python3 app.py --port 8080');
  t.is(formatCmdline(Buffer.from('a\nb\0c\0')), 'a b c');
});

test('the raw format, exactly as README "Raw stacks" shows it', (t) => {
  t.is(
    formatHeader({
      pid: 9876, command: 'python3 app.py --port 8080', python: '3.12.1', executable: '/usr/local/bin/python3.12',
      interval: 0.01, start: new Date('2026-11-25T18:54:43.123Z'),
    }),
    '# ========\n# pysample: raw stacks, format 1 (man 5 pysample)\n# pid: 9876\n# command: python3 app.py --port 8080\n# python: 3.12.1\n' +
      '# executable: /usr/local/bin/python3.12\n# interval: 0.01\n# start: 2026-11-25T18:54:43.123Z\n',
  );
  const frames = [
    { code: 0x7f5e2c1a3b40, file: '/srv/app/handlers.py', name: 'Handler.get', line: 42 },
    { code: 0x7f5e2c1a3a00, file: '/srv/app/server.py', name: 'serve', line: 17 },
  ];
  t.is(
    formatRecord({ comm: 'python3', pid: 9876, tid: 9877, gil: true, idle: false, timeUs: 1732560883123456, frames }),
    'python3 9876/9877 [gil] 1732560883.123456: 1 cpu-clock:\n\t7f5e2c1a3b40 /srv/app/handlers.py:Handler.get:42 (python)\n' +
      '\t7f5e2c1a3a00 /srv/app/server.py:serve:17 (python)\n\n',
  );
  t.is(
    formatRecord({ comm: 'my worker', pid: 1, tid: 2, gil: false, idle: true, timeUs: 1000000000000005, frames: frames.slice(1) }),
    'my_worker 1/2 [idle] 1000000000.000005: 1 cpu-clock:\n\t0 [idle] (python)\n\t7f5e2c1a3a00 /srv/app/server.py:serve:17 (python)\n\n',
  );
  t.regex(formatRecord({ comm: 'xy', pid: 1, tid: 2, gil: false, idle: false, timeUs: 0, frames: [] }), /^xy 1\/2 \[-\] 0\.000000: /);
  t.regex(formatRecord({ comm: 'x', pid: 1, tid: 2, gil: true, idle: true, timeUs: 0, frames: [] }), /\[gil,idle\]/);
  // A line break in a name must not break the format.
  t.is(formatRecord({ comm: 'a\nb', pid: 1, tid: 2, gil: false, idle: false, timeUs: 0, frames: [{ code: 1, file: 'f\n', name: 'g', line: 0 }] }),
    'a_b 1/2 [-] 0.000000: 1 cpu-clock:\n\t1 f :g:0 (python)\n\n');
  // One-character and empty names are padded so the pid is never read as part of them.
  t.regex(formatRecord({ comm: 'x', pid: 1, tid: 2, gil: false, idle: false, timeUs: 0, frames: [] }), /^x_ 1\/2 /);
  t.regex(formatRecord({ comm: '', pid: 1, tid: 2, gil: false, idle: false, timeUs: 0, frames: [] }), /^__ 1\/2 /);
  t.regex(formatRecord({ comm: 'w\t2', pid: 1, tid: 2, gil: false, idle: false, timeUs: 0, frames: [] }), /^w_2 1\/2 /);
  t.is(formatError(1732560883133501, 9877, 'frame chain loops', true), '# error: 1732560883.133501 9877: frame chain loops (sample dropped)\n');
  t.is(formatError(1732560883133501, 9877, 'bad code object', false), '# error: 1732560883.133501 9877: bad code object (stack truncated)\n');
  t.is(
    formatTotals({ end: new Date('2026-11-25T18:59:43.130Z'), samples: 30000, threadSamples: 59998, idle: 24719, errors: 3, rate: 99.8 }),
    '# end: 2026-11-25T18:59:43.130Z\n# samples: 30000 threads-samples: 59998 idle: 41.2% errors: 3 rate: 99.8/s\n',
  );
  t.is(formatTime(1999999), '1.999999');
});

const facts: AttachFacts = { pid: 42, errno: 'EPERM', uid: 1000, targetUid: 1000, hasPtraceCap: false, container: false };

test('explainAttach: every cause with its fix', (t) => {
  t.is(explainAttach({ ...facts, errno: 'ESRCH' }), 'cannot attach to pid 42: no such process (check the pid; it may have exited)');
  t.is(explainAttach({ ...facts, tracerPid: 77, tracerName: 'gdb', hasPtraceCap: true, uid: 0 }),
    'cannot attach to pid 42: it is already traced by gdb (pid 77) (detach or stop gdb first; only one tracer at a time)');
  t.regex(explainAttach({ ...facts, uid: 0, container: true }), /this container lacks the SYS_PTRACE capability \(run it with 'docker run --cap-add SYS_PTRACE', or use 'kubectl debug/);
  t.regex(explainAttach({ ...facts, uid: 0 }), /running as root but without CAP_SYS_PTRACE/);
  for (const [yama, what] of [[1, 'only parents may trace'], [2, 'only CAP_SYS_PTRACE may trace'], [3, 'no process may trace']] as const) {
    const m = explainAttach({ ...facts, yama });
    t.true(m.startsWith(`cannot attach to pid 42: permission denied by Yama: kernel.yama.ptrace_scope = ${yama} (${what})`), m);
    t.regex(m, yama === 3 ? /ptrace is disabled until reboot/ : /sysctl kernel\.yama\.ptrace_scope=0/);
  }
  t.is(explainAttach({ ...facts, yama: 0, targetUid: 0 }),
    "cannot attach to pid 42: permission denied: it runs as uid 0 and pysample as uid 1000 without CAP_SYS_PTRACE (run as root or as that user, or 'sudo setcap cap_sys_ptrace+ep $(command -v node)')");
  t.regex(explainAttach({ ...facts }), /not root and no CAP_SYS_PTRACE \(run as root, or 'sudo setcap cap_sys_ptrace\+ep/);
  t.is(explainAttach({ ...facts, hasPtraceCap: true, uid: 0, userNamespace: '0 1000 1' }),
    "cannot attach to pid 42: permission denied: pysample runs in a user namespace (uid map 0 1000 1) and its CAP_SYS_PTRACE counts only for processes created inside it (run pysample in the target's user namespace, or from the host)");
  t.regex(explainAttach({ ...facts, hasPtraceCap: true, uid: 0 }), /permission denied although pysample has CAP_SYS_PTRACE: a security module \(SELinux, AppArmor\) or the kernel protects this process \(look for the denial in 'dmesg'/);
  t.is(explainAttach({ ...facts, errno: 'EIO' }), 'cannot attach to pid 42: EIO');
});

test('median', (t) => {
  t.is(median([]), 0);
  t.is(median([3, 1, 2]), 2);
  t.is(median([4, 1, 3, 2]), 2.5);
});

test('Ticker: one tick at a random point of each interval-long slot, missed slots skipped and counted', async (t) => {
  const phases = [0.9, 0.3, 0.6, 0.1, 0.8, 0.5, 0.2, 0.7, 0.4, 0.5, 0.5];
  let n = 0;
  const start = performance.now();
  const ticker = new Ticker(5, start, () => phases[n++ % phases.length]!);
  const at: number[] = [];
  for (let i = 0; i < 10; i++) {
    t.true(await ticker.next(() => false));
    at.push(performance.now() - start);
  }
  // The first tick at once; never early: the k-th is due at 5 × (k + its phase) ms.
  const once = new Ticker(50, performance.now(), () => 0.99);
  await once.next(() => false);
  t.true(once.elapsedMs() < 25, `the first tick at ${once.elapsedMs().toFixed(2)} ms of a 50 ms slot`);
  at.forEach((ms, k) => t.true(ms >= 5 * (k + (k === 0 ? 0 : phases[k - 1]!)) - 0.01, `tick ${k} at ${ms.toFixed(2)} ms`));
  t.is(ticker.stats.ticks, 10);
  // A stall of 30 ms skips the slots it covers instead of bursting through them.
  const stall = performance.now();
  while (performance.now() - stall < 30);
  await ticker.next(() => false);
  t.true(ticker.stats.missed >= 4, `${ticker.stats.missed} missed`);
  t.false(await ticker.next(() => true), 'a stop request ends the wait');
  // With the default random phases the ticks fall all over their slots, not at one phase.
  const free = new Ticker(2);
  const offsets: number[] = [];
  for (let i = 0; i < 40; i++) {
    await free.next(() => false);
    offsets.push(free.elapsedMs() % 2);
  }
  t.true(Math.max(...offsets) - Math.min(...offsets) > 1, `offsets within the slots: ${offsets.map((o) => o.toFixed(2)).join(' ')}`);
});
