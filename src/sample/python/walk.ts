// The capture: thread lists and frame chains, copied while the target is
// stopped by the native walker (native/walker.cc) in one call, with no
// JavaScript between the reads. This module gives the walker its plan (the
// layout's offsets, the GIL's place, the bounds) and turns its flat output
// into RawThreads: per frame only the code object's address and the
// instruction position, decoded later by resolve().

import { native, type StopRequest, type WalkerHandle, type WalkPlan } from '../native';
import type { InterpreterFrame, Layout, ObjectFrame } from './layouts';
import { frameSpan, tstateSpan } from './layouts';
import type { Interpreter, RawThread } from './threads';

const MAX_THREADS = 4096;
export const MAX_FRAMES = 4096;
/** Sub-interpreters followed at most. */
const MAX_INTERPRETERS = 64;
/** At most this much of a data-stack chunk is copied (its innermost end). */
const MAX_STACK_COPY = 256 * 1024;

/** Raw frames are stored flat, three numbers per frame: code address, instruction, flags. */
export const FRAME_STRIDE = 3;
/** Flag: the frame belongs to a generator or coroutine (exempt from the incomplete-frame rule). */
export const FLAG_GENERATOR = 1;

// The walker's output (native/walker.h): a header, then per thread a record and its frames.
const HEADER = 2;
const THREAD_FIELDS = 7;
const HOLDS_GIL = 1;
const PENDING = 2;
const UNREADABLE = -1;
const OUTPUT_FULL = -2;
/** The output array starts this long and doubles when a capture does not fit, up to the largest. */
const FIRST_OUTPUT = 1 << 16;
const LARGEST_OUTPUT = 1 << 24;

export function planFor(ip: Interpreter): WalkPlan {
  const l = ip.layout;
  const t = l.tstate;
  const gil = l.gil === 'interp-gil'
    ? { gil: ip.gilAddr === undefined ? 0 : 2, gilAddr: ip.gilAddr, gilLocked: l.gilState.locked, gilLastHolder: l.gilState.lastHolder }
    : { gil: ip.tstateCurrentAddr === undefined ? 0 : 1, gilAddr: ip.tstateCurrentAddr };
  return {
    interp: ip.interp,
    ...(gil as Pick<WalkPlan, 'gil' | 'gilAddr' | 'gilLocked' | 'gilLastHolder'>),
    interpNext: l.interp.next,
    interpThreads: l.interp.threadsHead,
    tsSpan: tstateSpan(l),
    tsNext: t.next,
    tsInterp: t.interp,
    tsThreadId: t.threadId,
    tsNativeTid: t.nativeThreadId,
    pthreadTid: t.nativeThreadId === undefined ? ip.tids?.pthreadOffset : undefined,
    tsFrame: t.frame,
    via: t.frameVia === 'frame' ? 0 : t.frameVia === 'cframe' ? 1 : 2,
    cframeCurrent: l.cframeCurrent,
    tsChunk: t.datastackChunk,
    tsTop: t.datastackTop,
    ...framePlan(l.frame),
    frameSpan: frameSpan(l),
    maxThreads: MAX_THREADS,
    maxFrames: MAX_FRAMES,
    maxInterps: MAX_INTERPRETERS,
    maxStackCopy: MAX_STACK_COPY,
  };
}

function framePlan(f: ObjectFrame | InterpreterFrame): Pick<WalkPlan, 'kind' | 'back' | 'code' | 'instr' | 'lastiUnit' |
  'owner' | 'ownerGenerator' | 'skipOwners' | 'tagBits'> {
  if (f.kind === 'object') return { kind: 0, back: f.back, code: f.code, instr: f.lasti, lastiUnit: f.lastiUnit };
  return {
    kind: 1, back: f.previous, code: f.code, instr: f.instr, owner: f.owner, ownerGenerator: f.ownerGenerator,
    skipOwners: f.skipOwners.reduce((bits, o) => (o >= 0 && o < 32 ? bits | (1 << o) : bits), 0), tagBits: f.tagBits,
  };
}

/** Why a chain was cut, from the walker's error name and the address it gives. */
function message(name: string, at: number): string {
  const hex = `0x${at.toString(16)}`;
  switch (name) {
    case 'too-many-threads': return `more than ${MAX_THREADS} threads`;
    case 'bad-thread-pointer': return `bad thread state pointer ${hex}`;
    case 'thread-list-loops': return 'thread list loops';
    case 'thread-unreadable': return `thread state at ${hex} unreadable`;
    case 'other-interpreter': return 'thread list corrupt (thread of another interpreter)';
    case 'too-many-frames': return `more than ${MAX_FRAMES} frames (truncated)`;
    case 'bad-frame-pointer': return `bad frame pointer ${hex}`;
    case 'frame-chain-loops': return 'frame chain loops';
    case 'frame-unreadable': return `frame at ${hex} unreadable`;
    case 'bad-cframe-pointer': return `bad cframe pointer ${hex}`;
    case 'cframe-unreadable': return 'cframe unreadable';
    default: return `stack walk failed (${name})`;
  }
}

/** The walker for one interpreter; one per process, reused for every sample. */
export class StackWalker {
  private readonly addon = native();
  private handle: WalkerHandle;
  private plannedOffset: number | undefined;
  private out = new Float64Array(FIRST_OUTPUT);
  /** What the last copy() returned: the doubles written to out, or UNREADABLE or OUTPUT_FULL. */
  private copied = 0;
  /** The running threads' ids for the walker, 0 past the last. */
  private running = new Int32Array(64);
  /** System calls made by the last copy (for tests and statistics). */
  reads = 0;

  constructor(private readonly ip: Interpreter) {
    this.plannedOffset = ip.tids?.pthreadOffset;
    this.handle = this.addon.walker(planFor(ip));
  }

  /** Every thread's stack: copy() and collect() in one. */
  capture(running?: ReadonlySet<number>): RawThread[] {
    this.copy(running);
    return this.collect();
  }

  /** Copies every thread's stack, for collect() to turn into RawThreads. This is what runs while
   *  the threads are stopped: one native call, and no allocation (so no garbage collection can
   *  lengthen the stop) unless the output array must grow. Given `running` (our OS thread ids),
   *  only the frames of those threads and of threads whose id is unknown are copied; the others
   *  are left pending for captureRest(). Given `stop`, the native call stops those threads just
   *  for the walk and resumes them before it returns (a larger output array is walked with a
   *  stop of its own). */
  copy(running?: ReadonlySet<number>, stop?: StopRequest): void {
    const tids = this.ip.tids;
    if (tids && tids.pthreadOffset !== this.plannedOffset) {
      this.plannedOffset = tids.pthreadOffset;
      this.handle = this.addon.walker(planFor(this.ip));
    }
    let ids: Int32Array | null = null;
    if (running) {
      if (this.running.length < running.size) this.running = new Int32Array(running.size * 2);
      ids = this.running;
      let i = 0;
      for (const tid of running) ids[i++] = tids?.inner(tid) ?? 0;
      ids.fill(0, i); // 0 is no thread's id
    }
    this.copied = this.walk(ids, null, stop);
  }

  /** The threads the last copy() found. Throws when the first interpreter's thread list could not
   *  be read. */
  collect(): RawThread[] {
    const n = this.copied;
    this.copied = 0;
    if (n === UNREADABLE) throw new Error(`the interpreter's thread list at 0x${this.ip.interp.toString(16)} cannot be read`);
    if (n === OUTPUT_FULL) throw new Error('the stacks are too large to copy');
    this.reads = this.out[1]!;
    const raws = this.parse(n);
    const tids = this.ip.tids;
    if (tids && this.ip.layout.tstate.nativeThreadId === undefined && tids.pthreadOffset === undefined) {
      tids.learn(raws.map((r) => r.threadId).filter((id) => id !== 0));
    }
    return raws;
  }

  /** Copies the frames of the threads capture() left pending: a thread asleep in the kernel
   *  cannot change its Python stack without waking and taking the GIL, so this may run after
   *  the running threads are resumed. Never throws. */
  captureRest(raws: RawThread[]): void {
    const pending = raws.filter((r) => r.pending);
    if (pending.length === 0) return;
    const n = this.walk(null, Float64Array.from(pending, (r) => r.tstate));
    const walked = n < 0 ? [] : this.parse(n);
    pending.forEach((raw, i) => {
      delete raw.pending;
      const w = walked[i];
      raw.frames = w ? w.frames : new Float64Array(0);
      if (!w) raw.error ??= 'stacks too large to copy';
      else if (w.error) raw.error ??= w.error;
    });
  }

  /** One native walk into the output array (of every thread, or of the given thread states),
   *  made again with a larger array while it does not fit. */
  private walk(running: Int32Array | null, tstates: Float64Array | null, stop?: StopRequest): number {
    const source = this.ip.mem.source;
    for (;;) {
      const n = tstates
        ? this.addon.walkThreads(this.handle, source, tstates, this.out)
        : this.addon.walk(this.handle, source, running, this.out, stop);
      if (n !== OUTPUT_FULL || this.out.length >= LARGEST_OUTPUT) return n;
      this.out = new Float64Array(this.out.length * 2);
    }
  }

  private parse(n: number): RawThread[] {
    const o = this.out;
    const errors = this.addon.walkErrors;
    const tids = this.ip.tids;
    const raws: RawThread[] = [];
    if (n < HEADER) return raws;
    for (let at = HEADER, k = 0; k < o[0]! && at + THREAD_FIELDS <= n; k++) {
      const flags = o[at + 3]!;
      const error = o[at + 4]!;
      const frames = o[at + 6]! * FRAME_STRIDE;
      const start = at + THREAD_FIELDS;
      const raw: RawThread = {
        threadId: o[at + 1]!,
        holdsGil: (flags & HOLDS_GIL) !== 0,
        tstate: o[at]!,
        frames: o.slice(start, start + frames),
      };
      const tid = o[at + 2]! > 0 ? tids?.outer(o[at + 2]!) : undefined;
      if (tid !== undefined) raw.nativeTid = tid;
      if (flags & PENDING) raw.pending = true;
      if (error !== 0) raw.error = message(errors[error] ?? String(error), o[at + 5]!);
      raws.push(raw);
      at = start + frames;
    }
    return raws;
  }
}
