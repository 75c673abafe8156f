// The raw stack format (README "Raw stacks", man 5 pysample): formatting is
// pure; RawWriter streams it to a file descriptor, one write per sample, so
// every sample taken is in the kernel's hands even if pysample is killed.

import * as fs from 'node:fs';
import { PipeClosed, ToolError } from '../tool';

export interface Header {
  pid: number;
  command: string;
  python: string;
  executable: string;
  interval: number;
  start: Date;
}

/** One thread's stack in one sample, ready to print. */
export interface Record {
  comm: string;
  pid: number;
  tid: number;
  gil: boolean;
  idle: boolean;
  /** Wall-clock time in microseconds since the epoch. */
  timeUs: number;
  /** Innermost first. */
  frames: readonly { code: number; file: string; name: string; line: number }[];
}

export interface Totals {
  end: Date;
  samples: number;
  threadSamples: number;
  idle: number;
  errors: number;
  /** Samples per second achieved. */
  rate: number;
}

const oneLine = (s: string): string => s.replace(/[\r\n]/g, ' ');

export function formatHeader(h: Header): string {
  return [
    // The first line of `perf script --header`: the Firefox Profiler needs it.
    '# ========',
    '# pysample: raw stacks, format 1 (man 5 pysample)',
    `# pid: ${h.pid}`,
    `# command: ${oneLine(h.command)}`,
    `# python: ${oneLine(h.python)}`,
    `# executable: ${oneLine(h.executable)}`,
    `# interval: ${h.interval}`,
    `# start: ${h.start.toISOString()}`,
    '',
  ].join('\n');
}

/** Seconds with 6 decimals, from microseconds. */
export function formatTime(us: number): string {
  const s = Math.floor(us / 1e6);
  return `${s}.${String(Math.round(us - s * 1e6)).padStart(6, '0')}`;
}

/**
 *   python3 9876/9877 [gil] 1732560883.123456: 1 cpu-clock:
 *   	7f5e2c1a3b40 /srv/app/handlers.py:Handler.get:42 (python)
 *   (blank line)
 */
export function formatRecord(r: Record): string {
  const flags = r.gil && r.idle ? 'gil,idle' : r.gil ? 'gil' : r.idle ? 'idle' : '-';
  let s = `${commField(r.comm)} ${r.pid}/${r.tid} [${flags}] ${formatTime(r.timeUs)}: 1 cpu-clock:\n`;
  if (r.idle) s += '\t0 [idle] (python)\n';
  for (const f of r.frames) s += frameLine(f);
  return `${s}\n`;
}

type FrameRef = Record['frames'][number];

// Frame lines repeat from sample to sample: each is formatted once, keyed by
// code address and line, and reused while the file and function still match
// (a code address can be reused by another function after it is freed).
const frameLines = new Map<number, Map<number, { file: string; name: string; text: string }>>();
let cached = 0;
const MAX_CACHED = 100000;

function frameLine(f: FrameRef): string {
  let byLine = frameLines.get(f.code);
  const hit = byLine?.get(f.line);
  if (hit && hit.file === f.file && hit.name === f.name) return hit.text;
  if (cached >= MAX_CACHED) {
    frameLines.clear();
    cached = 0;
  }
  const text = `\t${f.code.toString(16)} ${oneLine(f.file)}:${oneLine(f.name)}:${f.line} (python)\n`;
  if (!byLine) frameLines.set(f.code, (byLine = new Map()));
  byLine.set(f.line, { file: f.file, name: f.name, text });
  cached++;
  return text;
}

/**
 * The thread name as the header's first field: blanks become '_' and it is
 * at least two characters, because the readers find the ids with
 * `^(\S.+?)\s+(\d+)`: "worker 2" would give thread id 2, and a
 * one-character name would swallow the pid.
 */
export function commField(comm: string): string {
  return comm.replace(/[\s]/g, '_').padEnd(2, '_');
}

/**   # error: 1732560883.133501 9877: frame chain loops (sample dropped) */
export function formatError(timeUs: number, tid: number, reason: string, dropped: boolean): string {
  return `# error: ${formatTime(timeUs)} ${tid}: ${oneLine(reason)} (${dropped ? 'sample dropped' : 'stack truncated'})\n`;
}

export function formatTotals(t: Totals): string {
  const idle = t.threadSamples ? (100 * t.idle) / t.threadSamples : 0;
  return (
    `# end: ${t.end.toISOString()}\n` +
    `# samples: ${t.samples} threads-samples: ${t.threadSamples} idle: ${idle.toFixed(1)}% ` +
    `errors: ${t.errors} rate: ${t.rate.toFixed(1)}/s\n`
  );
}

/**
 * Writes text to a file descriptor synchronously, in UTF-8. A full
 * non-blocking pipe (EAGAIN) is waited out; a closed one (EPIPE) becomes
 * PipeClosed.
 */
export class RawWriter {
  private pending = '';
  private readonly nap = new Int32Array(new SharedArrayBuffer(4));

  constructor(private readonly fd: number) {}

  /** Adds text to the current sample's output. */
  add(s: string): void {
    this.pending += s;
  }

  /** Writes what has been added. */
  flush(): void {
    if (!this.pending) return;
    const buf = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    let off = 0;
    while (off < buf.length) {
      try {
        off += fs.writeSync(this.fd, buf, off, buf.length - off);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') Atomics.wait(this.nap, 0, 0, 1);
        else if (code === 'EPIPE') throw new PipeClosed();
        else throw new ToolError(`cannot write the samples: ${code ?? (err as Error).message} (check the output's disk or device)`);
      }
    }
  }
}
