// What pysample reads from /proc: threads, their OS state, names, the
// command line, tracer and capabilities. Parsers are pure; readers are thin.

import * as fs from 'node:fs';

/** Most threads listed per sample; a target with more is sampled in part. */
export const MAX_THREADS = 4096;

/**
 * The fields of /proc/PID/stat after `comm`. comm is in parentheses and may
 * itself contain `) `, so everything is taken after the LAST `)`:
 *   "1234 (my) proc) S 1 1234 1234 34816 1234 ..." -> state 'S', ppid 1, pgrp 1234, ...
 */
export function statFields(text: string): string[] {
  const close = text.lastIndexOf(')');
  if (close < 0) return [];
  return text.slice(close + 2).trim().split(' ');
}

/** Field 3 (state): 'R' running, 'S' sleeping, 'D' disk, 'T'/'t' stopped, 'Z' zombie, 'X' dead. */
export function statState(text: string): string {
  return statFields(text)[0] ?? '?';
}

/** Field 5 (pgrp) and field 8 (tpgid, the terminal's foreground group). */
export function statGroups(text: string): { pgrp: number; tpgid: number } {
  const f = statFields(text);
  return { pgrp: Number(f[2]), tpgid: Number(f[5]) };
}

/** `Key:\tvalue` lines of /proc/PID/status as a map. */
export function parseStatus(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) m.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return m;
}

/** Whether a hex capability mask (CapEff) has bit `cap` set (CAP_SYS_PTRACE is 19). */
export function hasCapability(mask: string, cap: number): boolean {
  return ((BigInt(`0x${mask || '0'}`) >> BigInt(cap)) & 1n) === 1n;
}

/** /proc/PID/cmdline (NUL-separated) as one line for humans. */
export function formatCmdline(raw: Buffer): string {
  return raw
    .toString('utf8')
    .replace(/\0+$/, '')
    .split('\0')
    .join(' ')
    .replace(/[\r\n]/g, ' ');
}

// ---------------------------------------------------------------------------
// Readers

export function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The process's thread ids, or undefined once the process is gone. At most MAX_THREADS. */
export function listThreads(pid: number): number[] | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  const tids: number[] = [];
  for (const n of names) {
    if (tids.length >= MAX_THREADS) break;
    const tid = Number(n);
    if (Number.isInteger(tid) && tid > 0) tids.push(tid);
  }
  return tids;
}

/** PF_KTHREAD in field 9 (flags): a kernel thread, which has no user memory to read. */
export function statIsKernelThread(text: string): boolean {
  return (Number(statFields(text)[6]) & 0x00200000) !== 0;
}

/** True while the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === undefined) return false;
  const s = statState(stat);
  return s !== 'Z' && s !== 'X' && s !== 'x';
}

export function readCommand(pid: number): string {
  try {
    return formatCmdline(fs.readFileSync(`/proc/${pid}/cmdline`));
  } catch {
    return '?';
  }
}

export function readStatus(pid: number | 'self'): Map<string, string> {
  return parseStatus(readText(`/proc/${pid}/status`) ?? '');
}

/**
 * OS state and name of each thread, read through file descriptors kept open
 * between samples (one pread each instead of open/read/close).
 */
export class ThreadTable {
  private readonly fds = new Map<number, number>();
  private readonly names = new Map<number, string>();
  private readonly buf = Buffer.alloc(512);

  constructor(private readonly pid: number) {}

  /** The state letter of a thread ('?' if it cannot be read, e.g. it just ended). */
  state(tid: number): string {
    let fd = this.fds.get(tid);
    try {
      if (fd === undefined) {
        fd = fs.openSync(`/proc/${this.pid}/task/${tid}/stat`, 'r');
        this.fds.set(tid, fd);
      }
      const n = fs.readSync(fd, this.buf, 0, this.buf.length, 0);
      return statState(this.buf.toString('latin1', 0, n));
    } catch {
      this.forget(tid);
      return '?';
    }
  }

  /** The thread's name from /proc/PID/task/TID/comm, read once. */
  name(tid: number): string {
    let n = this.names.get(tid);
    if (n === undefined) {
      n = (readText(`/proc/${this.pid}/task/${tid}/comm`) ?? '').replace(/\n$/, '') || '?';
      this.names.set(tid, n);
    }
    return n;
  }

  /** Drops threads that are no longer listed. */
  keepOnly(tids: readonly number[]): void {
    const live = new Set(tids);
    for (const tid of this.fds.keys()) if (!live.has(tid)) this.forget(tid);
    for (const tid of this.names.keys()) if (!live.has(tid)) this.names.delete(tid);
  }

  close(): void {
    for (const tid of [...this.fds.keys()]) this.forget(tid);
  }

  private forget(tid: number): void {
    const fd = this.fds.get(tid);
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
      this.fds.delete(tid);
    }
  }
}
