// _Py_DebugOffsets: the 3.13 description read from a real 3.13 libpython must
// give exactly the verified 3.13 table; a synthetic 3.14 process image, laid
// out from the published 3.14 struct (field positions follow the field order of
// CPython 3.14.0's headers; no 3.14 build is installed to check them against),
// must be walked and decoded with no 3.14 table; an unknown debug-offsets
// version must fail naming the version.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ToolError } from '../src/tool';
import { layoutFromDebugOffsets } from '../src/sample/python/debug-offsets';
import { fileReader, readElf } from '../src/sample/python/elf';
import { chooseLayout, pythonReader, type Interpreter, type ThreadIds } from '../src/sample/python/index';
import { StackWalker } from '../src/sample/python/walk';
import { LAYOUTS } from '../src/sample/python/layouts';
import { FakeMemory } from './helpers/fake-memory';
import { findInterpreters } from './helpers/interpreters';

const CI = process.env.CI === 'true';

/** The static initializer of _PyRuntime in a 3.13 libpython (or static python) file. */
function runtimeImage(): Buffer | undefined {
  const py = findInterpreters().find((p) => p.minor === '3.13');
  if (!py) return undefined;
  const lib = path.join(path.dirname(path.dirname(py.path)), 'lib', 'libpython3.13.so.1.0');
  const file = fs.existsSync(lib) ? lib : py.path;
  const sec = readElf(file).sections.find((s) => s.name === '.PyRuntime');
  if (!sec) return undefined;
  const f = fileReader(file);
  try {
    return f.read(sec.offset, 1024);
  } finally {
    f.close();
  }
}

test('3.13: the debug offsets in the file equal the verified 3.13 table', (t) => {
  const head = runtimeImage();
  if (!head) return CI ? t.fail('no CPython 3.13 with a .PyRuntime section found') : t.pass('no 3.13 here');
  t.is(head.toString('latin1', 0, 8), 'xdebugpy');
  t.deepEqual(layoutFromDebugOffsets(head), LAYOUTS['3.13']);
});

test('an unknown debug-offsets version fails with a one-line message naming it', (t) => {
  const head = runtimeImage() ?? synthetic314().runtime;
  const future = Buffer.from(head);
  future.writeUInt32LE(0x030f00a1, 8);
  const e = t.throws(() => chooseLayout(4242, '/usr/lib/libpython3.15.so', { major: 3, minor: 15, micro: 0, suffix: 'a1' }, future));
  t.true(e instanceof ToolError);
  t.regex(e!.message, /unsupported Python version 3\.15\.0a1 in pid 4242: _Py_DebugOffsets version 3\.15\.0a1 \(0x030f00a1\) is not known/);
  t.false(e!.message.includes('\n'));
});

test('a version without table or debug offsets is refused by name', (t) => {
  const e = t.throws(() => chooseLayout(7, '/usr/bin/python3.5', { major: 3, minor: 5, micro: 10, suffix: '' }));
  t.regex(e!.message, /^unsupported Python version 3\.5\.10 in pid 7 \(\/usr\/bin\/python3\.5; pysample supports/);
});

// ---- a synthetic 3.14 process ----------------------------------------------------------

const RUNTIME = 0x10000;
const INTERP = 0x20000;
const TS_A = 0x30000;
const TS_B = 0x31000;
const CHUNK = 0x40000;
const GEN_FRAME = 0x50000;
const CODE_TYPE = 0x70000;
/** Thread ids outside a PID namespace: the same on both sides. */
const SAME_IDS: ThreadIds = { pthreadOffset: undefined, learn: () => undefined, outer: (id) => id, inner: (id) => id };
const ADAPTIVE = 216; // co_code_adaptive in this image

/** Offsets the synthetic 3.14 interpreter publishes (values of its own choosing, unlike 3.13's). */
const V = {
  interpretersHead: 712, next: 7200, threadsHead: 7400, cevalGil: 24, gilState: 7800,
  tsNext: 16, tsInterp: 24, tsFrame: 80, tsThreadId: 160, tsNative: 168, tsChunk: 240,
  frPrevious: 16, frExecutable: 0, frInstr: 64, frOwner: 78, frSize: 88,
  coFilename: 120, coName: 128, coQualname: 136, coLinetable: 144, coFirstlineno: 72,
  obType: 8, bytesSize: 16, bytesData: 32, uState: 32, uLength: 16, uAsciiSize: 40,
};

function synthetic314(): { mem: FakeMemory; runtime: Buffer; codes: number[] } {
  const mem = new FakeMemory();
  const rt = mem.alloc(RUNTIME, 1024);
  rt.write('xdebugpy', 0, 'latin1');
  // Every u64 of the struct first holds a decoy, so reading a wrong position shows.
  for (let o = 24; o < 760; o += 8) rt.writeBigUInt64LE(999_000n + BigInt(o), o);
  const put = (pos: number, v: number): void => {
    rt.writeBigUInt64LE(BigInt(v), pos);
  };
  put(8, 0x030e00f0);
  put(16, 0);
  // Absolute positions of the 3.14.0 _Py_DebugOffsets fields.
  put(40, V.interpretersHead);
  put(64, V.next); put(72, V.threadsHead); put(120, V.cevalGil); put(128, V.gilState);
  put(144, V.gilState + 16); put(152, V.gilState + 8);
  put(192, V.tsNext); put(200, V.tsInterp); put(208, V.tsFrame); put(216, V.tsThreadId);
  put(224, V.tsNative); put(232, V.tsChunk);
  put(248, V.frSize); put(256, V.frPrevious); put(264, V.frExecutable); put(272, V.frInstr); put(288, V.frOwner);
  put(320, V.coFilename); put(328, V.coName); put(336, V.coQualname); put(344, V.coLinetable);
  put(352, V.coFirstlineno); put(384, ADAPTIVE);
  put(408, V.obType); put(600, V.bytesSize); put(608, V.bytesData);
  put(624, V.uState); put(632, V.uLength); put(640, V.uAsciiSize);
  rt.writeBigUInt64LE(BigInt(INTERP), V.interpretersHead);

  const interp = mem.alloc(INTERP, 8192);
  interp.writeBigUInt64LE(BigInt(TS_A), V.threadsHead);
  interp.writeBigUInt64LE(BigInt(INTERP + V.gilState), V.cevalGil);
  interp.writeInt32LE(1, V.gilState + 16); // locked
  interp.writeBigUInt64LE(BigInt(TS_B), V.gilState + 8); // held by thread B

  let heap = 0x80000;
  const obj = (len: number): [number, Buffer] => {
    const at = heap;
    heap += Math.ceil((len + 64) / 64) * 64;
    return [at, mem.alloc(at, len)];
  };
  const str = (s: string): number => {
    const [at, b] = obj(V.uAsciiSize + s.length + 1);
    b.writeBigInt64LE(BigInt(s.length), V.uLength);
    b.writeUInt32LE((1 << 2) | (1 << 5) | (1 << 6), V.uState); // kind 1, compact, ascii
    b.write(s, V.uAsciiSize, 'latin1');
    return at;
  };
  const bytes = (data: number[]): number => {
    const [at, b] = obj(V.bytesData + data.length);
    b.writeBigInt64LE(BigInt(data.length), V.bytesSize);
    Buffer.from(data).copy(b, V.bytesData);
    return at;
  };
  const code = (file: string, qualname: string, first: number, table: number[]): number => {
    const [at, b] = obj(ADAPTIVE + 64);
    b.writeBigUInt64LE(BigInt(CODE_TYPE), V.obType);
    b.writeBigUInt64LE(BigInt(str(file)), V.coFilename);
    b.writeBigUInt64LE(BigInt(str(qualname.split('.').pop()!)), V.coName);
    b.writeBigUInt64LE(BigInt(str(qualname)), V.coQualname);
    b.writeBigUInt64LE(BigInt(bytes(table)), V.coLinetable);
    b.writeInt32LE(first, V.coFirstlineno);
    return at;
  };
  const one = (delta: number, units: number): number[] => [0x80 | ((10 + delta) << 3) | (units - 1), 0, 0];
  const handler = code('/srv/app/handlers.py', 'Handler.get', 40, [...one(1, 4), ...one(2, 4)]);
  const gen = code('/srv/app/gen.py', 'Worker.items', 5, one(1, 8));
  const serve = code('/srv/app/server.py', 'serve', 17, one(0, 8));

  const chunk = mem.alloc(CHUNK, 4096);
  const frame = (b: Buffer, o: number, exe: number, instrOff: number, owner: number, prev: number): void => {
    b.writeBigUInt64LE(BigInt(exe), o + V.frExecutable);
    b.writeBigUInt64LE(BigInt(exe - (exe % 8) + ADAPTIVE + instrOff), o + V.frInstr);
    b.writeUInt8(owner, o + V.frOwner);
    b.writeBigUInt64LE(BigInt(prev), o + V.frPrevious);
  };
  // innermost → outermost: handler (tagged executable), C-stack shim (owner 4), generator frame
  // outside the chunk, interpreter-owned frame (owner 3), serve.
  frame(chunk, 24, handler + 1, 10, 0, CHUNK + 224);
  frame(chunk, 224, 0, 0, 4, GEN_FRAME);
  frame(mem.alloc(GEN_FRAME, 4096), 0, gen, 2, 1, CHUNK + 424);
  frame(chunk, 424, 0, 0, 3, CHUNK + 624);
  frame(chunk, 624, serve, 4, 0, 0);

  const a = mem.alloc(TS_A, 512);
  a.writeBigUInt64LE(BigInt(TS_B), V.tsNext);
  a.writeBigUInt64LE(BigInt(INTERP), V.tsInterp);
  a.writeBigUInt64LE(BigInt(CHUNK + 24), V.tsFrame);
  a.writeBigUInt64LE(0x7f00_0000_1000n, V.tsThreadId);
  a.writeBigUInt64LE(4242n, V.tsNative);
  a.writeBigUInt64LE(BigInt(CHUNK), V.tsChunk);
  a.writeBigUInt64LE(BigInt(CHUNK + 1024), V.tsChunk + 8); // datastack_top
  const b = mem.alloc(TS_B, 512);
  b.writeBigUInt64LE(BigInt(INTERP), V.tsInterp);
  b.writeBigUInt64LE(0x7f00_0000_2000n, V.tsThreadId);
  b.writeBigUInt64LE(4243n, V.tsNative);
  return { mem, runtime: rt, codes: [handler, gen, serve] };
}

test('3.14: a synthetic image is walked and decoded through its debug offsets alone', (t) => {
  const { mem, runtime, codes } = synthetic314();
  const { layout, fromDebug } = chooseLayout(1, 'libpython3.14.so', { major: 3, minor: 14, micro: 0, suffix: '' }, runtime);
  t.true(fromDebug);
  t.is(layout.family, '3.14');
  const interp = Number(runtime.readBigUInt64LE(Number(layout.runtime!.interpretersHead)));
  t.is(interp, INTERP);
  const ip: Interpreter = { mem, layout, interp, gilAddr: INTERP + V.gilState, tids: SAME_IDS };
  const reader = pythonReader(ip, CODE_TYPE);
  const raws = reader.capture();
  const walker = new StackWalker(ip);
  t.is(walker.capture().length, 2);
  // the GIL, the interpreter, two thread states, one copy of the data-stack chunk (its frames are
  // not read one by one) and the generator's frame, which lives outside the chunk
  t.is(walker.reads, 6);
  const stacks = raws.map((r) => reader.resolve(r));
  t.deepEqual(stacks, [
    { threadId: 0x7f0000001000, nativeTid: 4242, holdsGil: false, frames: [
      { file: '/srv/app/handlers.py', name: 'Handler.get', line: 43, code: codes[0] },
      { file: '/srv/app/gen.py', name: 'Worker.items', line: 6, code: codes[1] },
      { file: '/srv/app/server.py', name: 'serve', line: 17, code: codes[2] },
    ] },
    { threadId: 0x7f0000002000, nativeTid: 4243, holdsGil: true, frames: [] },
  ]);
});
