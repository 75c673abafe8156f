// The one place that loads pysample's native addon (native/*.cc), and its
// whole surface as a TypeScript interface. The addon makes the system calls
// (ptrace to stop and resume threads, process_vm_readv to read memory) and
// walks thread lists and frame chains by a plan of offsets given from here.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ToolError } from '../tool';
import type { MemoryRegion } from './memory';

/** What a stop reports per thread (negative: -errno from PTRACE_SEIZE). */
export const STOPPED = 0;
export const EXITED = 1;
export const LATE = 2;

export interface NativeAddon {
  /**
   * Detaches every stopped thread (re-injecting caught signals), then waits up
   * to lateWaitMs for late threads to stop and detaches them; returns the
   * threads still attached.
   */
  resume(keepExitOf: number, lateWaitMs: number): number;
  /** Threads attached right now. */
  attached(): number;
  /** process_vm_readv of len bytes into buf: returns len or -errno (short reads are -EFAULT). */
  readInto(pid: number, addr: number, buf: Buffer, len: number): number;
  /** A stack walker for one interpreter (see python/walk.ts for the plan and the output). */
  walker(plan: WalkPlan): WalkerHandle;
  /** Walks every thread (frames of `running` tids and of unknown ones only, when given) into out:
   *  the doubles written, -1 if the first thread list is unreadable, -2 if out is too small.
   *  Given `stop` (and a pid), the call first seizes and interrupts its threads and waits up to
   *  timeoutMs for them to stop (never reaping keepExitOf's exit), and after the walk resumes them
   *  as resume() does, writing each thread's outcome (STOPPED, EXITED, LATE or -errno). */
  walk(w: WalkerHandle, source: WalkSource, running: Int32Array | null, out: Float64Array, stop?: StopRequest): number;
  /** Walks the frames of the given thread states into out: the doubles written, or -2. */
  walkThreads(w: WalkerHandle, source: WalkSource, tstates: Float64Array, out: Float64Array): number;
  /** The names of the walker's error codes, by code. */
  readonly walkErrors: readonly string[];
}

/** Threads a walk stops first and resumes right after. */
export interface StopRequest {
  tids: Int32Array;
  /** Written: one outcome per tid. */
  outcomes: Int32Array;
  /** Added to held[0]: microseconds from the first seize to the last detach. */
  held: Float64Array;
  timeoutMs: number;
  keepExitOf: number;
  lateWaitMs: number;
}

/** A process id, or an image of memory built in this process. */
export type WalkSource = number | readonly MemoryRegion[];

/** An opaque native walker. */
export type WalkerHandle = { readonly __walker: unique symbol };

/** Offsets and rules of one interpreter, as native/walker.h's Plan reads them (absent: none). */
export interface WalkPlan {
  interp: number;
  /** 0 none, 1 PyThreadState* at gilAddr, 2 _gil_runtime_state at gilAddr. */
  gil: 0 | 1 | 2;
  gilAddr?: number;
  gilLocked?: number;
  gilLastHolder?: number;
  interpNext: number;
  interpThreads: number;
  tsSpan: number;
  tsNext: number;
  tsInterp: number;
  tsThreadId: number;
  tsNativeTid?: number;
  pthreadTid?: number;
  tsFrame: number;
  /** 0 frame, 1 _PyCFrame, 2 current frame. */
  via: 0 | 1 | 2;
  cframeCurrent?: number;
  tsChunk?: number;
  tsTop?: number;
  /** 0 PyFrameObject chain, 1 _PyInterpreterFrame chain. */
  kind: 0 | 1;
  frameSpan: number;
  back: number;
  code: number;
  instr: number;
  lastiUnit?: number;
  owner?: number;
  ownerGenerator?: number;
  /** Bit n: frames owned by n are skipped. */
  skipOwners?: number;
  tagBits?: number;
  maxThreads?: number;
  maxFrames?: number;
  maxInterps?: number;
  maxStackCopy?: number;
}

const ROOT = path.join(__dirname, '..', '..', '..');
const CANDIDATES = ['native/build/Release/pysample.node', 'native/build/Debug/pysample.node'];

let loaded: NativeAddon | undefined;

/** Loads the addon once; a ToolError says why it is missing and how to build it. */
export function native(): NativeAddon {
  if (loaded) return loaded;
  if (process.platform !== 'linux') {
    throw new ToolError(`this needs Linux (ptrace and process_vm_readv); this system is ${process.platform}`);
  }
  for (const rel of CANDIDATES) {
    const file = path.join(ROOT, rel);
    if (fs.existsSync(file)) {
      loaded = require(file) as NativeAddon;
      return loaded;
    }
  }
  throw new ToolError(
    `native addon not built: none of ${CANDIDATES.join(', ')} exists (run 'npm install' or 'node native/install.js' in ${ROOT})`,
  );
}
