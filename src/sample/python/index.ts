// openPython: find and check the interpreter of a live process, then sample it
// in two phases: copy() while the target is stopped (addresses only) and
// collect() and resolve() after it is resumed (strings and line numbers,
// through a cache).

import { ToolError } from '../../tool';
import type { StopRequest } from '../native';
import { CodeCache, type Frame } from './codecache';
import { DebugOffsetsError, hasCookie, layoutFromDebugOffsets } from './debug-offsets';
import { layoutFor, type Layout } from './layouts';
import { findImage, findVersion, imageAddr, locateInterp, notInitialised, readProcess, runtimeAddr, validates, versionNotWritten, type Image } from './locate';
import { isPtr, ptr, type Memory } from './memory';
import type { Interpreter, RawThread } from './threads';
import { TaskIds, ThreadIdMap } from './tid';
import { versionText, type PyVersion } from './version';
import { FRAME_STRIDE, StackWalker } from './walk';

export type { Memory } from './memory';
export type { RawThread, Interpreter, ThreadIds } from './threads';
export type { Frame } from './codecache';

export interface OpenOptions {
  /** Directory through which the target's files are opened; default `/proc/PID/root`. */
  root?: string;
  /** How to find the interpreter: 'auto' (symbols, then scanning) or 'scan' (always scan; for tests). */
  locate?: 'auto' | 'scan';
}

export interface ThreadStack {
  threadId: number;
  nativeTid?: number;
  holdsGil: boolean;
  /** Innermost first; `name` is the qualified name where the version has one (3.11+). */
  frames: Frame[];
  error?: string;
}

export interface PythonProcess {
  readonly version: string;
  readonly executable: string;
  /** 'symbol' | 'debug-offsets' | 'disassembly' | 'scan'. */
  readonly foundBy: string;
  /** The layout in use (from the table, or from the target's _Py_DebugOffsets). */
  readonly layout: Layout;
  /** Phase 1, while the running threads are stopped: copies the stacks (addresses only), with no
   *  allocation. Given `running` (their OS thread ids), the frames of the other threads are left
   *  for captureRest(); without it every stack is copied. Given `stop`, the threads are stopped
   *  for the copy and resumed before it returns, in one native call. */
  copy(running?: ReadonlySet<number>, stop?: StopRequest): void;
  /** Right after: the threads the last copy() found. Throws when the thread list was unreadable. */
  collect(): RawThread[];
  /** copy() and collect() in one. */
  capture(running?: ReadonlySet<number>): RawThread[];
  /** Phase 1b, right after the resume: copies the stacks copy() left for later. */
  captureRest(raws: RawThread[]): void;
  /** Phase 2: decodes one thread (completing its capture first if captureRest was not called). */
  resolve(raw: RawThread): ThreadStack;
  /** The reads (system calls) the last capture made. */
  captureReads(): number;
}

export function openPython(pid: number, mem: Memory, opts: OpenOptions = {}): PythonProcess {
  const root = opts.root ?? `/proc/${pid}/root`;
  const files = readProcess(pid);
  const img = findImage(pid, files, root);
  const found = findVersion(mem, img, files);
  if (!found) {
    if (versionNotWritten(mem, img)) throw notInitialised(pid, img);
    throw new ToolError(`cannot tell which Python version pid ${pid} runs (${img.path}): neither its memory nor its file names say`);
  }
  const { layout, fromDebug } = chooseLayout(pid, img.path, found.version, debugHead(mem, img, found.version));
  const codeType = imageAddr(img, 'PyCode_Type');
  const tids = new ThreadIdMap(mem, new TaskIds(pid));
  // Candidates are checked without thread ids, which would learn from a false candidate.
  const accept = (interp: number): boolean => validates({ mem, layout, interp }, codeType);
  const at = locateInterp(pid, mem, img, files, layout, opts.locate ?? 'auto', accept);
  const ip: Interpreter = { mem, layout, interp: at.interp, tids };
  const runtime = at.runtime;
  if (layout.gil === 'tstate-current-symbol') ip.tstateCurrentAddr = imageAddr(img, '_PyThreadState_Current');
  else if (layout.gil === 'runtime-tstate-current' && runtime !== undefined && layout.runtime?.tstateCurrent !== undefined) {
    ip.tstateCurrentAddr = runtime + layout.runtime.tstateCurrent;
  } else if (layout.gil === 'interp-gil' && layout.interp.gilPtr !== undefined) {
    try {
      const g = ptr(mem.read(ip.interp + layout.interp.gilPtr, 8), 0);
      if (isPtr(g)) ip.gilAddr = g;
    } catch {
      // no GIL information: every thread reports holdsGil false
    }
  }
  // ≤3.10: learn where struct pthread keeps the tid from all threads at once.
  if (layout.tstate.nativeThreadId === undefined) {
    try {
      tids.learn(new StackWalker({ ...ip, tids: undefined }).capture().map((t) => t.threadId).filter((id) => id !== 0));
    } catch {
      // the first capture tries again
    }
  }
  return {
    version: versionText(found.version),
    executable: img.path,
    foundBy: fromDebug && at.how === 'symbol' ? 'debug-offsets' : at.how,
    layout,
    ...pythonReader(ip, codeType),
  };
}

/** The sampling calls over an interpreter whose layout and address are known. */
export function pythonReader(ip: Interpreter, codeType?: number):
  Pick<PythonProcess, 'copy' | 'collect' | 'capture' | 'captureRest' | 'resolve' | 'captureReads'> {
  const cache = new CodeCache(ip.mem, ip.layout, codeType);
  const walker = new StackWalker(ip);
  const copy = (running?: ReadonlySet<number>, stop?: StopRequest): void => {
    cache.newSample();
    walker.copy(running, stop);
  };
  return {
    copy,
    collect: () => walker.collect(),
    capture: (running) => {
      copy(running);
      return walker.collect();
    },
    captureRest: (raws) => walker.captureRest(raws),
    resolve: (raw) => {
      if (raw.pending) walker.captureRest([raw]);
      return resolveThread(cache, raw);
    },
    captureReads: () => walker.reads,
  };
}

/** The first bytes of _PyRuntime on 3.13+, where _Py_DebugOffsets may be. */
function debugHead(mem: Memory, img: Image, v: PyVersion): Buffer | undefined {
  const rt = runtimeAddr(img);
  if (v.major !== 3 || v.minor < 13 || rt === undefined) return undefined;
  try {
    return mem.read(rt, 1024);
  } catch {
    return undefined;
  }
}

const SUPPORTED = 'pysample supports CPython 2.7 and 3.6 to 3.14';

/** The layout for a version: the target's own _Py_DebugOffsets when present (3.13+), else the table.
 *  Throws ToolError naming the version when neither describes it. */
export function chooseLayout(pid: number, image: string, v: PyVersion, head?: Buffer): { layout: Layout; fromDebug: boolean } {
  const name = versionText(v);
  if (head && hasCookie(head)) {
    try {
      return { layout: layoutFromDebugOffsets(head), fromDebug: true };
    } catch (e) {
      if (e instanceof DebugOffsetsError) {
        throw new ToolError(`unsupported Python version ${name} in pid ${pid}: ${e.message} (${SUPPORTED})`);
      }
      throw e;
    }
  }
  const layout = layoutFor(v.major, v.minor, v.micro);
  if (!layout) throw new ToolError(`unsupported Python version ${name} in pid ${pid} (${image}; ${SUPPORTED})`);
  return { layout, fromDebug: false };
}

function resolveThread(cache: CodeCache, raw: RawThread): ThreadStack {
  const out: ThreadStack = { threadId: raw.threadId, holdsGil: raw.holdsGil, frames: [] };
  if (raw.nativeTid !== undefined) out.nativeTid = raw.nativeTid;
  let error = raw.error;
  const f = raw.frames;
  for (let i = 0; i + 2 < f.length; i += FRAME_STRIDE) {
    const r = cache.frame(f[i]!, f[i + 1]!, f[i + 2]!);
    if (!r) continue;
    out.frames.push(r.frame);
    if (r.error && !error) error = r.error;
  }
  if (error) out.error = error;
  return out;
}
