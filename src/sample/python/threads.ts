// The thread list and the GIL holder: the part of capture() that runs while the
// target is stopped. One read per thread state (plus, on 3.11+, one read of the
// thread's data-stack chunk so its frames are walked locally).

import type { Layout } from './layouts';
import { tstateSpan } from './layouts';
import { isPtr, ptr, type Memory } from './memory';
import { walkFrames, type StackCopy } from './walk';

export const MAX_THREADS = 4096;
/** Sub-interpreters followed at most. */
const MAX_INTERPRETERS = 64;
/** At most this much of a data-stack chunk is copied (its innermost end). */
const MAX_STACK_COPY = 256 * 1024;

export interface RawThread {
  /** threading.get_ident(): the pthread_t. */
  threadId: number;
  /** OS thread id, when known. */
  nativeTid?: number;
  holdsGil: boolean;
  error?: string;
  /** Address of the thread state. */
  tstate: number;
  /** Flat frames, innermost first: code address, instruction position, flags (see walk.ts). */
  frames: number[];
  /** The thread-state bytes of a thread whose frames are still to be copied (see captureRest). */
  pending?: Buffer;
}

/** Everything capture() needs, resolved once at open. */
export interface Interpreter {
  mem: Memory;
  layout: Layout;
  /** The PyInterpreterState. */
  interp: number;
  /** Where the GIL holder's thread state pointer is (2.7–3.11), when known. */
  tstateCurrentAddr?: number;
  /** The _gil_runtime_state (3.12+), when known. */
  gilAddr?: number;
  /** OS thread id for a thread, given its thread-state bytes; reads, if it must, through `via`. */
  nativeTid(tstate: Buffer, threadId: number, via: Memory): number | undefined;
}

/** The thread state that holds the GIL, 0 for none or unknown. */
export function gilHolder(ip: Interpreter): number {
  try {
    if (ip.layout.gil === 'interp-gil') {
      if (ip.gilAddr === undefined) return 0;
      const g = ip.layout.gilState;
      const b = ip.mem.read(ip.gilAddr, Math.max(g.locked + 4, g.lastHolder + 8));
      // last_holder stays set after a release: only a locked GIL has a holder.
      return b.readInt32LE(g.locked) !== 0 ? ptr(b, g.lastHolder) : 0;
    }
    return ip.tstateCurrentAddr === undefined ? 0 : ptr(ip.mem.read(ip.tstateCurrentAddr, 8), 0);
  } catch {
    return 0;
  }
}

/** Copies every thread's stack, in every interpreter (sub-interpreters chain through `next`).
 *  With `running` (OS thread ids), only those threads' frames, and those of threads whose id is
 *  unknown, are copied now; the others are left `pending` for captureRest().
 *  Throws only when the first interpreter's thread list cannot be read. */
export function captureThreads(ip: Interpreter, running?: ReadonlySet<number>): RawThread[] {
  const is = ip.layout.interp;
  // next and threads_head are read together (adjacent enough in every version).
  const lo = Math.min(is.next, is.threadsHead);
  const span = Math.max(is.next, is.threadsHead) + 8 - lo;
  const holder = gilHolder(ip);
  const out: RawThread[] = [];
  const seen = new Set<number>();
  for (let interp = ip.interp, n = 0; interp !== 0 && n < MAX_INTERPRETERS; n++) {
    if (!isPtr(interp) || seen.has(interp)) break;
    seen.add(interp);
    let b: Buffer;
    try {
      b = ip.mem.read(interp + lo, span);
    } catch (e) {
      if (n === 0) throw e;
      break;
    }
    threadsOf(ip, interp, ptr(b, is.threadsHead - lo), holder, out, running);
    interp = ptr(b, is.next - lo);
  }
  return out;
}

/** Appends the threads of one interpreter. Throws if the very first thread state is unreadable. */
function threadsOf(ip: Interpreter, interp: number, head: number, holder: number, out: RawThread[],
  running?: ReadonlySet<number>): void {
  const { mem, layout: l } = ip;
  const t = l.tstate;
  const span = tstateSpan(l);
  const seen = new Set<number>();
  for (let addr = head, n = 0; addr !== 0; n++) {
    const broken = (why: string): void => {
      out.push({ threadId: 0, holdsGil: false, tstate: addr, frames: [], error: why });
    };
    if (out.length >= MAX_THREADS) return broken(`more than ${MAX_THREADS} threads`);
    if (!isPtr(addr)) return broken(`bad thread state pointer 0x${addr.toString(16)}`);
    if (seen.has(addr)) return broken('thread list loops');
    seen.add(addr);
    let b: Buffer;
    try {
      b = mem.read(addr, span);
    } catch (e) {
      if (out.length === 0 && interp === ip.interp) throw e; // the process is gone or this is no interpreter
      return broken(`thread state at 0x${addr.toString(16)} unreadable`);
    }
    if (ptr(b, t.interp) !== interp) return broken('thread list corrupt (thread of another interpreter)');
    const threadId = ptr(b, t.threadId);
    const raw: RawThread = { threadId, holdsGil: holder !== 0 && holder === addr, tstate: addr, frames: [] };
    const tid = ip.nativeTid(b, threadId, mem);
    if (tid !== undefined) raw.nativeTid = tid;
    if (running && tid !== undefined && !running.has(tid)) {
      raw.pending = b;
    } else {
      const err = captureFrames(ip, b, raw.frames);
      if (err) raw.error = err;
    }
    out.push(raw);
    addr = ptr(b, t.next);
  }
}

/** Copies the frames of the threads captureThreads() left pending: a thread asleep in the
 *  kernel cannot change its Python stack without waking and taking the GIL, so this may run
 *  after the running threads are resumed. Never throws. */
export function captureRest(ip: Interpreter, raws: RawThread[]): void {
  for (const raw of raws) {
    if (!raw.pending) continue;
    const b = raw.pending;
    delete raw.pending;
    const err = captureFrames(ip, b, raw.frames);
    if (err) raw.error = err;
  }
}

function captureFrames(ip: Interpreter, ts: Buffer, frames: number[]): string | undefined {
  const { mem, layout: l } = ip;
  const t = l.tstate;
  let first = ptr(ts, t.frame);
  try {
    if (t.frameVia === 'cframe' && first !== 0) {
      if (!isPtr(first)) return `bad cframe pointer 0x${first.toString(16)}`;
      first = ptr(mem.read(first + (l.cframeCurrent ?? 0), 8), 0);
    }
  } catch {
    return 'cframe unreadable';
  }
  if (first === 0) return undefined;
  let copy: StackCopy | undefined;
  if (t.datastackChunk !== undefined && t.datastackTop !== undefined) {
    const chunk = ptr(ts, t.datastackChunk);
    const top = ptr(ts, t.datastackTop);
    if (isPtr(chunk) && top > chunk && top - chunk <= 16 * 1024 * 1024) {
      const start = Math.max(chunk, top - MAX_STACK_COPY);
      try {
        copy = { start, bytes: mem.read(start, top - start) };
      } catch {
        copy = undefined; // fall back to one read per frame
      }
    }
  }
  return walkFrames(mem, l, first, frames, copy);
}
