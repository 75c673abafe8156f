// pyflamegraph as a program: the command-line contract every tool keeps, and
// the options' visible effects, run against the real bin/pyflamegraph.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseSvg } from './fixtures/svg/structure';
import { runTool, sh } from './helpers/run';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/pyflamegraph');
const FIXTURES = path.join(ROOT, 'test/fixtures/svg');
const fixture = (name: string): string => path.join(FIXTURES, name);

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs bin/pyflamegraph with args, feeding input on stdin. */
export async function pyflamegraph(args: string[], input: string | Buffer = '', cwd = ROOT): Promise<Result> {
  const r = await runTool('pyflamegraph', args, { stdin: input, cwd });
  return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
}


const stderrLines = (s: string): string[] => s.split('\n').filter(Boolean);
const titles = (svg: string): string[] => parseSvg(svg).frames.map((f) => f.title).sort();

// ---------------------------------------------------------------------------
// --help and the man page

test('--help exits 0, lists every option with examples, and the man page documents each', async (t) => {
  const r = await pyflamegraph(['--help']);
  t.is(r.code, 0);
  t.is(r.stderr, '');
  const help = r.stdout;
  const man = fs.readFileSync(path.join(ROOT, 'man/pyflamegraph.1'), 'utf8').replace(/\\f[BIRP]/g, '').replace(/\\-/g, '-').replace(/\\\(dq/g, '"');
  const block = help.slice(help.indexOf('Options:'), help.indexOf('Examples:'));
  const flags = [...block.matchAll(/^ {2}(?:(-[a-z]), | {4})(--[a-z-]+(?:, --[a-z-]+)*)/gm)].flatMap((m) =>
    [m[1] ?? [], m[2]!.split(', ')].flat(),
  );
  t.true(flags.length >= 26, `found ${flags.join(' ')}`);
  for (const flag of flags) t.true(new RegExp(`(?<![\\w-])${flag}(?![\\w-])`).test(man), `${flag} in man/pyflamegraph.1`);
  // Every flamegraph.pl option is there under its own name.
  for (const o of ['title', 'subtitle', 'width', 'height', 'minwidth', 'fonttype', 'fontsize', 'fontwidth', 'countname',
    'nametype', 'colors', 'bgcolors', 'hash', 'random', 'cp', 'reverse', 'inverted', 'flamechart', 'negate', 'notes',
    'total', 'factor', 'nameattr', 'encoding']) {
    t.true(flags.includes(`--${o}`), `--${o} in --help`);
  }
  // Every option but --help/--version appears in an example, and the man page repeats the examples.
  const examples = help.slice(help.indexOf('Examples:'));
  for (const f of flags.filter((f) => !['-h', '--help', '--version', '--color'].includes(f))) {
    t.true(examples.includes(`${f} `), `an example uses ${f}`);
  }
  for (const m of man.matchAll(/^\.B (pyflamegraph .*|pyfold .*|difffolded\.pl .*)$/gm)) {
    t.true(examples.includes(m[1]!), `man example in --help: ${m[1]}`);
  }
  for (const s of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'EXIT STATUS', 'EXAMPLES', 'SEE ALSO']) {
    t.true(man.includes(`.SH ${s}`), `man section ${s}`);
  }
});

// ---------------------------------------------------------------------------
// Usage errors: exit 2, one line on stderr, nothing on stdout

for (const args of [['--bogus'], ['--width', 'abc'], ['--width', '0'], ['--colors', 'rainbow'], ['--minwidth', 'x%'],
  ['--bgcolors', '#12"><script>'], ['--fonttype', 'a;}</style>'], ['--encoding', 'EBCDIC'], ['--fontsize', '-3'], ['--factor', '0']]) {
  test(`usage error: ${args.join(' ')}`, async (t) => {
    const r = await pyflamegraph(args, 'a;b 1\n');
    t.is(r.code, 2);
    t.is(r.stdout, '');
    t.is(stderrLines(r.stderr).length, 1, r.stderr);
    t.regex(r.stderr, /^pyflamegraph: .*\(see 'pyflamegraph --help'\)\n$/);
  });
}

test('a refused number is quoted as typed', async (t) => {
  const cases: [string[], string][] = [[['--width', 'abc'], '--width needs a positive whole number, not "abc"'],
    [['--fontwidth', '1e'], '--fontwidth needs a positive number, not "1e"'], [['--total', ''], '--total needs a positive number, not ""']];
  for (const [args, said] of cases) {
    const r = await pyflamegraph(args, 'a;b 1\n');
    t.is(r.code, 2);
    t.true(r.stderr.startsWith(`pyflamegraph: ${said} (`), r.stderr);
  }
  const r = await pyflamegraph(['--width'], 'a;b 1\n');
  t.is(r.code, 2, 'an option without its number');
});

// ---------------------------------------------------------------------------
// Input

test('a file argument and stdin give the same bytes; "-" is stdin', async (t) => {
  const input = fs.readFileSync(fixture('app.folded'));
  const a = await pyflamegraph([fixture('app.folded')]);
  const b = await pyflamegraph([], input);
  const c = await pyflamegraph(['-'], input);
  t.is(a.code, 0);
  t.is(a.stdout, b.stdout);
  t.is(a.stdout, c.stdout);
  t.true(parseSvg(a.stdout).frames.length > 5);
});

test('several files are read in turn, as one input', async (t) => {
  const one = await pyflamegraph([], 'a;b 1\na;c 2\n');
  const two = await sh(`printf 'a;b 1\\n' > /tmp/pfg-1.$$; printf 'a;c 2\\n' > /tmp/pfg-2.$$; node ${BIN} /tmp/pfg-1.$$ /tmp/pfg-2.$$; rm -f /tmp/pfg-?.$$`);
  t.is(two.stdout, one.stdout);
});

test('a missing file: exit 1, one line naming it, no SVG', async (t) => {
  const r = await pyflamegraph(['/nonexistent/profile.folded']);
  t.is(r.code, 1);
  t.is(r.stdout, '');
  t.deepEqual(stderrLines(r.stderr), ['pyflamegraph: cannot read /nonexistent/profile.folded: no such file (check the path)']);
});

test('empty input: an SVG that says so, a message, exit 1', async (t) => {
  const r = await pyflamegraph([], '');
  t.is(r.code, 1);
  t.regex(r.stdout, /<svg [^>]*>[\s\S]*ERROR: No valid input provided[\s\S]*<\/svg>\n$/);
  t.deepEqual(stderrLines(r.stderr), ['pyflamegraph: no valid input: no line of the form "frame;frame;... count" (wrote an SVG that says so)']);
});

test('no valid line: bad lines reported once, the error SVG, exit 1', async (t) => {
  const r = await pyflamegraph([], 'no count here\nnor here\n# metadata\n\n.5\n');
  t.is(r.code, 1);
  t.regex(r.stdout, /ERROR: No valid input provided/);
  const lines = stderrLines(r.stderr);
  t.is(lines.length, 2, r.stderr);
  t.is(lines[0], 'pyflamegraph: ignored 3 bad lines (first at stdin:1: not "frame;frame;... count": "no count here")');
  t.regex(lines[1]!, /no valid input/);
});

test('bad lines among good ones: counted once, the graph drawn from the rest', async (t) => {
  const r = await pyflamegraph([], 'a;b 3\ngarbage\na;c 1\nmore garbage\n');
  t.is(r.code, 0);
  t.deepEqual(stderrLines(r.stderr).filter((l) => !/stack count is low/.test(l)), [
    'pyflamegraph: ignored 2 bad lines (first at stdin:2: not "frame;frame;... count": "garbage")',
  ]);
  t.deepEqual(titles(r.stdout), ['a (4 samples, 100.00%)', 'all (4 samples, 100%)', 'b (3 samples, 75.00%)', 'c (1 samples, 25.00%)']);
});

test('CRLF, a missing final newline, comments and fractional counts', async (t) => {
  const r = await pyflamegraph([], '# austin: 3.6\r\na;b 1.5\r\na;b 0.5\r\na;c 2');
  t.is(r.code, 0);
  t.deepEqual(titles(r.stdout), ['a (4 samples, 100.00%)', 'all (4 samples, 100%)', 'b (2 samples, 50.00%)', 'c (2 samples, 50.00%)']);
});

// ---------------------------------------------------------------------------
// Output

test('a closed pipe ends quietly with status 0', async (t) => {
  const r = await sh(`set -o pipefail; node ${BIN} ${fixture('app.folded')} | head -c 100 > /dev/null`);
  t.is(r.code, 0);
  t.is(r.stderr, '');
  const big = await sh(`set -o pipefail; for i in $(seq 1 3000); do echo "main;f$i;g$i 1"; done | node ${BIN} | head -n 1 > /dev/null`);
  t.is(big.code, 0);
  t.is(big.stderr, '');
});

test('deterministic by default; --random shades differ between runs, geometry does not', async (t) => {
  const a = await pyflamegraph([fixture('app.folded')]);
  const b = await pyflamegraph([fixture('app.folded')]);
  t.is(a.stdout, b.stdout);
  const r1 = await pyflamegraph(['--random', '--colors', 'hot', fixture('app.folded')]);
  const r2 = await pyflamegraph(['--random', '--colors', 'hot', fixture('app.folded')]);
  t.not(r1.stdout, r2.stdout);
  const strip = (s: string): string => s.replace(/fill="rgb\([^)]*\)"/g, '');
  t.is(strip(r1.stdout), strip(r2.stdout));
});

test('stderr notes: low stack count (as flamegraph.pl), none with another --countname', async (t) => {
  const low = await pyflamegraph([], 'a;b 3\n');
  t.deepEqual(stderrLines(low.stderr), ['pyflamegraph: warning: stack count is low (3); did something go wrong?']);
  const ms = await pyflamegraph(['--countname', 'ms'], 'a;b 3\n');
  t.is(ms.stderr, '');
});
