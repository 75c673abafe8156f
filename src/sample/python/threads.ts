// The thread list and the GIL holder: the part of capture() that runs while the
// target is stopped. One read per thread state (plus, on 3.11+, one read of the
// thread's data-stack chunk so its frames are walked locally).

import type { Layout } from './layouts';
import { tstateSpan } from './layouts';
import { isPtr, ptr, type Memory } from './memory';
import { walkFrames, type StackCopy } from './walk';

export const MAX_THREADS = 4096;
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
  /** OS thread id for a thread, given its thread-state bytes. */
  nativeTid(tstate: Buffer, threadId: number): number | undefined;
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

/** Copies every thread's stack. Throws only when the first thread state cannot be read. */
export function captureThreads(ip: Interpreter): RawThread[] {
  const { mem, layout: l } = ip;
  const t = l.tstate;
  const holder = gilHolder(ip);
  const span = tstateSpan(l);
  const out: RawThread[] = [];
  const seen = new Set<number>();
  let addr = ptr(mem.read(ip.interp + l.interp.threadsHead, 8), 0);
  while (addr !== 0) {
    const broken = (why: string): void => {
      out.push({ threadId: 0, holdsGil: false, tstate: addr, frames: [], error: why });
    };
    if (out.length >= MAX_THREADS) return (broken(`more than ${MAX_THREADS} threads`), out);
    if (!isPtr(addr)) return (broken(`bad thread state pointer 0x${addr.toString(16)}`), out);
    if (seen.has(addr)) return (broken('thread list loops'), out);
    seen.add(addr);
    let b: Buffer;
    try {
      b = mem.read(addr, span);
    } catch (e) {
      if (out.length === 0) throw e;
      return (broken(`thread state at 0x${addr.toString(16)} unreadable`), out);
    }
    if (ptr(b, t.interp) !== ip.interp) return (broken('thread list corrupt (thread of another interpreter)'), out);
    const threadId = ptr(b, t.threadId);
    const raw: RawThread = { threadId, holdsGil: holder !== 0 && holder === addr, tstate: addr, frames: [] };
    const tid = ip.nativeTid(b, threadId);
    if (tid !== undefined) raw.nativeTid = tid;
    const err = captureFrames(ip, b, raw.frames);
    if (err) raw.error = err;
    out.push(raw);
    addr = ptr(b, t.next);
  }
  return out;
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
