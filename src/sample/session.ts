// One sampling run: take samples at a steady rate until the time is up, the
// target exits or a signal says stop; stream each sample as it is taken, and
// close with the totals. The sampler's release() runs on every path.

import { PipeClosed } from '../tool';
import { formatError, formatRecord, formatTotals, type RawWriter } from './output';
import type { Sample, Sampler } from './sampler';
import { Ticker } from './timer';

export interface SessionOptions {
  pid: number;
  interval: number;
  /** Undefined: until the target exits or stop() is called. */
  seconds?: number;
  excludeIdle: boolean;
  /** Called about every 250 ms with the figures so far (the live line). */
  progress?: (s: SessionStats, elapsedS: number) => void;
}

export interface SessionStats {
  samples: number;
  threadSamples: number;
  idle: number;
  errors: number;
  written: number;
  /** Stopped time per sample, microseconds (bounded reservoir for the median). */
  stoppedUs: number[];
  elapsedS: number;
  missed: number;
  maxLateMs: number;
  /** Why the run ended: 'time', 'exit' (target gone), 'signal', 'pipe'. */
  ended: string;
}

const RESERVOIR = 100000;

export class Session {
  private stopping = false;
  readonly stats: SessionStats = {
    samples: 0, threadSamples: 0, idle: 0, errors: 0, written: 0, stoppedUs: [],
    elapsedS: 0, missed: 0, maxLateMs: 0, ended: 'time',
  };

  constructor(
    private readonly sampler: Sampler,
    private readonly out: RawWriter,
    private readonly opts: SessionOptions,
  ) {}

  /** Ends the run at the next tick (signals). */
  stop(why = 'signal'): void {
    if (!this.stopping) this.stats.ended = why;
    this.stopping = true;
  }

  async run(): Promise<void> {
    const ticker = new Ticker(this.opts.interval * 1000);
    const limitMs = this.opts.seconds === undefined ? Infinity : this.opts.seconds * 1000;
    let lastProgress = 0;
    try {
      while (!this.stopping && ticker.elapsedMs() < limitMs) {
        if (!(await ticker.next(() => this.stopping || ticker.elapsedMs() >= limitMs))) break;
        const sample = this.sampler.sample();
        if (sample.gone) {
          this.stop('exit');
          break;
        }
        this.write(sample);
        if (this.opts.progress && ticker.elapsedMs() - lastProgress >= 250) {
          lastProgress = ticker.elapsedMs();
          this.opts.progress(this.stats, lastProgress / 1000);
        }
      }
    } catch (err) {
      if (err instanceof PipeClosed) this.stats.ended = 'pipe';
      throw err;
    } finally {
      this.sampler.release();
      this.stats.elapsedS = ticker.elapsedMs() / 1000;
      this.stats.missed = ticker.stats.missed;
      this.stats.maxLateMs = ticker.stats.maxLateMs;
    }
    this.out.add(
      formatTotals({
        end: new Date(),
        samples: this.stats.samples,
        threadSamples: this.stats.threadSamples,
        idle: this.stats.idle,
        errors: this.stats.errors,
        rate: this.stats.elapsedS > 0 ? this.stats.samples / this.stats.elapsedS : 0,
      }),
    );
    this.out.flush();
  }

  private write(sample: Sample): void {
    const st = this.stats;
    st.samples++;
    if (st.stoppedUs.length < RESERVOIR) st.stoppedUs.push(sample.stoppedUs);
    if (sample.error) {
      st.errors++;
      this.out.add(formatError(sample.timeUs, this.opts.pid, sample.error, true));
    }
    for (const t of sample.threads) {
      st.threadSamples++;
      if (t.idle) st.idle++;
      const { frames, error } = t.stack;
      if (error) {
        st.errors++;
        this.out.add(formatError(sample.timeUs, t.tid, error, frames.length === 0));
        if (frames.length === 0) continue;
      }
      if (t.idle && this.opts.excludeIdle) continue;
      st.written++;
      this.out.add(
        formatRecord({
          comm: t.comm, pid: this.opts.pid, tid: t.tid, gil: t.stack.holdsGil, idle: t.idle, timeUs: sample.timeUs, frames,
        }),
      );
    }
    this.out.flush();
  }
}

/** The median of a list of numbers (0 for none). */
export function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
