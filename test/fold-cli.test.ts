// pyfold as a command: the contract every tool keeps (help, exit codes,
// one-line errors, stdin = file, a closed pipe), and --inline, which runs
// addr2line on a committed binary and must agree with stackcollapse-perf.pl.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkGolden, projectRoot, runPyfold } from './helpers/golden';

const ROOT = projectRoot();
const FIX = path.join(ROOT, 'test', 'fixtures', 'fold');
const SAMP = path.join(FIX, 'pysample.samp');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pyfold-'));

test('--help exits 0 and lists every option with an example; the man page has them all', async (t) => {
  const r = await runPyfold(['--help']);
  t.is(r.status, 0);
  t.is(r.stderr, '');
  const help = r.stdout.toString();
  const options = [...help.matchAll(/^\s+(?:-\w, )?\s*(--[a-z-]+)/gm)].map((m) => m[1]!);
  t.true(options.length >= 14, options.join(' '));
  const man = fs.readFileSync(path.join(ROOT, 'man', 'pyfold.1'), 'utf8').replace(/\\-/g, '-');
  for (const o of options) t.true(man.includes(o), `${o} is missing from man/pyfold.1`);
  const examples = help.slice(help.indexOf('Examples:'));
  for (const o of options.filter((o) => !['--help', '--version', '--functions', '--short-paths', '--thread'].includes(o))) {
    t.true(examples.includes(o), `no example uses ${o}`);
  }
  t.true(/pyfold -f -s/.test(examples) && /--thread/.test(examples));
});

test('an unknown option exits 2 with one line on stderr and nothing on stdout', async (t) => {
  const r = await runPyfold(['--bogus-flag', SAMP]);
  t.is(r.status, 2);
  t.is(r.stdout.length, 0);
  t.regex(r.stderr, /^pyfold: .*bogus-flag.*\(see 'pyfold --help'\)\n$/);
});

test('--context without --inline is a usage error', async (t) => {
  const r = await runPyfold(['--context', SAMP]);
  t.is(r.status, 2);
  t.is(r.stdout.length, 0);
  t.is(r.stderr.split('\n').length, 2);
});

test('a file argument and stdin give the same output', async (t) => {
  const byFile = await runPyfold([SAMP]);
  const byStdin = await runPyfold([], fs.readFileSync(SAMP));
  const byDash = await runPyfold(['-'], fs.readFileSync(SAMP));
  t.is(byFile.status, 0);
  t.is(byFile.stderr, '');
  t.deepEqual(byStdin.stdout, byFile.stdout);
  t.deepEqual(byDash.stdout, byFile.stdout);
  checkGolden(t, 'fold/pysample.folded', byFile.stdout, { expected: path.join(FIX, 'expected', 'pysample.folded') });
});

test('several files are folded together', async (t) => {
  const r = await runPyfold([SAMP, SAMP]);
  const once = (await runPyfold([SAMP])).stdout.toString();
  t.is(r.stdout.toString(), once.replace(/ (\d+)$/gm, (_, n: string) => ` ${2 * Number(n)}`));
});

test("'-' among file names reads stdin at that place, with or without options", async (t) => {
  const folded = 'x;y 5\n';
  for (const opts of [[], ['--functions']]) {
    const r = await runPyfold([...opts, SAMP, '-', SAMP], folded);
    const twice = (await runPyfold([...opts, SAMP, SAMP])).stdout.toString();
    t.is(r.status, 0);
    t.is(r.stdout.toString(), [...twice.split('\n').filter(Boolean), 'x;y 5'].sort().join('\n') + '\n');
  }
});

test('a missing file exits 1 with one line naming it', async (t) => {
  const r = await runPyfold([path.join(tmp, 'nope.samp')]);
  t.is(r.status, 1);
  t.is(r.stdout.length, 0);
  t.regex(r.stderr, /^pyfold: cannot read .*nope\.samp: no such file \(check the path\)\n$/);
});

test('bad lines are reported once, and the good ones still come out', async (t) => {
  const r = await runPyfold([], 'junk line\nmore junk\na;b 3\n');
  t.is(r.status, 0);
  t.is(r.stdout.toString(), 'a;b 3\n');
  t.is(r.stderr, 'pyfold: ignored 2 bad lines (first at stdin:1: not a stack, a record header or a frame: "junk line")\n');
});

test('only bad lines: exit 1', async (t) => {
  const r = await runPyfold([], 'junk line\n');
  t.is(r.status, 1);
  t.is(r.stdout.length, 0);
  t.regex(r.stderr, /ignored 1 bad line/);
  t.regex(r.stderr, /pyfold: no stacks in the input/);
});

test('pyfold big | head -1 ends quietly with status 0', (t) => {
  const big = path.join(tmp, 'big.folded');
  const lines: string[] = [];
  for (let i = 0; i < 200_000; i++) lines.push(`main;handler_${i % 977};work_${i} ${1 + (i % 5)}`);
  fs.writeFileSync(big, `${lines.join('\n')}\n`);
  const r = spawnSync('bash', ['-c', `node "${path.join(ROOT, 'bin', 'pyfold')}" "${big}" | head -1; echo "status=\${PIPESTATUS[0]}" >&2`], {
    encoding: 'utf8',
  });
  t.is(r.stdout.split('\n').length, 2);
  t.is(r.stderr, 'status=0\n');
});

test('--event-filter takes its value both ways', async (t) => {
  const a = await runPyfold(['--event-filter', 'cycles', path.join(FIX, 'srcline.perf')]);
  const b = await runPyfold(['--event-filter=cycles', path.join(FIX, 'srcline.perf')]);
  const c = await runPyfold(['--event-filter=instructions', path.join(FIX, 'srcline.perf')]);
  t.is(a.status, 0);
  t.deepEqual(a.stdout, b.stdout);
  t.true(a.stdout.length > 0);
  t.is(c.stdout.length, 0);
});

// --inline needs addr2line and nm (binutils); the binary is committed.
const hasBinutils = spawnSync('addr2line', ['--version']).status === 0 && spawnSync('nm', ['--version']).status === 0;
const withBinutils = hasBinutils || process.env.CI === 'true' ? test : test.skip;

withBinutils('--inline and --context give what stackcollapse-perf.pl --inline gives', async (t) => {
  const dir = path.join(FIX, 'inline');
  const input = fs.readFileSync(path.join(dir, 'inline.perf.in'), 'latin1').replace(/@DIR@/g, dir);
  const plain = await runPyfold(['--inline'], input);
  t.is(plain.status, 0);
  t.is(plain.stdout.toString('latin1'), fs.readFileSync(path.join(dir, 'inline.perl-inline.folded'), 'latin1'));
  const context = await runPyfold(['--inline', '--context'], input);
  t.is(context.stdout.toString('latin1'), fs.readFileSync(path.join(dir, 'inline.perl-inline-context.folded'), 'latin1'));
});

test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('a command line of file names only gets the same args without yargs as through it', (t) => {
  // The fast start-up path (spec.plain) must agree with yargs on every key run() reads.
  const { spec } = require('../src/fold/cli') as typeof import('../src/fold/cli');
  const yargs = require('yargs') as typeof import('yargs').default;
  for (const argv of [[], ['a.raw'], ['-'], ['a.raw', 'b c.raw'], ['123', '0x10', 'x=y', 'true'], ['a.raw', '-', 'b.raw']]) {
    const quick = spec.plain!(argv) as unknown as Record<string, unknown>;
    t.truthy(quick, argv.join(' '));
    const parsed = spec.options(yargs(argv).strict().parserConfiguration({ 'parse-positional-numbers': false })).parseSync() as unknown as Record<string, unknown>;
    for (const key of Object.keys(quick)) t.deepEqual(quick[key], parsed[key], `${argv.join(' ')}: ${key}`);
    t.deepEqual(Object.keys(quick).sort(), Object.keys(parsed).filter((k) => k in quick).sort());
  }
  for (const argv of [['-f'], ['a.raw', '--pid'], ['--'], [''], ['--help'], ['a', '-T']]) {
    t.is(spec.plain!(argv), undefined, argv.join(' '));
  }
});
