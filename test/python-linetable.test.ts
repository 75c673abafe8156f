// Line-table decoding against CPython itself: every interpreter found dumps the
// line tables of a few stdlib modules together with the line its own
// PyCode_Addr2Line gives at every instruction offset, and lineFor must agree
// everywhere. Plus hand-made tables for the cases stdlib code rarely has.

import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { LAYOUTS } from '../src/sample/python/layouts';
import { lineFor } from '../src/sample/python/linetable';
import { describeInterpreters, findInterpreters, isCoreVersion } from './helpers/interpreters';

const pythons = findInterpreters();
const dump = path.join(__dirname, '../../test/fixtures/python/dump_lines.py');

test('interpreters for the line-table check', (t) => {
  t.log(describeInterpreters(pythons));
  if (process.env.CI === 'true') t.true(pythons.some(isCoreVersion), 'a CPython 3.8–3.13 is required under CI');
  t.pass();
});

for (const py of pythons) {
  test(`line numbers equal PyCode_Addr2Line on ${py.label}`, (t) => {
    const layout = LAYOUTS[py.minor];
    if (!layout) return t.fail(`no layout for ${py.minor}`);
    const out = execFileSync(py.path, [dump], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    let pairs = 0;
    let bad = 0;
    const examples: string[] = [];
    for (const line of out.split('\n')) {
      if (!line) continue;
      const c = JSON.parse(line) as { table: string; first: number; step: number; lines: number[] };
      const table = Buffer.from(c.table, 'hex');
      c.lines.forEach((want, i) => {
        pairs++;
        const got = lineFor(layout.code.lineFormat, table, c.first, i * c.step);
        if (got !== want) {
          bad++;
          if (examples.length < 5) examples.push(`offset ${i * c.step}: CPython ${want}, ours ${got}`);
        }
      });
    }
    t.log(`${py.label}: ${pairs} (code, offset) pairs, ${bad} mismatches`);
    t.true(pairs > 10000);
    t.is(bad, 0, examples.join('; '));
  });
}

test('lnotab: 2.7 deltas are unsigned, 3.6+ signed', (t) => {
  const tab = Buffer.from([4, 1, 6, 0xff]); // +1 line at 4, then 0xff at 10
  t.is(lineFor('lnotab-u8', tab, 10, 12), 10 + 1 + 255);
  t.is(lineFor('lnotab-i8', tab, 10, 12), 10 + 1 - 1);
  t.is(lineFor('lnotab-i8', tab, 10, 3), 10);
  t.is(lineFor('lnotab-i8', tab, 10, -1), 10);
});

test('3.10 linetable: -128 means no line but still advances the address', (t) => {
  const tab = Buffer.from([4, 2, 6, 0x80, 4, 1]); // [0,4) +2; [4,10) none; [10,14) +1
  t.is(lineFor('linetable-310', tab, 5, 0), 7);
  t.is(lineFor('linetable-310', tab, 5, 6), -1);
  t.is(lineFor('linetable-310', tab, 5, 10), 8);
  t.is(lineFor('linetable-310', tab, 5, 14), -1);
  t.is(lineFor('linetable-310', tab, 5, -2), 5);
});

test('3.11 location table: short, one-line, no-column, long and no-location entries', (t) => {
  const tab = Buffer.from([
    0x80 | (0 << 3) | 0, 0x05, //          short form, 1 unit: same line          [0,2)
    0x80 | (11 << 3) | 1, 3, 9, //         one-line form, delta +1, 2 units       [2,6)
    0x80 | (13 << 3) | 0, 5, //            no-column, svarint 5 = -2              [6,8)
    0x80 | (14 << 3) | 0, 0x44, 0x01, 0, 2, 4, // long form, varint 68 = +34      [8,10)
    0x80 | (15 << 3) | 0, //               no location                            [10,12)
  ]);
  t.is(lineFor('locations-311', tab, 20, 0), 20);
  t.is(lineFor('locations-311', tab, 20, 4), 21);
  t.is(lineFor('locations-311', tab, 20, 6), 19);
  t.is(lineFor('locations-311', tab, 20, 8), 53);
  t.is(lineFor('locations-311', tab, 20, 10), -1);
  t.is(lineFor('locations-311', tab, 20, 12), -1);
  t.is(lineFor('locations-311', tab, 20, -2), 20);
});

test('truncated tables end without reading past the buffer', (t) => {
  // a long-form entry whose varint says "more" at the very end: svarint 63 = -31
  t.is(lineFor('locations-311', Buffer.from([0x80 | (14 << 3), 0x7f]), 1, 0), -30);
  t.is(lineFor('lnotab-i8', Buffer.from([3]), 7, 100), 7);
  t.is(lineFor('linetable-310', Buffer.alloc(0), 7, 0), -1);
});
