// One sample of every thread: read the OS states, stop the running threads,
// copy what the stacks need, resume them, then decode. The stop, the copy and
// the resume are one native call (the walk given a stop request), so the
// target is stopped only inside it, and the addon resumes it on every path.

import { native, type NativeAddon, type StopRequest, EXITED, LATE, STOPPED } from './native';
import { errnoName } from './memory';
import { isAlive, listThreads, readText, statState, ThreadTable } from './procfs';

/** The part of the Python side's process the sampler uses (see python/index.ts). */
export interface StackSource<R extends RawStackThread = RawStackThread> {
  /** Copies the stacks of the threads in `running` (OS ids) and of those whose id is unknown,
   *  allocating nothing; the rest are copied by captureRest() (every stack when `running` is not
   *  given). Given `stop`, the running threads are stopped just for the copy and resumed before
   *  it returns. */
  copy(running?: ReadonlySet<number>, stop?: StopRequest): void;
  /** The threads of the last copy(); throws if it failed as a whole. */
  collect(): R[];
  captureRest(raws: R[]): void;
  resolve(raw: R): ThreadStack;
}
export interface RawStackThread {
  threadId: number;
  nativeTid?: number;
  holdsGil: boolean;
  error?: string;
}
export interface ThreadStack {
  threadId: number;
  nativeTid?: number;
  holdsGil: boolean;
  frames: { file: string; name: string; line: number; code: number }[];
  error?: string;
}

export interface SamplerOptions {
  pid: number;
  /** Read without stopping the target (--nonblocking). */
  nonblocking: boolean;
  /** Only the thread holding the GIL (--gil). */
  gilOnly: boolean;
  /** The target is our child: its exit status is left for Node to reap. */
  isChild: boolean;
  /** Longest wait for the threads to stop, in milliseconds. */
  stopTimeoutMs: number;
}

export interface SampledThread {
  tid: number;
  comm: string;
  idle: boolean;
  stack: ThreadStack;
}

export interface Sample {
  /** Wall-clock time of the sample, microseconds since the epoch. */
  timeUs: number;
  threads: SampledThread[];
  /** A failure of the whole sample (the thread list could not be read). */
  error?: string;
  /** The target has exited; this sample holds nothing. */
  gone: boolean;
  /** How long the running threads were stopped (from the first seize to the last detach), in
   *  microseconds (0 if none was, or with --nonblocking). */
  stoppedUs: number;
}

/** Thrown when the kernel refuses to stop a thread for a reason other than its exit. */
export class StopRefused extends Error {
  constructor(readonly errno: string) {
    super(`cannot stop the target: ${errno}`);
  }
}

export function wallClockUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** How long resume() waits for threads that had not stopped in time (they are let go as they stop). */
const LATE_WAIT_MS = 100;

export class Sampler {
  private readonly addon: NativeAddon;
  private readonly table: ThreadTable;
  private readonly keepExitOf: number;
  private readonly request: StopRequest;

  constructor(
    private readonly source: StackSource,
    private readonly opts: SamplerOptions,
  ) {
    this.addon = native();
    this.table = new ThreadTable(opts.pid);
    this.keepExitOf = opts.isChild ? opts.pid : 0;
    this.request = {
      tids: new Int32Array(0), outcomes: new Int32Array(8), held: new Float64Array(1),
      timeoutMs: opts.stopTimeoutMs, keepExitOf: this.keepExitOf, lateWaitMs: LATE_WAIT_MS,
    };
  }

  sample(): Sample {
    const timeUs = wallClockUs();
    const tids = listThreads(this.opts.pid);
    if (!tids || tids.length === 0) return { timeUs, threads: [], gone: true, stoppedUs: 0 };
    // The OS state must be read before the stop: a stopped thread reads 't'.
    const states = new Map<number, string>();
    for (const tid of tids) states.set(tid, this.table.state(tid));
    this.table.keepOnly(tids);
    // A process whose threads are all zombies has exited (its parent has not reaped it yet).
    if ([...states.values()].every((s) => s === 'Z' || s === 'X' || s === '?') && !isAlive(this.opts.pid)) {
      return { timeUs, threads: [], gone: true, stoppedUs: 0 };
    }

    // Only running threads are stopped. A thread asleep in the kernel cannot
    // change its Python stack without waking up and taking the GIL, which a
    // stopped running thread keeps; interrupting it would only wake it (and
    // make it runnable, so it would look busy in the next sample).
    // Only the running threads' stacks are copied while they are stopped; the
    // sleeping ones' right after (for the same reason), so many idle threads
    // do not lengthen the stop.
    const running = this.opts.nonblocking ? [] : tids.filter((tid) => states.get(tid) === 'R');
    const runningSet = new Set(running);
    let raws: ReturnType<StackSource['collect']>;
    let stoppedUs = 0;
    try {
      // The copy is made while the threads are stopped, everything else after (see python/index.ts).
      if (running.length) {
        const stop = this.stopRequest(running);
        this.source.copy(runningSet, stop);
        stoppedUs = stop.held[0]!;
        if (!this.stopped(running, stop.outcomes)) return { timeUs, threads: [], gone: true, stoppedUs };
      } else {
        this.source.copy(this.opts.nonblocking ? undefined : runningSet);
      }
      raws = this.source.collect();
      this.source.captureRest(raws);
    } catch (err) {
      if (err instanceof StopRefused) throw err;
      if (!isAlive(this.opts.pid)) return { timeUs, threads: [], gone: true, stoppedUs };
      return { timeUs, threads: [], gone: false, stoppedUs, error: (err as Error).message };
    }

    const threads: SampledThread[] = [];
    for (const raw of raws) {
      if (this.opts.gilOnly && !raw.holdsGil) continue;
      const stack = this.source.resolve(raw);
      const tid = stack.nativeTid ?? 0;
      const state = states.get(tid);
      threads.push({
        tid,
        comm: this.table.name(tid || this.opts.pid),
        idle: state !== undefined && state !== 'R' && state !== '?',
        stack,
      });
    }
    return { timeUs, threads, gone: false, stoppedUs };
  }

  /** Lets go of everything (idempotent); returns the threads still attached. */
  release(): number {
    const left = this.addon.resume(this.keepExitOf, LATE_WAIT_MS);
    this.table.close();
    return left;
  }

  /** What the copy needs to stop `tids` for itself (arrays reused from sample to sample). */
  private stopRequest(tids: number[]): StopRequest {
    const r = this.request;
    if (r.outcomes.length < tids.length) r.outcomes = new Int32Array(tids.length * 2);
    r.tids = Int32Array.from(tids);
    r.held[0] = 0;
    return r;
  }

  /** Whether the threads were stopped for the copy: false if the process has gone. Throws
   *  StopRefused if the kernel said no (the threads are already resumed). */
  private stopped(tids: number[], outcomes: Int32Array): boolean {
    for (let i = 0; i < tids.length; i++) {
      const o = outcomes[i]!;
      if (o === STOPPED || o === EXITED || o === LATE) continue;
      const name = errnoName(-o);
      // A thread that ended between the listing and the stop is not an error:
      // the kernel says ESRCH, or EPERM while it is exiting.
      if (name === 'ESRCH' || (name === 'EPERM' && !threadAlive(this.opts.pid, tids[i]!))) continue;
      if (!isAlive(this.opts.pid)) return false;
      throw new StopRefused(name);
    }
    return true;
  }
}

function threadAlive(pid: number, tid: number): boolean {
  const stat = readText(`/proc/${pid}/task/${tid}/stat`);
  const s = stat === undefined ? 'X' : statState(stat);
  return s !== 'Z' && s !== 'X' && s !== 'x';
}
