// OS thread ids (what /proc/PID/task lists) for Python threads.
// 3.11+ keep native_thread_id in the thread state. Older versions only have
// the pthread_t, which on glibc/x86_64 is the address of the thread's
// struct pthread; its `tid` field sits at an offset that depends on the libc
// build, so it is found once by looking for the words that equal the live
// TIDs of the process, and then re-read (4 bytes) at every capture: glibc
// reuses cached thread stacks, so a pthread_t can come back with a new TID.

import * as fs from 'node:fs';
import type { Layout } from './layouts';
import type { Memory } from './memory';
import type { Interpreter } from './threads';

/** How far into struct pthread the tid is looked for (glibc 2.36 has it at 0x2d0). */
const PTHREAD_SCAN = 1024;

/** TIDs as the target sees them (its PID namespace) translated to ours. Outside containers they
 *  are the same and nothing is read per capture; inside one, /proc/PID/task/TID/status's NSpid
 *  gives the pairs, re-read (at most every 10 ms) when an unknown TID shows up. */
export class TaskIds {
  private inner = new Map<number, number>();
  private stamp = 0;
  /** Whether the target lives in a PID namespace below ours. */
  readonly nested: boolean;

  constructor(private readonly pid: number, private readonly proc = '/proc') {
    this.nested = (nsPids(`${proc}/${pid}/status`)?.length ?? 1) > 1;
    if (this.nested) this.refresh();
  }

  private refresh(): void {
    const now = Date.now();
    if (now - this.stamp < 10) return;
    this.stamp = now;
    const map = new Map<number, number>();
    for (const tid of this.tasks()) {
      const ids = nsPids(`${this.proc}/${this.pid}/task/${tid}/status`);
      map.set(ids?.[ids.length - 1] ?? tid, tid);
    }
    this.inner = map;
  }

  private tasks(): number[] {
    try {
      return fs.readdirSync(`${this.proc}/${this.pid}/task`).map(Number);
    } catch {
      return [];
    }
  }

  /** Our TID for a TID seen inside the target; undefined if it is not (or no longer) a task. */
  outer(innerTid: number): number | undefined {
    if (!this.nested) return innerTid > 0 ? innerTid : undefined;
    const o = this.inner.get(innerTid);
    if (o !== undefined) return o;
    this.refresh();
    return this.inner.get(innerTid);
  }

  /** The live TIDs as the target sees them. */
  innerIds(): Set<number> {
    if (!this.nested) return new Set(this.tasks());
    this.refresh();
    return new Set(this.inner.keys());
  }
}

/** The NSpid line of a status file: the id in each PID namespace, ours first. */
function nsPids(status: string): number[] | undefined {
  try {
    const m = /^NSpid:\s*(.*)$/m.exec(fs.readFileSync(status, 'latin1'));
    return m ? m[1]!.trim().split(/\s+/).map(Number) : undefined;
  } catch {
    return undefined;
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

/** The OS thread id reader for a layout: native_thread_id (3.11+) or struct pthread's tid. */
export function nativeTidReader(mem: Memory, l: Layout, tasks: TaskIds):
  { read: Interpreter['nativeTid']; prime(ids: number[]): void } {
  const field = l.tstate.nativeThreadId;
  if (field !== undefined) {
    return {
      read: (ts) => tasks.outer(Number(ts.readBigInt64LE(field))),
      prime: () => undefined,
    };
  }
  let offset: number | undefined;
  return {
    prime(ids) {
      if (ids.length) offset = findTidOffset(mem, ids, tasks.innerIds());
    },
    read(_ts, threadId, via) {
      if (threadId === 0) return undefined;
      try {
        offset ??= findTidOffset(mem, [threadId], tasks.innerIds());
        return offset === undefined ? undefined : tasks.outer(via.read(threadId + offset, 4).readInt32LE(0));
      } catch {
        return undefined;
      }
    },
  };
}
