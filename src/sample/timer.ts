// A steady sampling clock. Time is cut into slots of one interval from the
// start (no drift) and one tick is due at a random point of each slot after
// the first (whose tick is at once): a
// clock that ticks at exact multiples of the interval locks onto programs
// that repeat at a multiple of it and samples them at the same phase every
// time (a loop of 10 ms rounds sampled every 2 ms would only ever be seen
// at five points of its round). A tick that comes late is taken at once and
// its lateness recorded; slots missed altogether are counted and skipped
// rather than taken in a burst.
//
// Node's timers have 1 ms granularity, too coarse for -r 0.001, so the last
// stretch before a tick is waited with Atomics.wait (sub-millisecond, no
// spinning); longer waits go through setTimeout so signals and I/O are served.

import { setImmediate as yieldLoop, setTimeout as sleep } from 'node:timers/promises';

const SLICE_MS = 2;

export interface TickStats {
  ticks: number;
  /** Ticks skipped because the previous sample ran past them. */
  missed: number;
  /** Lateness of taken ticks, in milliseconds. */
  maxLateMs: number;
  totalLateMs: number;
}

export class Ticker {
  private k = 0;
  private readonly nap = new Int32Array(new SharedArrayBuffer(4));
  readonly stats: TickStats = { ticks: 0, missed: 0, maxLateMs: 0, totalLateMs: 0 };

  /** Where in its slot the current tick falls, in [0, 1); the first is taken at once, so that
   *  even a run shorter than the interval has a sample. */
  private phase = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly startMs: number = performance.now(),
    private readonly random: () => number = Math.random,
  ) {}

  /** Milliseconds since the clock started. */
  elapsedMs(): number {
    return performance.now() - this.startMs;
  }

  /**
   * Resolves when the next tick is due, or early (false) once stopped()
   * says so. The event loop runs at least once per tick.
   */
  async next(stopped: () => boolean): Promise<boolean> {
    await yieldLoop();
    let now = performance.now();
    const slotEnd = this.startMs + (this.k + 1) * this.intervalMs;
    if (now >= slotEnd) {
      const behind = Math.floor((now - slotEnd) / this.intervalMs) + 1;
      this.stats.missed += behind;
      this.k += behind;
      this.phase = this.random();
    }
    const due = this.startMs + (this.k + this.phase) * this.intervalMs;
    while (now < due) {
      if (stopped()) return false;
      const left = due - now;
      if (left > SLICE_MS) await sleep(Math.min(left - SLICE_MS, 50));
      else Atomics.wait(this.nap, 0, 0, left);
      now = performance.now();
    }
    if (stopped()) return false;
    const late = now - due;
    this.stats.ticks++;
    this.stats.totalLateMs += late;
    if (late > this.stats.maxLateMs) this.stats.maxLateMs = late;
    this.k++;
    this.phase = this.random();
    return true;
  }
}
