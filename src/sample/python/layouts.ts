// Struct layouts of every supported CPython, as data. One walker reads all of
// them; a version is a row here, resolved once when the process is opened.
// Byte offsets for x86_64, verified per version with offsetof() against the
// headers and with gdb against libpython's DWARF (C and gdb agree everywhere).

import type { LineFormat } from './linetable';

export interface Layout {
  /** "3.12": the minor version this layout describes. */
  family: string;
  /** How the GIL holder is found. */
  gil: 'tstate-current-symbol' | 'runtime-tstate-current' | 'interp-gil';
  /** _PyRuntimeState (3.7+): where the interpreter list and (3.7–3.11) the GIL holder are. */
  runtime?: { interpretersHead: number; tstateCurrent?: number };
  interp: { next: number; threadsHead: number; gilPtr?: number };
  /** _gil_runtime_state: last_holder and locked (3.12+ through interp->ceval.gil). */
  gilState: { lastHolder: number; locked: number };
  tstate: {
    next: number;
    interp: number;
    threadId: number;
    nativeThreadId?: number;
    /** ≤3.10: PyFrameObject*; 3.11/3.12: _PyCFrame*; 3.13+: _PyInterpreterFrame*. */
    frame: number;
    frameVia: 'frame' | 'cframe' | 'current';
    datastackChunk?: number;
    datastackTop?: number;
  };
  /** _PyCFrame.current_frame (3.11, 3.12). */
  cframeCurrent?: number;
  frame: ObjectFrame | InterpreterFrame;
  code: {
    filename: number;
    name: number;
    qualname?: number;
    firstlineno: number;
    lines: number;
    lineFormat: LineFormat;
    /** 3.11+: start of the bytecode inside the code object. */
    codeAdaptive?: number;
    /** 3.11+: _co_firsttraceable (int), for the incomplete-frame test; absent = unknown. */
    firstTraceable?: number;
  };
  /** 2.7: PyStringObject; 3.x: PEP 393 unicode (compact size = ascii size + 16). */
  str:
    | { kind: 'bytes'; size: number; data: number }
    | { kind: 'unicode'; length: number; state: number; asciiSize: number; compactSize: number };
  bytes: { size: number; data: number };
  obType: number;
}

/** PyFrameObject chains (≤3.10): every frame is a Python frame. */
export interface ObjectFrame {
  kind: 'object';
  back: number;
  code: number;
  lasti: number;
  /** f_lasti counts bytes (≤3.9) or 2-byte code units (3.10). */
  lastiUnit: 1 | 2;
}

/** _PyInterpreterFrame chains (3.11+). */
export interface InterpreterFrame {
  kind: 'interpreter';
  size: number;
  code: number;
  previous: number;
  instr: number;
  owner: number;
  ownerGenerator: number;
  /** Owner values of frames that are not Python frames (C-stack shims, interpreter-owned). */
  skipOwners: number[];
  /** 3.14+: f_executable is a tagged _PyStackRef; clear this many low bits. */
  tagBits: number;
}

const GIL = { lastHolder: 8, locked: 16 };
const UNI_OLD = { kind: 'unicode' as const, length: 16, state: 32, asciiSize: 48, compactSize: 72 };
const UNI_NEW = { kind: 'unicode' as const, length: 16, state: 32, asciiSize: 40, compactSize: 56 };
const BYTES = { size: 16, data: 32 };

function objectFrame(lasti: number, unit: 1 | 2): ObjectFrame {
  return { kind: 'object', back: 24, code: 32, lasti, lastiUnit: unit };
}

function pre311(family: string, o: {
  runtime?: Layout['runtime']; tstate: { next: number; interp: number; frame: number; threadId: number };
  lasti: number; unit: 1 | 2; code: [number, number, number, number]; lineFormat: LineFormat;
}): Layout {
  const [filename, name, firstlineno, lines] = o.code;
  return {
    family,
    gil: o.runtime ? 'runtime-tstate-current' : 'tstate-current-symbol',
    runtime: o.runtime,
    interp: { next: 0, threadsHead: 8 },
    gilState: GIL,
    tstate: { ...o.tstate, frameVia: 'frame' },
    frame: objectFrame(o.lasti, o.unit),
    code: { filename, name, firstlineno, lines, lineFormat: o.lineFormat },
    str: family === '2.7' ? { kind: 'bytes', size: 16, data: 36 } : UNI_OLD,
    bytes: family === '2.7' ? { size: 16, data: 36 } : BYTES,
    obType: 8,
  };
}

const T36 = { next: 8, interp: 16, frame: 24, threadId: 152 };
const T37 = { next: 8, interp: 16, frame: 24, threadId: 176 };

/** Layouts keyed by "major.minor". 3.7 before 3.7.4 differs, see layoutFor. */
export const LAYOUTS: Record<string, Layout> = {
  '2.7': pre311('2.7', { tstate: { next: 0, interp: 8, frame: 16, threadId: 144 }, lasti: 120, unit: 1,
    code: [80, 88, 96, 104], lineFormat: 'lnotab-u8' }),
  '3.6': pre311('3.6', { tstate: T36, lasti: 120, unit: 1, code: [96, 104, 36, 112], lineFormat: 'lnotab-i8' }),
  '3.7': pre311('3.7', { runtime: { interpretersHead: 24, tstateCurrent: 1480 }, tstate: T37, lasti: 104, unit: 1,
    code: [96, 104, 36, 112], lineFormat: 'lnotab-i8' }),
  '3.8': pre311('3.8', { runtime: { interpretersHead: 32, tstateCurrent: 1368 }, tstate: T37, lasti: 104, unit: 1,
    code: [104, 112, 40, 120], lineFormat: 'lnotab-i8' }),
  '3.9': pre311('3.9', { runtime: { interpretersHead: 32, tstateCurrent: 568 }, tstate: T37, lasti: 104, unit: 1,
    code: [104, 112, 40, 120], lineFormat: 'lnotab-i8' }),
  '3.10': pre311('3.10', { runtime: { interpretersHead: 32, tstateCurrent: 568 }, tstate: T37, lasti: 96, unit: 2,
    code: [104, 112, 40, 120], lineFormat: 'linetable-310' }),
  '3.11': {
    family: '3.11',
    gil: 'runtime-tstate-current',
    runtime: { interpretersHead: 40, tstateCurrent: 576 },
    interp: { next: 0, threadsHead: 16 },
    gilState: GIL,
    tstate: { next: 8, interp: 16, frame: 56, frameVia: 'cframe', threadId: 152, nativeThreadId: 160,
      datastackChunk: 296, datastackTop: 304 },
    cframeCurrent: 8,
    frame: { kind: 'interpreter', size: 80, code: 32, previous: 48, instr: 56, owner: 69, ownerGenerator: 1,
      skipOwners: [], tagBits: 0 },
    code: { filename: 112, name: 120, qualname: 128, firstlineno: 72, lines: 136, lineFormat: 'locations-311',
      codeAdaptive: 184, firstTraceable: 168 },
    str: UNI_OLD,
    bytes: BYTES,
    obType: 8,
  },
  '3.12': {
    family: '3.12',
    gil: 'interp-gil',
    runtime: { interpretersHead: 40 },
    interp: { next: 0, threadsHead: 72, gilPtr: 384 },
    gilState: GIL,
    tstate: { next: 8, interp: 16, frame: 56, frameVia: 'cframe', threadId: 136, nativeThreadId: 144,
      datastackChunk: 232, datastackTop: 240 },
    cframeCurrent: 0,
    frame: { kind: 'interpreter', size: 80, code: 0, previous: 8, instr: 56, owner: 70, ownerGenerator: 1,
      skipOwners: [3], tagBits: 0 },
    code: { filename: 112, name: 120, qualname: 128, firstlineno: 68, lines: 136, lineFormat: 'locations-311',
      codeAdaptive: 192, firstTraceable: 176 },
    str: UNI_NEW,
    bytes: BYTES,
    obType: 8,
  },
  '3.13': {
    family: '3.13',
    gil: 'interp-gil',
    runtime: { interpretersHead: 632 },
    interp: { next: 7264, threadsHead: 7344, gilPtr: 16 },
    gilState: GIL,
    tstate: { next: 8, interp: 16, frame: 72, frameVia: 'current', threadId: 152, nativeThreadId: 160,
      datastackChunk: 232, datastackTop: 240 },
    frame: { kind: 'interpreter', size: 80, code: 0, previous: 8, instr: 56, owner: 70, ownerGenerator: 1,
      skipOwners: [3], tagBits: 0 },
    code: { filename: 112, name: 120, qualname: 128, firstlineno: 68, lines: 136, lineFormat: 'locations-311',
      codeAdaptive: 200, firstTraceable: 184 },
    str: UNI_NEW,
    bytes: BYTES,
    obType: 8,
  },
};

/** The layout for a version, or undefined when there is no table for it. */
export function layoutFor(major: number, minor: number, micro: number | undefined): Layout | undefined {
  const base = LAYOUTS[`${major}.${minor}`];
  if (base && major === 3 && minor === 7 && micro !== undefined && micro < 4) {
    // 3.7.0–3.7.3 keep gilstate.tstate_current 88 bytes earlier (from the 3.7.3 headers).
    return { ...base, runtime: { interpretersHead: 24, tstateCurrent: 1392 } };
  }
  return base;
}

/** Bytes of a thread state that the walker needs: one read per thread. */
export function tstateSpan(l: Layout): number {
  const t = l.tstate;
  return Math.max(t.next, t.interp, t.threadId, t.nativeThreadId ?? 0, t.frame, t.datastackChunk ?? 0, t.datastackTop ?? 0) + 8;
}

/** Bytes of a frame that the walker needs. */
export function frameSpan(l: Layout): number {
  const f = l.frame;
  return f.kind === 'object' ? Math.max(f.back, f.code, f.lasti) + 8 : Math.max(f.size, f.owner + 1, f.instr + 8, f.previous + 8);
}

/** Bytes of a code object that resolve() needs. */
export function codeSpan(l: Layout): number {
  const c = l.code;
  return Math.max(c.filename, c.name, c.qualname ?? 0, c.firstlineno, c.lines, c.codeAdaptive ?? 0, c.firstTraceable ?? 0) + 8;
}
