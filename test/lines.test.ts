// The shared plumbing in src/tool.ts: line input (chunks, CRLF, no final
// newline, bytes that are not UTF-8, overlong lines), bad-line reports, the
// folded-format helpers, and output that ends quietly on a closed pipe.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { BadLines, formatCount, frameName, isComment, parseFolded, readLines, readStreamLines, type LineOptions } from '../src/tool';
import { projectRoot } from './helpers/golden';

/** Lines read from chunks fed one after another. */
async function linesOf(chunks: (string | Buffer)[], opts: LineOptions = {}): Promise<string[]> {
  const out: string[] = [];
  const stream = Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'latin1') : c)));
  await readStreamLines(stream, 'test', (line) => out.push(line), opts);
  return out;
}

test('lines split across chunks come out whole', async (t) => {
  t.deepEqual(await linesOf(['ab', 'c\nde', 'f\n', '\ng', 'h\n']), ['abc', 'def', '', 'gh']);
});

test('one byte at a time', async (t) => {
  const text = 'main;a 1\r\nmain;b 2\n\nlast 3';
  t.deepEqual(await linesOf([...Buffer.from(text)].map((b) => Buffer.from([b]))), ['main;a 1', 'main;b 2', '', 'last 3']);
});

test('CRLF line ends, also with CR and LF in different chunks', async (t) => {
  t.deepEqual(await linesOf(['a 1\r\nb 2\r', '\nc 3\r\n']), ['a 1', 'b 2', 'c 3']);
});

test('a last line without a newline counts; an empty input has no lines', async (t) => {
  t.deepEqual(await linesOf(['a 1\nb 2']), ['a 1', 'b 2']);
  t.deepEqual(await linesOf([]), []);
  t.deepEqual(await linesOf(['\n']), ['']);
});

test('bytes that are not UTF-8: kept one char per byte by default, U+FFFD in utf8 mode', async (t) => {
  const bytes = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x31, 0x0a, 0xe2, 0x82]); // "caf\xe9 1\n" then a cut "€"
  const latin1 = await linesOf([bytes]);
  t.deepEqual(latin1, ['caf\xe9 1', '\xe2\x82']);
  t.deepEqual(Buffer.from(latin1.join('\n'), 'latin1'), bytes);
  t.deepEqual(await linesOf([bytes], { encoding: 'utf8' }), ['caf\ufffd 1', '\ufffd']);
  // A valid UTF-8 character cut between chunks is decoded whole.
  const euro = Buffer.from('€ 2\n');
  t.deepEqual(await linesOf([euro.subarray(0, 2), euro.subarray(2)], { encoding: 'utf8' }), ['€ 2']);
});

test('overlong lines are skipped and counted, within a chunk and across chunks', async (t) => {
  const bad = new BadLines('tool');
  const long = 'x'.repeat(50);
  const lines = await linesOf(['ok 1\n', long.slice(0, 20), long.slice(20), '\nfine 2\n', `${long}\n`, 'end 3'], { maxLength: 10, bad });
  t.deepEqual(lines, ['ok 1', 'fine 2', 'end 3']);
  t.is(bad.count, 2);
  const seen: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => {
    seen.push(s);
    return true;
  }) as typeof process.stderr.write;
  try {
    bad.report();
  } finally {
    process.stderr.write = write;
  }
  t.deepEqual(seen, ['tool: ignored 2 bad lines (first at test:2: line longer than 10 bytes)\n']);
});

test('an overlong last line without a newline is counted too', async (t) => {
  const bad = new BadLines('tool');
  t.deepEqual(await linesOf(['a\n', 'y'.repeat(30)], { maxLength: 10, bad }), ['a']);
  t.is(bad.count, 1);
});

test('readLines reads files in order and numbers lines per file', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lines-'));
  fs.writeFileSync(path.join(dir, 'a'), 'a1\na2\n');
  fs.writeFileSync(path.join(dir, 'b'), 'b1');
  const seen: string[] = [];
  await readLines([path.join(dir, 'a'), path.join(dir, 'b')], (line, where) => seen.push(`${path.basename(where.file)}:${where.line}:${line}`));
  t.deepEqual(seen, ['a:1:a1', 'a:2:a2', 'b:1:b1']);
  await t.throwsAsync(readLines([path.join(dir, 'missing')], () => {}), { message: /cannot read .*missing: no such file \(check the path\)/ });
  fs.rmSync(dir, { recursive: true });
});

test('an error thrown by the line callback is not passed off as a read error', async (t) => {
  const err = await t.throwsAsync(linesOf(['a\n']).then(() => readStreamLines(Readable.from([Buffer.from('x\n')]), 's', () => {
    throw new TypeError('bug');
  })));
  t.true(err instanceof TypeError);
});

test('parseFolded splits at the last blanks; frames ending in digits keep them', (t) => {
  t.deepEqual(parseFolded('a;b 12'), { stack: 'a;b', count: 12 });
  t.deepEqual(parseFolded('a;run 12 5'), { stack: 'a;run 12', count: 5 });
  t.deepEqual(parseFolded('a;b\t1.5  '), { stack: 'a;b', count: 1.5 });
  t.deepEqual(parseFolded('a;b 3.'), { stack: 'a;b', count: 3 });
  t.is(parseFolded('a;b'), null);
  t.is(parseFolded(' 12'), null);
  t.is(parseFolded('a;b x'), null);
  t.is(parseFolded('a;b -1'), null);
});

test('frameName makes any name one safe frame', (t) => {
  t.is(frameName('main'), 'main');
  t.is(frameName('a;b'), 'a:b');
  t.is(frameName('a\nb\rc'), 'a b c');
  t.is(frameName('operator 12'), 'operator_12');
  t.is(frameName('run  3.5'), 'run_3.5');
  t.is(frameName('x1'), 'x1');
  for (const name of ['f 1', 'a;b 2', 'g\t3']) t.deepEqual(parseFolded(`root;${frameName(name)} 7`), { stack: `root;${frameName(name)}`, count: 7 });
});

test('formatCount prints integers plainly and fractions without float noise', (t) => {
  t.is(formatCount(3), '3');
  t.is(formatCount(10101010 * 3), '30303030');
  t.is(formatCount(0.1 + 0.2), '0.3');
  t.is(formatCount(1.25), '1.25');
  t.true(isComment('# pid: 1'));
  t.false(isComment('a;# 1'));
});

test('Output ends quietly with status 0 when the reader closes the pipe (EPIPE)', (t) => {
  const tool = path.join(projectRoot(), 'dist', 'src', 'tool.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spew-'));
  const script = path.join(dir, 'spew.js');
  fs.writeFileSync(
    script,
    `const { runTool } = require(${JSON.stringify(tool)});
runTool({ name: 'spew', usage: 'spew', options: (y) => y, run: async (_a, out) => {
  for (let i = 0; i < 300000; i++) out.write('frame;frame;frame ' + i + '\\n');
} }, []);
`,
  );
  const r = spawnSync('bash', ['-c', `node "${script}" | head -c 100 >/dev/null; echo "status=\${PIPESTATUS[0]}" >&2`], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true });
  t.is(r.stderr, 'status=0\n');
});
