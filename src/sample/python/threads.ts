// What a capture yields per thread, and what it needs to know about the
// interpreter. The capture itself is the native walker's (see walk.ts).

import type { Layout } from './layouts';
import type { Memory } from './memory';

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
  frames: Float64Array;
  /** The frames are still to be copied (see StackWalker.captureRest). */
  pending?: boolean;
}

/** OS thread ids of the target's threads (see tid.ts). */
export interface ThreadIds {
  /** Before 3.11: where struct pthread keeps the tid, once learned. */
  readonly pthreadOffset: number | undefined;
  /** Learns pthreadOffset from these pthread_t values (before 3.11). */
  learn(threadIds: number[]): void;
  /** Our id for a tid as the target sees it (they differ inside a PID namespace). */
  outer(inner: number): number | undefined;
  /** The target's id for one of ours. */
  inner(outer: number): number | undefined;
}

/** Everything a capture needs, resolved once at open. */
export interface Interpreter {
  mem: Memory;
  layout: Layout;
  /** The PyInterpreterState. */
  interp: number;
  /** Where the GIL holder's thread state pointer is (2.7–3.11), when known. */
  tstateCurrentAddr?: number;
  /** The _gil_runtime_state (3.12+), when known. */
  gilAddr?: number;
  /** OS thread ids; without them no thread has one. */
  tids?: ThreadIds;
}
