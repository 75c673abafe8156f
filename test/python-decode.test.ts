// The pure parts of the Python reader, fed hand-built memory (FakeMemory) and
// real files: strings of every kind, ELF symbols, maps, versions, thread ids,
// and what a corrupt or changing target does to the walker (cycles, bad
// pointers, unreadable frames: bounded, truncated at the last good frame).

import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { readElf } from '../src/sample/python/elf';
import { pythonReader } from '../src/sample/python/index';
import { LAYOUTS, type Layout } from '../src/sample/python/layouts';
import { loadBias, parseMaps, writableOf } from '../src/sample/python/maps';
import { validates } from '../src/sample/python/locate';
import { scanForInterp } from '../src/sample/python/scan';
import { MAX_STRING, readString } from '../src/sample/python/strings';
import { findTidOffset } from '../src/sample/python/tid';
import { findText, fromFileName, fromHex, fromText } from '../src/sample/python/version';
import { native } from '../src/sample/native';
import { MAX_FRAMES, planFor, StackWalker } from '../src/sample/python/walk';
import { FakeMemory } from './helpers/fake-memory';
import { findInterpreters } from './helpers/interpreters';

const L312 = LAYOUTS['3.12']!;
const L310 = LAYOUTS['3.10']!;
const L27 = LAYOUTS['2.7']!;

/** A PEP 393 string object as CPython lays it out (compact unless `legacyData` is given). */
function unicode(mem: FakeMemory, at: number, l: Layout, text: string, legacyData?: number): void {
  const s = l.str;
  if (s.kind !== 'unicode') throw new Error('not a unicode layout');
  const cps = [...text].map((c) => c.codePointAt(0)!);
  const max = Math.max(0, ...cps);
  const kind = max < 256 ? 1 : max < 65536 ? 2 : 4;
  const ascii = max < 128 ? 1 : 0;
  const data = Buffer.alloc(cps.length * kind);
  cps.forEach((cp, i) => (kind === 1 ? data.writeUInt8(cp, i) : kind === 2 ? data.writeUInt16LE(cp, i * 2) : data.writeUInt32LE(cp, i * 4)));
  const head = legacyData === undefined ? (ascii ? s.asciiSize : s.compactSize) : s.compactSize + 8;
  const b = mem.alloc(at, head + (legacyData === undefined ? data.length + kind : 0));
  b.writeBigInt64LE(BigInt(cps.length), s.length);
  b.writeUInt32LE((kind << 2) | ((legacyData === undefined ? 1 : 0) << 5) | (ascii << 6) | (1 << 7), s.state);
  if (legacyData === undefined) data.copy(b, head);
  else {
    b.writeBigUInt64LE(BigInt(legacyData), s.compactSize);
    mem.put(legacyData, data);
  }
}

test('strings: compact ASCII, Latin-1, UCS-2, UCS-4 and legacy, for 3.6–3.11 and 3.12+ headers', (t) => {
  for (const l of [LAYOUTS['3.8']!, L312]) {
    const mem = new FakeMemory();
    const texts = ['/srv/app/handlers.py', 'rec_é', 'rec_λ', 'rec_𐐀', ''];
    texts.forEach((s, i) => unicode(mem, 0x1000 * (i + 1), l, s));
    texts.forEach((s, i) => t.is(readString(mem, l, 0x1000 * (i + 1)), s, `${l.family} ${JSON.stringify(s)}`));
    unicode(mem, 0x9000, l, 'legacy_λ', 0xa000);
    t.is(readString(mem, l, 0x9000), 'legacy_λ');
  }
});

test('strings: 2.7 byte strings', (t) => {
  const mem = new FakeMemory();
  const b = mem.alloc(0x1000, 36 + 13);
  b.writeBigInt64LE(12n, 16);
  b.write('/tmp/x_é.py', 36, 'utf8');
  t.is(readString(mem, L27, 0x1000), '/tmp/x_é.py');
});

test('strings: corrupt headers are rejected without huge reads', (t) => {
  const mem = new FakeMemory();
  const b = mem.alloc(0x1000, 64);
  b.writeBigInt64LE(BigInt(MAX_STRING + 1), 16);
  b.writeUInt32LE((1 << 2) | (1 << 5) | (1 << 6), 32);
  t.throws(() => readString(mem, L312, 0x1000), { message: /length .* out of range/ });
  b.writeBigInt64LE(3n, 16);
  b.writeUInt32LE((3 << 2) | (1 << 5), 32);
  t.throws(() => readString(mem, L312, 0x1000), { message: /kind 3 invalid/ });
  b.writeBigInt64LE(-1n, 16);
  t.throws(() => readString(mem, L312, 0x1000));
});

test('versions from PY_VERSION_HEX, sys.version text and file names', (t) => {
  t.deepEqual(fromHex(0x030d00f0), { major: 3, minor: 13, micro: 0, suffix: '' });
  t.deepEqual(fromHex(0x030e00a3), { major: 3, minor: 14, micro: 0, suffix: 'a3' });
  t.is(fromHex(0x12345678), undefined);
  t.deepEqual(fromText('3.7.16 (default, Nov 21 2026, 10:00:00) \n[GCC 12.2.0]'), { major: 3, minor: 7, micro: 16, suffix: '' });
  t.deepEqual(fromText('3.13.0rc2 (main, Oct 1 2024)'), { major: 3, minor: 13, micro: 0, suffix: 'rc2' });
  t.deepEqual(fromFileName('/usr/lib/libpython3.7m.so.1.0'), { major: 3, minor: 7, suffix: '' });
  t.deepEqual(fromFileName('/root/.pyenv/versions/3.12.1/bin/python3.12'), { major: 3, minor: 12, suffix: '' });
  t.is(fromFileName('/usr/bin/report-server'), undefined);
  const data = Buffer.concat([Buffer.alloc(100), Buffer.from('OpenSSL 3.0.11 19 Sep\0' + '2.7.18 (default, Nov 2 2026, 09:00:00)\0')]);
  t.deepEqual(findText(data, { major: 2, minor: 7 }), { major: 2, minor: 7, micro: 18, suffix: '' });
  t.is(findText(data, { major: 3, minor: 0 }), undefined);
});

test('maps: deleted files, spaces in paths, load bias and the .bss spill', (t) => {
  const maps = parseMaps([
    '55d4c8a00000-55d4c8a01000 r--p 00000000 08:01 1311   /opt/my app/bin/python3.12 (deleted)',
    '55d4c8a01000-55d4c8a02000 r-xp 00001000 08:01 1311   /opt/my app/bin/python3.12 (deleted)',
    '55d4c8a02000-55d4c8a03000 rw-p 00002000 08:01 1311   /opt/my app/bin/python3.12 (deleted)',
    '55d4c8a03000-55d4c8a05000 rw-p 00000000 00:00 0 ',
    '7ffd1000-7ffd2000 rw-p 00000000 00:00 0                          [stack]',
    'garbage',
  ].join('\n'));
  t.is(maps.length, 5);
  t.is(maps[0]!.path, '/opt/my app/bin/python3.12');
  t.is(loadBias(maps, '/opt/my app/bin/python3.12', { baseVaddr: 0 } as never), 0x55d4c8a00000);
  t.deepEqual(writableOf(maps, '/opt/my app/bin/python3.12').map((m) => m.start), [0x55d4c8a02000, 0x55d4c8a03000]);
});

test('ELF: symbols from .dynsym and .symtab equal nm, and Debian python is non-PIE with .dynsym only', (t) => {
  const py = findInterpreters().find((p) => p.source === 'pyenv' && p.minor === '2.7') ?? findInterpreters().find((p) => p.source === 'pyenv');
  if (!py) return process.env.CI === 'true' ? t.fail('no pyenv python') : t.pass();
  const dir = py.path.replace(/\/bin\/[^/]+$/, '/lib');
  const lib = `${dir}/${fs.readdirSync(dir).find((f) => /^libpython.*\.so\.1\.0$/.test(f))}`;
  const elf = readElf(lib);
  const nm = (args: string[]): Map<string, number> => new Map(execFileSync('nm', args, { encoding: 'utf8', maxBuffer: 64 << 20 })
    .split('\n').map((l) => l.split(' ')).filter((p) => p.length === 3).map((p) => [p[2]!, parseInt(p[0]!, 16)]));
  const dyn = nm(['-D', '--defined-only', lib]);
  for (const name of ['PyCode_Type', 'PyInterpreterState_Head', '_PyThreadState_Current', '_PyRuntime']) {
    if (dyn.has(name)) t.is(elf.symbols.get(name)?.value, dyn.get(name), name);
  }
  if (py.minor === '2.7') t.is(elf.symbols.get('interp_head')?.value, nm(['--defined-only', lib]).get('interp_head'));
  t.is(elf.type, 3);
  t.true(elf.hasSymtab);
  if (fs.existsSync('/usr/bin/python3.11')) {
    const deb = readElf('/usr/bin/python3.11');
    t.is(deb.type, 2);
    t.false(deb.hasSymtab);
    t.true(deb.symbols.has('_PyRuntime'));
  }
  t.throws(() => readElf('/proc/self/status'), { message: /not an ELF file/ });
});

test('thread ids before 3.11: the struct pthread offset whose words are the live TIDs', (t) => {
  const mem = new FakeMemory();
  const live = new Set([100, 101, 102]);
  [[0x10000, 100], [0x20000, 102]].forEach(([at, tid]) => {
    const b = mem.alloc(at!, 1024);
    b.writeInt32LE(101, 0x40); // a live TID in one block only: not the field
    b.writeInt32LE(tid!, 0x2d0);
  });
  t.is(findTidOffset(mem, [0x10000, 0x20000], live), 0x2d0);
  t.is(findTidOffset(mem, [0x30000], live), undefined);
});

// ---- corrupt targets --------------------------------------------------------------------

const INTERP = 0x100000;
const TS = 0x200000;
const FRAMES = 0x300000;
const CODE = 0x400000;

/** A 3.10 process with one thread whose frames are at FRAMES + 128*i, linked by `links`. */
/** Writes a 3.11+ code object at CODE with its file, qualified name and location-table entries (bytes from offset 32 of a bytes object). */
function code311(
  mem: FakeMemory,
  l: Layout,
  c: { file: string; name: string; firstLine?: number; firstTraceable: number; entries: number[]; type?: bigint },
): void {
  const code = mem.alloc(CODE, 256);
  if (c.type !== undefined) code.writeBigUInt64LE(c.type, l.obType);
  code.writeInt32LE(c.firstTraceable, l.code.firstTraceable!);
  if (c.firstLine !== undefined) code.writeInt32LE(c.firstLine, l.code.firstlineno);
  code.writeBigUInt64LE(BigInt(CODE + 0x1000), l.code.filename);
  code.writeBigUInt64LE(BigInt(CODE + 0x2000), l.code.qualname!);
  code.writeBigUInt64LE(BigInt(CODE + 0x3000), l.code.lines);
  unicode(mem, CODE + 0x1000, l, c.file);
  unicode(mem, CODE + 0x2000, l, c.name);
  const lt = mem.alloc(CODE + 0x3000, 40);
  lt.writeBigInt64LE(BigInt(c.entries.length), 16);
  c.entries.forEach((e, i) => lt.writeUInt8(e, 32 + i));
}

function image310(links: (number | null)[]): FakeMemory {
  const mem = new FakeMemory();
  mem.alloc(INTERP, 64).writeBigUInt64LE(BigInt(TS), L310.interp.threadsHead);
  const ts = mem.alloc(TS, 512);
  ts.writeBigUInt64LE(BigInt(INTERP), L310.tstate.interp);
  ts.writeBigUInt64LE(0x7f0000001000n, L310.tstate.threadId);
  ts.writeBigUInt64LE(BigInt(FRAMES), L310.tstate.frame);
  const f = L310.frame as { back: number; code: number; lasti: number };
  const frames = mem.alloc(FRAMES, 128 * links.length);
  links.forEach((to, i) => {
    frames.writeBigUInt64LE(BigInt(CODE), i * 128 + f.code);
    frames.writeBigUInt64LE(to === null ? 0n : BigInt(to < 0 ? 0xdead0000 : FRAMES + 128 * to), i * 128 + f.back);
  });
  const code = mem.alloc(CODE, 256);
  code.writeInt32LE(7, L310.code.firstlineno);
  code.writeBigUInt64LE(BigInt(CODE + 0x1000), L310.code.filename);
  code.writeBigUInt64LE(BigInt(CODE + 0x2000), L310.code.name);
  code.writeBigUInt64LE(BigInt(CODE + 0x3000), L310.code.lines);
  unicode(mem, CODE + 0x1000, L310, 'f.py');
  unicode(mem, CODE + 0x2000, L310, 'g');
  const lines = mem.alloc(CODE + 0x3000, 40); // co_linetable: 8 bytes of code on line firstlineno
  lines.writeBigInt64LE(2n, L310.bytes.size);
  lines.writeUInt8(8, L310.bytes.data);
  return mem;
}

const reader = (mem: FakeMemory, l: Layout = L310) => pythonReader({ mem, layout: l, interp: INTERP });

test('a frame chain that loops is cut at the last good frame', (t) => {
  const r = reader(image310([1, 2, 0]));
  const [raw] = r.capture();
  const s = r.resolve(raw!);
  t.is(s.error, 'frame chain loops');
  t.is(s.frames.length, 3);
  t.deepEqual(s.frames[0], { file: 'f.py', name: 'g', line: 7, code: CODE });
});

test('an unreadable frame truncates the stack and says why', (t) => {
  const s = reader(image310([1, -1])).capture()[0]!;
  t.regex(s.error!, /frame at 0xdead0000 unreadable/);
  t.is(s.frames.length / 3, 2);
});

test('frame chains are bounded', (t) => {
  const links = Array.from({ length: MAX_FRAMES + 10 }, (_, i) => i + 1);
  links[links.length - 1] = null as never;
  const s = reader(image310(links)).capture()[0]!;
  t.regex(s.error!, /more than 4096 frames/);
  t.is(s.frames.length / 3, MAX_FRAMES);
});

test('a thread list that loops or leaves the interpreter ends with an error thread', (t) => {
  const loop = new FakeMemory();
  loop.alloc(INTERP, 64).writeBigUInt64LE(BigInt(TS), L310.interp.threadsHead);
  const a = loop.alloc(TS, 512);
  a.writeBigUInt64LE(BigInt(INTERP), L310.tstate.interp);
  a.writeBigUInt64LE(BigInt(TS), L310.tstate.next);
  const threads = reader(loop).capture();
  t.is(threads.length, 2);
  t.is(threads[1]!.error, 'thread list loops');
  a.writeBigUInt64LE(BigInt(INTERP + 8), L310.tstate.interp);
  t.regex(reader(loop).capture()[0]!.error!, /another interpreter/);
});

test('capture throws only when the thread list itself is unreadable', (t) => {
  t.throws(() => reader(new FakeMemory()).capture(), { message: /thread list at 0x100000 cannot be read/ });
});

test('an unreadable code object becomes a ? frame, the rest of the stack is kept', (t) => {
  const mem = image310([1, null]);
  const r = reader(mem);
  const raw = r.capture()[0]!;
  raw.frames[0] = 0xbad000;
  const s = r.resolve(raw);
  t.deepEqual(s.frames.map((f) => f.name), ['?', 'g']);
  t.regex(s.error!, /code object at 0xbad000/);
});

test('3.12: C-stack shim frames are skipped and non-code executables never decoded', (t) => {
  const mem = new FakeMemory();
  mem.alloc(INTERP, 128).writeBigUInt64LE(BigInt(TS), L312.interp.threadsHead);
  const ts = mem.alloc(TS, 512);
  ts.writeBigUInt64LE(BigInt(INTERP), L312.tstate.interp);
  ts.writeBigUInt64LE(BigInt(TS + 400), L312.tstate.frame); // cframe
  ts.writeBigUInt64LE(BigInt(FRAMES), 400 + L312.cframeCurrent!); // cframe->current_frame
  const f = L312.frame as { code: number; previous: number; instr: number; owner: number };
  const fr = mem.alloc(FRAMES, 512);
  fr.writeBigUInt64LE(BigInt(CODE), f.code);
  fr.writeBigUInt64LE(BigInt(CODE + L312.code.codeAdaptive! + 4), f.instr);
  fr.writeBigUInt64LE(BigInt(FRAMES + 128), f.previous);
  fr.writeUInt8(3, 128 + f.owner); // shim
  fr.writeBigUInt64LE(0xdead0000n, 128 + f.code);
  fr.writeBigUInt64LE(BigInt(FRAMES + 256), 128 + f.previous);
  fr.writeBigUInt64LE(BigInt(CODE + 0x800), 256 + f.code); // an owner-0 frame whose executable is None
  mem.alloc(CODE + 0x800, 16).writeBigUInt64LE(0x6000n, L312.obType);
  // one entry: one-line form, +1, 8 units
  code311(mem, L312, { file: 'm.py', name: 'K.m', firstTraceable: 0, entries: [0x80 | (11 << 3) | 7], type: 0x5000n });
  const r = pythonReader({ mem, layout: L312, interp: INTERP }, 0x5000);
  const s = r.resolve(r.capture()[0]!);
  t.deepEqual(s.frames, [{ file: 'm.py', name: 'K.m', line: 1, code: CODE }]);
  t.is(s.error, undefined);
});

test('threads of sub-interpreters are found through interp->next, each checked against its own interpreter', (t) => {
  const sub = INTERP + 0x10000;
  const regions = new FakeMemory();
  const interp = regions.alloc(INTERP, 64);
  interp.writeBigUInt64LE(BigInt(sub), L310.interp.next);
  interp.writeBigUInt64LE(BigInt(TS), L310.interp.threadsHead);
  regions.alloc(sub, 64).writeBigUInt64LE(BigInt(TS + 0x1000), L310.interp.threadsHead);
  for (const [at, owner, id] of [[TS, INTERP, 1], [TS + 0x1000, sub, 2]] as const) {
    const ts = regions.alloc(at, 512);
    ts.writeBigUInt64LE(BigInt(owner), L310.tstate.interp);
    ts.writeBigUInt64LE(BigInt(id), L310.tstate.threadId);
  }
  t.deepEqual(reader(regions).capture().map((r) => [r.threadId, r.error]), [[1, undefined], [2, undefined]]);
});

test('3.11: incomplete frames (first instructions not run yet) are hidden unless a generator owns them', (t) => {
  const L311 = LAYOUTS['3.11']!;
  const f = L311.frame as { code: number; previous: number; instr: number; owner: number };
  const build = (owner: number): FakeMemory => {
    const mem = new FakeMemory();
    mem.alloc(INTERP, 64).writeBigUInt64LE(BigInt(TS), L311.interp.threadsHead);
    const ts = mem.alloc(TS, 512);
    ts.writeBigUInt64LE(BigInt(INTERP), L311.tstate.interp);
    ts.writeBigUInt64LE(BigInt(TS + 400), L311.tstate.frame);
    ts.writeBigUInt64LE(BigInt(FRAMES), 400 + L311.cframeCurrent!);
    const fr = mem.alloc(FRAMES, 256);
    // innermost: still in its prologue (offset 2 < 2 * _co_firsttraceable = 8); then a running frame
    fr.writeBigUInt64LE(BigInt(CODE), f.code);
    fr.writeBigUInt64LE(BigInt(CODE + L311.code.codeAdaptive! + 2), f.instr);
    fr.writeUInt8(owner, f.owner);
    fr.writeBigUInt64LE(BigInt(FRAMES + 128), f.previous);
    fr.writeBigUInt64LE(BigInt(CODE), 128 + f.code);
    fr.writeBigUInt64LE(BigInt(CODE + L311.code.codeAdaptive! + 10), 128 + f.instr);
    // entries: [0,8) line 30, [8,16) line 32
    code311(mem, L311, { file: 'w.py', name: 'f', firstLine: 30, firstTraceable: 4, entries: [0x80 | (10 << 3) | 3, 0x80 | (12 << 3) | 3] });
    return mem;
  };
  const lines = (owner: number): number[] => {
    const r = reader(build(owner), L311);
    return r.resolve(r.capture()[0]!).frames.map((x) => x.line);
  };
  t.deepEqual(lines(0), [32]);
  t.deepEqual(lines(1), [30, 32]);
});

test('a code object freed and replaced at the same address is read again in the next sample', (t) => {
  const mem = image310([null]);
  const r = reader(mem);
  const raw = r.capture()[0]!;
  t.is(r.resolve(raw).frames[0]!.name, 'g');
  unicode(mem, CODE + 0x5000, L310, 'h');
  const name = Buffer.alloc(8);
  name.writeBigUInt64LE(BigInt(CODE + 0x5000));
  mem.write(CODE + L310.code.name, name);
  t.is(r.resolve(raw).frames[0]!.name, 'g', 'within one sample the cache is trusted');
  t.is(r.resolve(r.capture()[0]!).frames[0]!.name, 'h', 'the next sample sees the new code object');
});

test('the pointer scan rejects structs that merely point at each other', (t) => {
  const mem = image310([null]);
  const codeType = Buffer.alloc(8);
  codeType.writeBigUInt64LE(0x5000n);
  mem.write(CODE + L310.obType, codeType);
  const FAKE = 0x180000;
  const data = mem.alloc(0x10000, 0x1000); // the image's writable data: a decoy first, then the real pointer
  data.writeBigUInt64LE(BigInt(FAKE), 0);
  data.writeBigUInt64LE(BigInt(INTERP), 8);
  mem.alloc(FAKE, 64).writeBigUInt64LE(BigInt(FAKE + 0x8000), L310.interp.threadsHead);
  mem.alloc(FAKE + 0x8000, 512).writeBigUInt64LE(BigInt(FAKE), L310.tstate.interp); // passes the back-pointer test
  const maps = parseMaps([
    '10000-11000 rw-p 00002000 08:01 7 /lib/libpython3.10.so.1.0',
    '100000-500000 rw-p 00000000 00:00 0 [heap]',
  ].join('\n'));
  const tried: number[] = [];
  const hit = scanForInterp(mem, maps, '/lib/libpython3.10.so.1.0', L310, (interp) => {
    tried.push(interp);
    return validates({ mem, layout: L310, interp }, 0x5000);
  });
  t.deepEqual(tried, [FAKE, INTERP]);
  t.deepEqual(hit, { interp: INTERP, at: 0x10008 });
});

test('≤3.10 frames sharing a page cost one read; a frame across a page end is read alone', (t) => {
  const mem = new FakeMemory();
  mem.alloc(INTERP, 64).writeBigUInt64LE(BigInt(TS), L310.interp.threadsHead);
  const ts = mem.alloc(TS, 512);
  ts.writeBigUInt64LE(BigInt(INTERP), L310.tstate.interp);
  ts.writeBigUInt64LE(BigInt(FRAMES), L310.tstate.frame);
  const f = L310.frame as { back: number; code: number; lasti: number };
  const pages = mem.alloc(FRAMES, 8192);
  const at = [0, 512, 1024, 4096 - 64, 4096 + 256]; // the fourth crosses into the second page
  at.forEach((o, i) => {
    pages.writeBigUInt64LE(BigInt(CODE + i), o + f.code);
    pages.writeInt32LE(i, o + f.lasti);
    pages.writeBigUInt64LE(i + 1 < at.length ? BigInt(FRAMES + at[i + 1]!) : 0n, o + f.back);
  });
  const walker = new StackWalker({ mem, layout: L310, interp: INTERP });
  const raw = walker.capture()[0]!;
  t.deepEqual(Array.from(raw.frames), at.flatMap((_, i) => [CODE + i, i * 2, 0]));
  // the interpreter, the thread state, the first page, the frame across its end, the second page
  t.is(walker.reads, 5);
});

// ---- the native walker's batch and plan -------------------------------------------------------

const codesOf = (frames: Float64Array): number[] => Array.from(frames).filter((_, i) => i % 3 === 0);

test('a capture reads the places of the one before again, and sees what changed in between', (t) => {
  const mem = image310([1, 2, null]);
  const walker = new StackWalker({ mem, layout: L310, interp: INTERP });
  t.deepEqual(codesOf(walker.capture()[0]!.frames), [CODE, CODE, CODE]);
  const other = Buffer.alloc(8);
  other.writeBigUInt64LE(BigInt(CODE + 8));
  mem.write(FRAMES + 128 + (L310.frame as { code: number }).code, other); // the middle frame now runs other code
  t.deepEqual(codesOf(walker.capture()[0]!.frames), [CODE, CODE + 8, CODE]);
});

test('a place that can no longer be read is left out of the batch, and the rest is still served', (t) => {
  const mem = image310([1, 2, null]);
  const walker = new StackWalker({ mem, layout: L310, interp: INTERP });
  t.is(walker.capture()[0]!.frames.length, 9);
  // The frames' memory shrinks to the first two frames: the third, read last time, is gone.
  const frames = Buffer.from(mem.read(FRAMES, 256));
  mem.remove(FRAMES);
  mem.put(FRAMES, frames);
  const raw = walker.capture()[0]!;
  t.is(raw.frames.length, 6);
  t.is(raw.error, `frame at 0x${(FRAMES + 256).toString(16)} unreadable`);
});

test('the native walker refuses a plan whose offsets fall outside the bytes it copies', (t) => {
  const plan = planFor({ mem: new FakeMemory(), layout: L310, interp: INTERP });
  t.notThrows(() => native().walker(plan));
  t.throws(() => native().walker({ ...plan, tsFrame: plan.tsSpan }), { message: /outside its struct's span/ });
  t.throws(() => native().walker({ ...plan, code: plan.frameSpan - 4 }), { message: /outside its struct's span/ });
  t.throws(() => native().walker({ ...plan, interp: 'x' as never }), { message: /plan\.interp must be a number/ });
});

test('a walk that stops threads must be given a process, and a whole stop request', (t) => {
  const w = native().walker(planFor({ mem: new FakeMemory(), layout: L310, interp: INTERP }));
  const out = new Float64Array(64);
  const stop = { tids: Int32Array.from([1]), outcomes: new Int32Array(1), held: new Float64Array(1), timeoutMs: 1, keepExitOf: 0, lateWaitMs: 1 };
  t.throws(() => native().walk(w, [], null, out, stop), { message: /a stop needs a pid/ });
  t.throws(() => native().walk(w, process.pid, null, out, { ...stop, outcomes: new Int32Array(0) }), { message: /Usage: walk/ });
  t.throws(() => native().walk(w, process.pid, null, out, { ...stop, lateWaitMs: 'x' as never }), { message: /Usage: walk/ });
  t.throws(() => native().walk(w, process.pid, null, out, { ...stop, held: new Float64Array(0) }), { message: /Usage: walk/ });
  t.is(native().attached(), 0, 'nothing was stopped');
});
