// pyfilter as a program: the command-line contract every tool keeps, run
// against the real bin/pyfilter.

import test from 'ava';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Ran, runTool, sh } from './helpers/run';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/pyfilter');
const FIXTURES = path.join(ROOT, 'test/fixtures/filter');
const fixture = (name: string): string => path.join(FIXTURES, name);

/** Runs bin/pyfilter with args, feeding input (if any) on stdin. */
const pyfilter = (args: string[], input?: string | Buffer): Promise<Ran> => runTool('pyfilter', args, { stdin: input });

const lines = (s: string | Buffer): string[] => s.toString('latin1').split('\n').filter(Boolean);

// ---------------------------------------------------------------------------
// --help and the man page

test('--help exits 0, shows every option with an example, and the man page documents each', async (t) => {
  const r = await pyfilter(['--help']);
  t.is(r.code, 0);
  t.is(r.stderr, '');
  const help = r.stdout.toString();
  const man = fs.readFileSync(path.join(ROOT, 'man/pyfilter.1'), 'utf8').replace(/\\-/g, '-');
  const optionBlock = help.slice(help.indexOf('Options:'), help.indexOf('Examples:'));
  // The left column of each option line: `  -x, --exclude-idle`, `      --root, --show-from`.
  // (Not continuation lines of a wrapped description.)
  const flags = [...optionBlock.matchAll(/^ {2}(?:(-[a-z]), | {4})(--[a-z-]+(?:, --[a-z-]+)*)/gm)].flatMap((m) =>
    [m[1] ?? [], m[2]!.split(', ')].flat(),
  );
  t.true(flags.length >= 15, `found ${flags.join(' ')}`);
  for (const flag of flags) t.true(new RegExp(`(?<![\\w-])${flag}(?![\\w-])`).test(man), `${flag} in man/pyfilter.1`);
  // Every option but --help/--version is used in some example of --help.
  const examples = help.slice(help.indexOf('Examples:'), help.indexOf('Order:'));
  for (const opt of ['-x', '-e', '-v', '--focus', '--root', '--hide', '--prune', '--collapse-recursion']) {
    t.true(examples.includes(` ${opt} `), `example with ${opt}`);
  }
  // The man page repeats the examples of --help.
  const commands = [...examples.matchAll(/^ {2}(py\S+ .*?)\s{2,}/gm)].map((m) => m[1]!);
  t.is(commands.length, 8);
  const manText = man.replace(/\\e/g, '\\');
  for (const c of commands) t.true(manText.includes(c), `man page example: ${c}`);
  t.regex(help, /Order:/);
  t.regex(man, /^\.SH NAME$[\s\S]*^\.SH SYNOPSIS$[\s\S]*^\.SH DESCRIPTION$[\s\S]*^\.SH OPTIONS$[\s\S]*^\.SH EXIT STATUS$[\s\S]*^\.SH EXAMPLES$[\s\S]*^\.SH SEE ALSO$/m);
});

// ---------------------------------------------------------------------------
// usage errors: exit 2, one line on stderr, nothing on stdout

for (const [what, args] of [
  ['an unknown option', ['--bogus']],
  ['an unknown short option', ['-q']],
  ['-e without its pattern', ['-x', '-e']],
  ['--hide without its pattern', ['--hide']],
  ['a pattern that does not compile', ['-e', 'x(']],
  ['a bad pattern in --root', ['--root', '[']],
  ['-v without -e', ['-v']],
] as const) {
  test(`usage error: ${what}`, async (t) => {
    // Options last, so that a missing pattern cannot take a file name.
    const r = await pyfilter([fixture('pyfold.folded'), ...args]);
    t.is(r.code, 2);
    t.is(r.stdout.length, 0);
    t.regex(r.stderr, /^pyfilter: [^\n]+\(see 'pyfilter --help'\)\n$/);
  });
}

test('the bad pattern is named in the message', async (t) => {
  const r = await pyfilter(['-e', 'ok', '-e', 'x(']);
  t.is(r.stderr, `pyfilter: bad regular expression "x(": Unterminated group (see 'pyfilter --help')\n`);
});

// ---------------------------------------------------------------------------
// inputs

test('a missing file: exit 1, one line naming it, nothing on stdout', async (t) => {
  const r = await pyfilter(['-x', fixture('pyfold.folded'), '/nonexistent/app.folded']);
  t.is(r.code, 1);
  t.is(r.stderr, 'pyfilter: cannot read /nonexistent/app.folded: no such file (check the path)\n');
});

for (const args of [['-x'], ['-e', 'handlers'], ['--hide', 'server\\.py', '--collapse-recursion']]) {
  test(`a file argument, "-" and stdin give the same output: ${args.join(' ')}`, async (t) => {
    const file = fixture('stackcollapse-perf.folded');
    const input = fs.readFileSync(file);
    const [a, b, c] = await Promise.all([pyfilter([...args, file]), pyfilter([...args, '-'], input), pyfilter(args, input)]);
    t.is(a.code, 0);
    t.true(a.stdout.length > 0);
    t.deepEqual(b, a);
    t.deepEqual(c, a);
  });
}

test('several files are read in turn', async (t) => {
  const r = await pyfilter(['-x', fixture('pyflame.txt'), fixture('austin.txt')]);
  t.is(r.code, 0);
  t.deepEqual(lines(r.stdout), [
    ...lines(fs.readFileSync(fixture('pyflame.txt'))).slice(1),
    ...lines(fs.readFileSync(fixture('austin.txt'))).filter((l) => !l.startsWith('#')),
  ]);
});

test('a file named like a number is still a file', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pyfilter-'));
  fs.writeFileSync(path.join(dir, '007'), 'a;b 1\n');
  const r = await new Promise<Ran>((resolve) => {
    const child = spawn(process.execPath, [BIN, '007'], { cwd: dir });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: '' }));
  });
  t.is(r.code, 0);
  t.is(r.stdout.toString(), 'a;b 1\n');
});

test('bad lines are counted and reported once; good lines still pass', async (t) => {
  const r = await pyfilter(['-x'], 'a;b 1\nno count here\n# metadata\n\nc;d 2.5\na;b\nx;y 3\n');
  t.is(r.code, 0);
  t.is(r.stdout.toString(), 'a;b 1\nc;d 2.5\nx;y 3\n');
  t.is(r.stderr, 'pyfilter: ignored 2 bad lines (first at stdin:2: not a folded line "frame;frame count": "no count here")\n');
});

test('input with lines but no folded stack: exit 1, one line', async (t) => {
  const r = await pyfilter([fixture('idle.raw')]);
  t.is(r.code, 1);
  t.is(r.stdout.length, 0);
  t.regex(r.stderr, /^pyfilter: no folded lines in the input, \d+ other lines \(fold raw stacks with pyfold first\)\n$/);
});

test('empty input: exit 0, no output', async (t) => {
  for (const args of [[], ['--hide', 'x']]) {
    const r = await pyfilter(args, '');
    t.deepEqual([r.code, r.stdout.length, r.stderr], [0, 0, '']);
  }
});

test('CRLF, a missing final newline and invalid UTF-8 pass byte for byte', async (t) => {
  const input = Buffer.concat([
    Buffer.from('a;caf\xe9 (latin1);b 1\r\n', 'latin1'),
    Buffer.from('a;rec_é;\xff\xfe 2\r\n', 'latin1'),
    Buffer.from('a;rec_é;b 3', 'utf8'),
  ]);
  const r = await pyfilter(['-e', '^a$'], input);
  t.is(r.code, 0);
  t.deepEqual(
    r.stdout,
    Buffer.concat([
      Buffer.from('a;caf\xe9 (latin1);b 1\n', 'latin1'),
      Buffer.from('a;rec_é;\xff\xfe 2\n', 'latin1'),
      Buffer.from('a;rec_é;b 3\n', 'utf8'),
    ]),
  );
  t.is(r.stderr, '');
});

test('-e with a non-ASCII pattern matches UTF-8 frames and writes their bytes unchanged', async (t) => {
  const input = Buffer.from('main;rec_é;rec_é 2\nmain;rec_e 1\nmain;Ωmega 4\n', 'utf8');
  const r = await pyfilter(['-e', 'rec_é'], input);
  t.deepEqual(r.stdout, Buffer.from('main;rec_é;rec_é 2\n', 'utf8'));
  const m = await pyfilter(['-e', '^.mega$', '--collapse-recursion'], input);
  t.deepEqual(m.stdout, Buffer.from('main;Ωmega 4\n', 'utf8'));
  const c = await pyfilter(['--collapse-recursion'], input);
  t.deepEqual(c.stdout, Buffer.from('main;rec_e 1\nmain;rec_é 2\nmain;Ωmega 4\n', 'utf8'), 'byte order');
});

test('a very long line passes whole; a line over 64 MiB is a bad line, not a crash', async (t) => {
  const long = `a;${'x'.repeat(1 << 20)};b 7\n`;
  const r = await pyfilter(['-e', '^b$'], long);
  t.is(r.stdout.toString(), long);
  const huge = Buffer.alloc(65 * 1024 * 1024, 0x61);
  const h = await pyfilter(['-x'], Buffer.concat([Buffer.from('a;b 1\n'), huge, Buffer.from(' 3\nc 2\n')]));
  t.is(h.code, 0);
  t.is(h.stdout.toString(), 'a;b 1\nc 2\n');
  t.regex(h.stderr, /^pyfilter: ignored 1 bad line \(first at stdin:2: line longer than \d+ bytes\)\n$/);
});

// ---------------------------------------------------------------------------
// pipes

test('a closed downstream pipe ends pyfilter quietly with exit 0', async (t) => {
  for (const args of ['-e b', '-x', "--hide '^b$'"]) {
    const r = await sh(
      `seq 1 300000 | sed 's/.*/a;b;c & 1/' | node bin/pyfilter ${args} | head -1; echo "status=\${PIPESTATUS[2]}" >&2`,
    );
    t.is(r.stdout, args.startsWith('--hide') ? 'a;c 1 1\n' : 'a;b;c 1 1\n', args);
    t.is(r.stderr, 'status=0\n', args);
  }
});

test('an endless input with a closed output ends quietly with exit 0', async (t) => {
  const r = await sh(`yes 'a;b;c 1' | node bin/pyfilter -e b | head -1; echo "status=\${PIPESTATUS[1]}" >&2`);
  t.is(r.stdout, 'a;b;c 1\n');
  t.is(r.stderr, 'status=0\n');
});

/** Resolves with what the child writes on stdout until it holds `want` lines. */
function readLinesFrom(child: ChildProcess, want: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(text)}`)), 10000);
    const onData = (b: Buffer): void => {
      text += b.toString();
      const got = lines(text);
      if (got.length >= want) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(got);
      }
    };
    child.stdout!.on('data', onData);
  });
}

test('an endless input streams: lines come out before stdin is closed', async (t) => {
  const child = spawn(process.execPath, [BIN, '-x', '-e', 'handler'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.stdin.write('main;handler;db 1\nmain;handler;[idle] 1\nmain;worker 1\n');
  t.deepEqual(await readLinesFrom(child, 1), ['main;handler;db 1']);
  child.stdin.write('main;handler;json 2\n# a comment\nmain;hand');
  t.deepEqual(await readLinesFrom(child, 1), ['main;handler;json 2']);
  child.stdin.write('ler;tail 3\n');
  t.deepEqual(await readLinesFrom(child, 1), ['main;handler;tail 3']);
  t.is(child.exitCode, null, 'still running, waiting for more input');
  child.stdin.end();
  t.is(await closed, 0);
});

/** A field of /proc/PID/status or /proc/PID/io, in kB or bytes as the kernel gives it. */
function procField(pid: number, file: 'status' | 'io', key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(fs.readFileSync(`/proc/${pid}/${file}`, 'utf8'));
  return Number(m![1]);
}

test('a reader that does not keep up stops the reading: memory stays flat', async (t) => {
  // 128 MiB of lines that all pass, read from a file, while nobody reads stdout yet.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pyfilter-'));
  const file = path.join(dir, 'big.folded');
  const block = Buffer.from(`main;handler;${'f'.repeat(100)} 1\n`.repeat(8192));
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < (128 << 20) / block.length; i++) fs.writeSync(fd, block);
  fs.closeSync(fd);
  const size = fs.statSync(file).size;
  const child = spawn(process.execPath, [BIN, '-e', 'handler', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pause();
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  // Wait until pyfilter stops reading (it blocks on the full pipe), or has read everything.
  let read = -1;
  for (;;) {
    await new Promise((r) => setTimeout(r, 300));
    const now = procField(child.pid!, 'io', 'rchar');
    const stalled = now === read;
    read = now;
    if (stalled || now >= size) break;
  }
  const peakKiB = procField(child.pid!, 'status', 'VmHWM');
  t.true(read < size / 4, `pyfilter read ${read} of ${size} bytes before its output was read`);
  t.true(peakKiB < 200 * 1024, `peak memory ${peakKiB} kB`);
  let bytes = 0;
  child.stdout.on('data', (b: Buffer) => (bytes += b.length));
  child.stdout.resume();
  t.is(await closed, 0);
  t.is(bytes, size);
  fs.rmSync(dir, { recursive: true });
});

test('a reshaping option merges and writes sorted at the end of input', async (t) => {
  const r = await pyfilter(['--prune', ':serve:'], fs.readFileSync(fixture('stackcollapse-perf.folded')));
  t.deepEqual(lines(r.stdout), [
    'python3;/srv/app/server.py:<module>:80;/srv/app/server.py:accept:30;[idle] 1',
    'python3;/srv/app/server.py:<module>:80;/srv/app/server.py:serve:17 3',
    'python3;/srv/app/worker.py:loop:12;/usr/lib/python3.12/threading.py:Condition.wait:355;[idle] 2',
    'python3;/srv/app/worker.py:loop:12;/usr/lib/python3.12/threading.py:Thread.idle_loop:99 1',
  ]);
});
