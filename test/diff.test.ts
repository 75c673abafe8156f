// pydiff: difffolded.pl's output on folded files (expected files worked out
// from the script's rules, test/fixtures/diff/README.md, and the script itself
// when FLAMEGRAPH_DIR points at a FlameGraph checkout), the --top report in
// its three formats, raw input folded as pyfold folds it, and refused inputs:
// one line on stderr, exit 1 or 2, nothing on stdout.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { diffStacks } from '../src/diff/diff';
import { kindOf } from '../src/diff/profile';
import { inclusive, topChanges } from '../src/diff/top';

const ROOT = path.resolve(__dirname, '../..');
const FIX = path.join(ROOT, 'test/fixtures/diff');
const BEFORE = path.join(FIX, 'before.folded');
const AFTER = path.join(FIX, 'after.folded');
const RAW = path.join(ROOT, 'test/fixtures/fold/pysample.samp');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pydiff-'));
test.after.always(() => fs.rmSync(work, { recursive: true, force: true }));

function pydiff(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/pydiff'), ...args], { input, encoding: 'latin1' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const expected = (name: string): string => fs.readFileSync(path.join(FIX, name), 'latin1');

for (const [opts, file] of [[[], 'expected.diff'], [['--strip-hex'], 'expected-s.diff'], [['-n'], 'expected-n.diff'], [['-n', '--strip-hex'], 'expected-n-s.diff']] as const) {
  test(`difffolded.pl ${opts.join(' ')}: ${file}`, (t) => {
    const r = pydiff([...opts, BEFORE, AFTER]);
    t.is(r.code, 0, r.stderr);
    t.is(r.stderr, '');
    t.is(r.stdout, expected(file));
    // One side on stdin: the same bytes.
    const s = pydiff([...opts, '-', AFTER], fs.readFileSync(BEFORE, 'latin1'));
    t.is(s.stdout, expected(file));
  });
}

test("difffolded.pl itself, where a FlameGraph checkout is given (FLAMEGRAPH_DIR)", (t) => {
  const dir = process.env.FLAMEGRAPH_DIR;
  if (!dir) {
    t.log('FLAMEGRAPH_DIR is not set: compared with the worked-out expected files only');
    t.pass();
    return;
  }
  for (const opts of [[], ['-s'], ['-n'], ['-n', '-s']]) {
    const theirs = spawnSync('perl', [path.join(dir, 'difffolded.pl'), ...opts, BEFORE, AFTER], { encoding: 'latin1' });
    t.is(theirs.status, 0, theirs.stderr);
    const sorted = theirs.stdout.split('\n').filter(Boolean).sort().map((l) => `${l}\n`).join('');
    const ours = pydiff([...opts.map((o) => (o === '-s' ? '--strip-hex' : o)), BEFORE, AFTER]);
    t.is(ours.stdout, sorted, `difffolded.pl ${opts.join(' ')}`);
  }
});

test('--top: the frames whose inclusive share changed most, as text, TSV and JSON', (t) => {
  const text = pydiff(['--top', '3', BEFORE, AFTER]);
  t.is(text.code, 0, text.stderr);
  t.is(
    text.stdout,
    `before: ${BEFORE}, 210 samples\n` +
      `after:  ${AFTER}, 100 samples\n` +
      'share of all samples in a frame and what it calls; change in points; largest changes first\n\n' +
      'before   after  change  frame\n' +
      ' 0.00%  25.00%  +25.00  0x7f0011\n' +
      '23.81%   0.00%  -23.81  io\n' +
      ' 0.00%  15.00%  +15.00  gc\n',
  );
  const tsv = pydiff(['--format', 'tsv', BEFORE, AFTER]);
  t.is(tsv.code, 0, tsv.stderr);
  t.deepEqual(tsv.stdout.split('\n'), [
    'before_share\tafter_share\tchange\tbefore_samples\tafter_samples\tframe',
    '0.00\t25.00\t25.00\t0\t25\t0x7f0011',
    '23.81\t0.00\t-23.81\t50\t0\tio',
    '0.00\t15.00\t15.00\t0\t15\tgc',
    '14.29\t0.00\t-14.29\t30\t0\t0x7f00aa',
    '19.05\t25.00\t5.95\t40\t25\trender',
    '4.76\t0.00\t-4.76\t10\t0\t0x7f00bb',
    '57.14\t60.00\t2.86\t120\t60\tparse',
    '57.14\t60.00\t2.86\t120\t60\ttokenize',
    '100.00\t100.00\t0.00\t210\t100\tmain',
    '',
  ]);
  const json = pydiff(['--format', 'json', '--top', '2', '--strip-hex', BEFORE, AFTER]);
  t.is(json.code, 0, json.stderr);
  t.deepEqual(JSON.parse(json.stdout), {
    before: { name: BEFORE, samples: 210 },
    after: { name: AFTER, samples: 100 },
    frames: [
      { frame: 'io', beforeSamples: 50, afterSamples: 0, before: 23.81, after: 0, change: -23.81 },
      { frame: 'gc', beforeSamples: 0, afterSamples: 15, before: 0, after: 15, change: 15 },
    ],
  });
});

test('inclusive counts: a frame counts once per stack, recursion too', (t) => {
  t.deepEqual([...inclusive(new Map([['a;b;a;b', 2], ['a;c', 1]]))].sort(), [['a', 3], ['b', 2], ['c', 1]]);
  const r = topChanges({ name: 'x', stacks: new Map([['a;b', 1]]), total: 1 }, { name: 'y', stacks: new Map([['a;b', 1]]), total: 1 }, 5);
  t.deepEqual(r.frames.map((f) => [f.frame, f.change]), [['a', 0], ['b', 0]]);
});

test('diffStacks: sorted by byte order, -n cuts to whole numbers as Perl int() does', (t) => {
  const lines = diffStacks(new Map([['b', 3], ['a', 1]]), new Map([['a', 2], ['\u00e9', 2]]), { normalize: true, stripHex: false });
  t.deepEqual(lines, [
    { stack: 'a', before: 1, after: 2 },
    { stack: 'b', before: 3, after: 0 },
    { stack: '\u00e9', before: 0, after: 2 },
  ]);
});

test('kinds: pysample records, perf script, folded, differential', (t) => {
  t.is(kindOf(fs.readFileSync(RAW, 'latin1')), 'pysample');
  t.is(kindOf('java 25607 4794564.109216: 1 cycles:\n\tffff81 native_safe_halt+0x1b ([kernel.kallsyms])\n\n'), 'perf');
  t.is(kindOf('# comment\na;b 3\n'), 'folded');
  t.is(kindOf('a;b 3 4\n'), 'differential');
  t.is(kindOf('# only metadata\n\n'), 'empty');
  t.is(kindOf('hello world\n'), 'unknown');
});

test('raw recordings are folded as pyfold folds them, with -f and -s', (t) => {
  const folded = spawnSync(process.execPath, [path.join(ROOT, 'bin/pyfold'), '-f', '-s', RAW], { encoding: 'latin1' }).stdout;
  const r = pydiff(['-f', '-s', RAW, RAW]);
  t.is(r.code, 0, r.stderr);
  const same = folded.split('\n').filter(Boolean).map((l) => {
    const at = l.lastIndexOf(' ');
    return `${l.slice(0, at)} ${l.slice(at + 1)} ${l.slice(at + 1)}\n`;
  });
  t.is(r.stdout, same.join(''));
  t.true(r.stdout.includes('django/core/handlers/base.py:BaseHandler._get_response;/srv/app/shop/views.py:ProductView.get 3 3\n'), r.stdout);
});

test('refused inputs: one line on stderr, exit 1 or 2, nothing on stdout', (t) => {
  const empty = path.join(work, 'empty.folded');
  fs.writeFileSync(empty, '');
  const zero = path.join(work, 'zero.folded');
  fs.writeFileSync(zero, 'a;b 0\n');
  const diff = path.join(FIX, 'expected.diff');
  const cases: [string[], number, RegExp][] = [
    [[RAW, BEFORE], 1, /pysample\.samp is raw pysample stacks but .*before\.folded is folded lines: give both raw, or fold both with the same pyfold options$/],
    [[BEFORE, empty], 1, /empty\.folded has no samples \(no stacks in it\)/],
    [[zero, AFTER], 1, /zero\.folded has no samples \(every count is 0\)/],
    [[BEFORE, path.join(work, 'missing.raw')], 1, /cannot read .*missing\.raw: no such file \(check the path\)$/],
    [[work, AFTER], 1, /cannot read .*: it is a directory/],
    [[diff, AFTER], 1, /expected\.diff is already a differential profile \(two counts per line\)/],
    [[BEFORE], 2, /give two recordings: BEFORE AFTER \(see 'pydiff --help'\)$/],
    [[BEFORE, AFTER, AFTER], 2, /give two recordings, not 3/],
    [['-', '-'], 2, /only one of BEFORE and AFTER can be stdin/],
    [['--top', '0', BEFORE, AFTER], 2, /--top needs a positive whole number, not "0"/],
    [['--top', 'ten', BEFORE, AFTER], 2, /--top needs a positive whole number, not "ten"/],
    [['--format', 'xml', BEFORE, AFTER], 2, /--format takes text, tsv, json, not "xml"/],
    [['--bogus', BEFORE, AFTER], 2, /Unknown argument: bogus/],
  ];
  for (const [args, code, re] of cases) {
    const r = pydiff(args, '');
    t.is(r.code, code, args.join(' '));
    t.is(r.stdout, '', args.join(' '));
    t.is(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
    t.regex(r.stderr, new RegExp(`^pydiff: (?:\\S*/)?${re.source}`, 'm'));
  }
});

test('a closed pipe downstream ends quietly', (t) => {
  const big = path.join(work, 'big.folded');
  fs.writeFileSync(big, Array.from({ length: 50000 }, (_, i) => `main;f${i} ${i + 1}\n`).join(''));
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${path.join(ROOT, 'bin/pydiff')}" "${big}" "${AFTER}" | head -1`], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  t.is(r.stderr, '');
  t.is(r.stdout.split('\n').length, 2);
});

test('--help and the man page agree', (t) => {
  const r = pydiff(['--help']);
  t.is(r.code, 0);
  const man = fs.readFileSync(path.join(ROOT, 'man/pydiff.1'), 'utf8').replace(/\\f[BIRP]/g, '').replace(/\\-/g, '-');
  const flags = [...r.stdout.matchAll(/^ {2}(?:(-[a-z]), | {4})(--[a-z-]+)/gm)].flatMap((m) => [m[1] ?? [], m[2]!].flat());
  t.true(flags.length >= 10, flags.join(' '));
  for (const f of flags) t.true(new RegExp(`(?<![\\w-])${f}(?![\\w-])`).test(man), `${f} in man/pydiff.1`);
  for (const m of man.matchAll(/^\.B (pydiff .*)$/gm)) t.true(r.stdout.includes(`  ${m[1]!}\n`), `man example in --help: ${m[1]}`);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  t.is(pkg.bin.pydiff, 'bin/pydiff');
  t.true(pkg.man.includes('man/pydiff.1'));
});
