// OS thread ids (what /proc/PID/task lists) for Python threads.
// 3.11+ keep native_thread_id in the thread state. Older versions only have
// the pthread_t, which on glibc/x86_64 is the address of the thread's
// struct pthread; its `tid` field sits at an offset that depends on the libc
// build, so it is found once by looking for the words that equal the live
// TIDs of the process, and then re-read (4 bytes) at every capture: glibc
// reuses cached thread stacks, so a pthread_t can come back with a new TID.

import * as fs from 'node:fs';
import type { Memory } from './memory';

/** How far into struct pthread the tid is looked for (glibc 2.36 has it at 0x2d0). */
const PTHREAD_SCAN = 1024;

/** The TIDs of a process as the target sees them (its PID namespace) and as we do. */
export class TaskIds {
  private inner = new Map<number, number>();
  private stamp = 0;

  constructor(private readonly pid: number, private readonly proc = '/proc') {
    this.refresh();
  }

  /** Re-lists /proc/PID/task, at most every 10 ms. */
  refresh(): void {
    const now = Date.now();
    if (now - this.stamp < 10 && this.inner.size > 0) return;
    this.stamp = now;
    const map = new Map<number, number>();
    let tids: string[] = [];
    try {
      tids = fs.readdirSync(`${this.proc}/${this.pid}/task`);
    } catch {
      return;
    }
    for (const name of tids) {
      const tid = Number(name);
      map.set(this.innerId(tid) ?? tid, tid);
    }
    this.inner = map;
  }

  /** The id a task has inside the innermost PID namespace (NSpid's last field), for containers. */
  private innerId(tid: number): number | undefined {
    try {
      const status = fs.readFileSync(`${this.proc}/${this.pid}/task/${tid}/status`, 'latin1');
      const m = /^NSpid:\s*(.*)$/m.exec(status);
      const ids = m ? m[1]!.trim().split(/\s+/).map(Number) : [];
      return ids.length ? ids[ids.length - 1] : undefined;
    } catch {
      return undefined;
    }
  }

  /** Our TID for a TID seen inside the target, or undefined if it is not (or no longer) a task. */
  outer(innerTid: number, retry = true): number | undefined {
    const o = this.inner.get(innerTid);
    if (o !== undefined || !retry) return o;
    this.refresh();
    return this.inner.get(innerTid);
  }

  /** The set of TIDs as the target sees them. */
  innerIds(): Set<number> {
    return new Set(this.inner.keys());
  }
}

/** Finds the tid offset in struct pthread: the lowest offset at which every given thread holds a
 *  distinct live TID. undefined when no offset fits (non-glibc layouts, racing threads). */
export function findTidOffset(mem: Memory, threadIds: number[], live: Set<number>): number | undefined {
  const blocks: Buffer[] = [];
  for (const id of threadIds) {
    try {
      blocks.push(mem.read(id, PTHREAD_SCAN));
    } catch {
      // a thread that just ended; the others decide
    }
  }
  if (blocks.length === 0) return undefined;
  for (let off = 0; off + 4 <= PTHREAD_SCAN; off += 4) {
    const vals = new Set<number>();
    let ok = true;
    for (const b of blocks) {
      const v = b.readInt32LE(off);
      if (!live.has(v) || vals.has(v)) {
        ok = false;
        break;
      }
      vals.add(v);
    }
    if (ok) return off;
  }
  return undefined;
}
