// _Py_DebugOffsets (3.13+): the interpreter publishes its own struct layout at
// the start of _PyRuntime: cookie "xdebugpy", version (PY_VERSION_HEX), then
// u64 offsets. The struct itself changes between minor versions, so each known
// version has a description below (where each needed u64 sits); supporting a
// new CPython whose layout is unchanged in shape means adding a row here, no code.

import type { Layout } from './layouts';
import { fromHex, versionText } from './version';

export const COOKIE = 'xdebugpy';

/** Fields pysample needs from the debug offsets, by name; values are byte positions inside _Py_DebugOffsets. */
export interface DebugOffsetsShape {
  size: number;
  interpretersHead: number;
  interpNext: number;
  interpThreadsHead: number;
  interpCevalGil: number;
  interpGilState: number;
  interpGilLocked: number;
  interpGilHolder: number;
  tstateNext: number;
  tstateInterp: number;
  tstateCurrentFrame: number;
  tstateThreadId: number;
  tstateNativeThreadId: number;
  tstateDatastackChunk: number;
  frameSize: number;
  framePrevious: number;
  frameExecutable: number;
  frameInstrPtr: number;
  frameOwner: number;
  codeFilename: number;
  codeName: number;
  codeQualname: number;
  codeLinetable: number;
  codeFirstlineno: number;
  codeAdaptive: number;
  obType: number;
  bytesSize: number;
  bytesData: number;
  unicodeState: number;
  unicodeLength: number;
  unicodeAsciiSize: number;
}

/** What the debug offsets do not say but the interpreter's behaviour depends on, per minor version. */
export interface MinorTraits {
  /** Frame owners that are not Python frames: C-stack shims (and 3.14's interpreter-owned frames). */
  skipOwners: number[];
  ownerGenerator: number;
  /** f_executable is a _PyStackRef with this many tag bits (3.14+). */
  tagBits: number;
  /** _co_firsttraceable, when known for this minor (not published in the debug offsets). */
  firstTraceable?: number;
}

export interface DebugDescription { shape: DebugOffsetsShape; traits: MinorTraits }

/** Known _Py_DebugOffsets layouts keyed by "major.minor". */
export const DEBUG_LAYOUTS: Record<string, DebugDescription> = {
  // 3.13.0 Include/internal/pycore_runtime.h, checked against a 3.13.0 build.
  '3.13': {
    shape: {
      size: 584, interpretersHead: 40,
      interpNext: 64, interpThreadsHead: 72, interpCevalGil: 112, interpGilState: 120, interpGilLocked: 136,
      interpGilHolder: 144,
      tstateNext: 168, tstateInterp: 176, tstateCurrentFrame: 184, tstateThreadId: 192, tstateNativeThreadId: 200,
      tstateDatastackChunk: 208,
      frameSize: 224, framePrevious: 232, frameExecutable: 240, frameInstrPtr: 248, frameOwner: 264,
      codeFilename: 280, codeName: 288, codeQualname: 296, codeLinetable: 304, codeFirstlineno: 312,
      codeAdaptive: 344,
      obType: 360, bytesSize: 520, bytesData: 528,
      unicodeState: 544, unicodeLength: 552, unicodeAsciiSize: 560,
    },
    traits: { skipOwners: [3], ownerGenerator: 1, tagBits: 0, firstTraceable: 184 },
  },
  // 3.14.0 Include/internal/pycore_debug_offsets.h (positions from the headers' field order, not
  // yet checked on a 3.14 build): threads_main, code_object_generation, tlbc_generation,
  // stackpointer, tlbc_index, co_tlbc and set_object were inserted.
  '3.14': {
    shape: {
      size: 760, interpretersHead: 40,
      interpNext: 64, interpThreadsHead: 72, interpCevalGil: 120, interpGilState: 128, interpGilLocked: 144,
      interpGilHolder: 152,
      tstateNext: 192, tstateInterp: 200, tstateCurrentFrame: 208, tstateThreadId: 216, tstateNativeThreadId: 224,
      tstateDatastackChunk: 232,
      frameSize: 248, framePrevious: 256, frameExecutable: 264, frameInstrPtr: 272, frameOwner: 288,
      codeFilename: 320, codeName: 328, codeQualname: 336, codeLinetable: 344, codeFirstlineno: 352,
      codeAdaptive: 384,
      obType: 408, bytesSize: 600, bytesData: 608,
      unicodeState: 624, unicodeLength: 632, unicodeAsciiSize: 640,
    },
    // FRAME_OWNED_BY_INTERPRETER = 3, FRAME_OWNED_BY_CSTACK = 4. _co_firsttraceable is not
    // published: a frame caught in its first few (prologue) instructions shows its first line.
    traits: { skipOwners: [3, 4], ownerGenerator: 1, tagBits: 2 },
  },
};

/** Largest plausible value of any offset (PyInterpreterState is ~8 KiB in 3.13). */
const MAX_OFFSET = 1 << 20;

export class DebugOffsetsError extends Error {}

/** Whether a buffer starts with the debug-offsets cookie. */
export function hasCookie(b: Buffer): boolean {
  return b.length >= 16 && b.toString('latin1', 0, 8) === COOKIE;
}

/** PY_VERSION_HEX stored in the debug offsets. */
export function debugVersion(b: Buffer): number {
  return b.readUInt32LE(8);
}

/** Builds a Layout from the raw _Py_DebugOffsets bytes (at least the size of the version's struct).
 *  Throws DebugOffsetsError naming the version when its layout is not known. */
export function layoutFromDebugOffsets(b: Buffer): Layout {
  if (!hasCookie(b)) throw new DebugOffsetsError('no _Py_DebugOffsets cookie');
  const hex = debugVersion(b);
  const v = fromHex(hex);
  const key = v ? `${v.major}.${v.minor}` : '?';
  const desc = DEBUG_LAYOUTS[key];
  if (!v || !desc) {
    const name = v ? versionText(v) : 'unknown';
    throw new DebugOffsetsError(`_Py_DebugOffsets version ${name} (0x${hex.toString(16).padStart(8, '0')}) is not known`);
  }
  if (Number(b.readBigUInt64LE(16)) !== 0) {
    throw new DebugOffsetsError(`free-threaded build of ${versionText(v)} is not supported`);
  }
  const s = desc.shape;
  if (b.length < s.size) throw new DebugOffsetsError(`_Py_DebugOffsets shorter than ${s.size} bytes`);
  const at = (pos: number): number => {
    const x = Number(b.readBigUInt64LE(pos));
    if (x >= MAX_OFFSET) throw new DebugOffsetsError(`_Py_DebugOffsets field at ${pos} is implausible (${x})`);
    return x;
  };
  const gilState = at(s.interpGilState);
  const asciiSize = at(s.unicodeAsciiSize);
  const t = desc.traits;
  return {
    family: key,
    gil: 'interp-gil',
    runtime: { interpretersHead: at(s.interpretersHead) },
    interp: { next: at(s.interpNext), threadsHead: at(s.interpThreadsHead), gilPtr: at(s.interpCevalGil) },
    // The GIL fields are published relative to the interpreter; make them relative to the GIL struct.
    gilState: { lastHolder: at(s.interpGilHolder) - gilState, locked: at(s.interpGilLocked) - gilState },
    tstate: {
      next: at(s.tstateNext), interp: at(s.tstateInterp), threadId: at(s.tstateThreadId),
      nativeThreadId: at(s.tstateNativeThreadId), frame: at(s.tstateCurrentFrame), frameVia: 'current',
      // datastack_top directly follows datastack_chunk in PyThreadState (3.11 to 3.14).
      datastackChunk: at(s.tstateDatastackChunk), datastackTop: at(s.tstateDatastackChunk) + 8,
    },
    frame: {
      kind: 'interpreter', size: at(s.frameSize), code: at(s.frameExecutable), previous: at(s.framePrevious),
      instr: at(s.frameInstrPtr), owner: at(s.frameOwner), ownerGenerator: t.ownerGenerator,
      skipOwners: t.skipOwners, tagBits: t.tagBits,
    },
    code: {
      filename: at(s.codeFilename), name: at(s.codeName), qualname: at(s.codeQualname), firstlineno: at(s.codeFirstlineno),
      lines: at(s.codeLinetable), lineFormat: 'locations-311', codeAdaptive: at(s.codeAdaptive),
      firstTraceable: t.firstTraceable,
    },
    // PyCompactUnicodeObject adds utf8_length and utf8 (16 bytes) to PyASCIIObject.
    str: { kind: 'unicode', length: at(s.unicodeLength), state: at(s.unicodeState), asciiSize, compactSize: asciiSize + 16 },
    bytes: { size: at(s.bytesSize), data: at(s.bytesData) },
    obType: at(s.obType),
  };
}
