// Properties of the fold: the result depends only on the multiset of records
// and folded lines, not on their order, nor on where the input is cut into
// chunks, nor on whether parts were folded first and merged later; and the
// shortcut for plain pysample frame lines folds them as the general path does.

import test from 'ava';
import * as fc from 'fast-check';
import { foldChunks, foldText } from '../src/fold/fold';
import { foldFrame, parseFrameLine, plainPythonFrame } from '../src/fold/perf';
import { frameName } from '../src/tool';

const names = fc.constantFrom('main', 'handle', 'get', '<module>', 'run', 'wait', 'caf\xe9', 'x y', 'f 12', 'a;b');
const paths = fc.constantFrom('/srv/app/views.py', '/usr/lib/python3.12/threading.py', '/v/lib/python3.12/site-packages/dj/base.py');

/** A pysample record: header, 1-8 frames (maybe idle), blank line. */
const pysample = fc
  .record({
    comm: fc.constantFrom('python3', 'worker_2', 'X_'),
    tid: fc.integer({ min: 1, max: 4 }),
    ts: fc.constantFrom('17.000001', '1732560883.123456', '9.5'),
    idle: fc.boolean(),
    frames: fc.array(fc.tuple(paths, names, fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 8 }),
  })
  .map(({ comm, tid, ts, idle, frames }) => {
    let s = `${comm} 100/${tid} [${idle ? 'idle' : 'gil'}] ${ts}: 1 cpu-clock:\n`;
    if (idle) s += '\t0 [idle] (python)\n';
    for (const [p, n, l] of frames) s += `\t7f00${l} ${p}:${n}:${l} (python)\n`;
    return `${s}\n`;
  });

/** A perf record, all of one event type (the default event filter keeps the first type met). */
const perf = fc
  .record({
    comm: fc.constantFrom('bash', 'V8 WorkerThread', 'a: 12', 'java', 'x 7'),
    ids: fc.constantFrom('4411', '4411/4412', '0/0'),
    ts: fc.constantFrom('88231.412200', '5.0', '123456789.000001'),
    period: fc.integer({ min: 0, max: 1000 }),
    frames: fc.array(names, { minLength: 1, maxLength: 6 }),
  })
  .map(
    ({ comm, ids, ts, period, frames }) =>
      `${comm} ${ids} [001] ${ts}: ${period} cpu-clock:\n${frames.map((f, i) => `\t7f${i} ${f}+0x1${i} (/bin/bash)\n`).join('')}\n`,
  );

/** A folded line; counts are multiples of 1/4, so sums are exact in any order. */
const folded = fc
  .record({ frames: fc.array(fc.constantFrom('main', 'a', 'b', 'run 1', 'c'), { minLength: 1, maxLength: 5 }), q: fc.integer({ min: 1, max: 40 }) })
  .map(({ frames, q }) => `${frames.join(';')} ${q / 4}\n`);

const item = fc.oneof(pysample, perf, folded, fc.constant('# pysample: metadata\n'));
const items = fc.array(item, { minLength: 0, maxLength: 25 });

/** Cuts bytes at the given (sorted, deduplicated) offsets. */
function cut(bytes: Buffer, at: number[]): Buffer[] {
  const points = [...new Set(at.map((a) => a % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

const bytes = (parts: string[]): Buffer => Buffer.from(parts.join(''), 'latin1');

test('the fold does not depend on the order of records and lines', (t) => {
  fc.assert(
    fc.property(items, fc.func(fc.integer()), (xs, rank) => {
      const shuffled = xs.map((x, i) => ({ x, k: rank(x, i) })).sort((a, b) => a.k - b.k).map((e) => e.x);
      return foldText(bytes(xs)).text === foldText(bytes(shuffled)).text;
    }),
    { numRuns: 200 },
  );
  t.pass();
});

test('the fold does not depend on where the input is cut into chunks', (t) => {
  fc.assert(
    fc.property(items, fc.array(fc.nat(), { maxLength: 40 }), (xs, at) => {
      const whole = bytes(xs);
      return foldChunks([cut(whole, at)]).text === foldText(whole).text;
    }),
    { numRuns: 200 },
  );
  t.pass();
});

test('one byte at a time gives the same fold', (t) => {
  fc.assert(
    fc.property(items, (xs) => {
      const whole = bytes(xs);
      const single = [...whole].map((b) => Buffer.from([b]));
      return foldChunks([single]).text === foldText(whole).text;
    }),
    { numRuns: 40 },
  );
  t.pass();
});

test('folding parts and merging them equals folding the whole', (t) => {
  fc.assert(
    fc.property(items, items, (a, b) => {
      const merged = foldText(foldText(bytes(a)).text + foldText(bytes(b)).text).text;
      return merged === foldText(bytes([...a, ...b])).text;
    }),
    { numRuns: 200 },
  );
  t.pass();
});

test('folding folded output changes nothing', (t) => {
  fc.assert(
    fc.property(items, (xs) => {
      const once = foldText(bytes(xs)).text;
      return foldText(once).text === once;
    }),
    { numRuns: 200 },
  );
  t.pass();
});

test('no input makes a bad line or a malformed output line', (t) => {
  fc.assert(
    fc.property(items, (xs) => {
      const r = foldText(bytes(xs));
      return r.bad.count === 0 && r.text.split('\n').every((l) => l === '' || /^[^ ;][^\n]* \d+(\.\d+)?$/.test(l));
    }),
    { numRuns: 200 },
  );
  t.pass();
});

test('the whole-record shortcut gives what the line-by-line path gives', (t) => {
  // An --inline resolver that knows nothing changes no frame, but turns the shortcut off.
  const slow = { inline: (): string => '' };
  fc.assert(
    fc.property(items, fc.array(fc.nat(), { maxLength: 20 }), (xs, at) => {
      const whole = bytes([...xs, ...xs]);
      return foldChunks([cut(whole, at)]).text === foldChunks([[whole]], slow).text;
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('property: a plain pysample frame line folds by the shortcut exactly as by the general path', (t) => {
  // plainPythonFrame skips parseFrameLine, foldFrame and frameName for the
  // common line shape; whatever it accepts must fold the same both ways.
  const chars = fc.oneof(
    { arbitrary: fc.constantFrom(...'abz09_./:<-\xe9'.split('')), weight: 12 },
    { arbitrary: fc.constantFrom(...'>+;()[]"\' \t\r'.split('')), weight: 1 },
  );
  const symbol = fc.array(chars, { minLength: 1, maxLength: 12 }).map((cs) => cs.join(''));
  const line = fc.tuple(fc.constantFrom('7f5e2c1a3b40', '0', 'ABCdef', 'x1'), symbol, fc.constantFrom(' (python)', '(python)', ' (python) ', ' (libc.so)', ' (python)\r'))
    .map(([addr, sym, mod]) => `\t${addr} ${sym}${mod}`);
  let taken = 0;
  fc.assert(
    fc.property(line, fc.boolean(), fc.boolean(), fc.boolean(), (l, kernel, jit, addrs) => {
      const plain = plainPythonFrame(l);
      if (plain === null) return true;
      taken++;
      const f = parseFrameLine(l);
      const folded = f && foldFrame(f, false, { kernel, jit, addrs });
      return folded !== null && folded.names.length === 1 && frameName(folded.names[0]!) === plain;
    }),
    { numRuns: 3000 },
  );
  t.true(taken > 100, `only ${taken} lines took the shortcut`);
  t.is(plainPythonFrame('\t7f5e2c1a3b40 /srv/app/views.py:get:42 (python)'), '/srv/app/views.py:get:42');
  t.is(plainPythonFrame('\t7f5e2c1a3b40 /srv/app/views.py:get 42 (python)'), null);
});
