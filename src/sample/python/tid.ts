// OS thread ids (what /proc/PID/task lists) for Python threads.
// 3.11+ keep native_thread_id in the thread state. Older versions only have
// the pthread_t, which on glibc/x86_64 is the address of the thread's
// struct pthread; its `tid` field sits at an offset that depends on the libc
// build, so it is found once by looking for the words that equal the live
// TIDs of the process, and then re-read (4 bytes) at every capture: glibc
// reuses cached thread stacks, so a pthread_t can come back with a new TID.

import * as fs from 'node:fs';
import type { Memory } from './memory';
import type { ThreadIds } from './threads';

/** How far into struct pthread the tid is looked for (glibc 2.36 has it at 0x2d0). */
const PTHREAD_SCAN = 1024;

/** TIDs as the target sees them (its PID namespace) translated to ours. Outside containers they
 *  are the same and nothing is read per capture; inside one, /proc/PID/task/TID/status's NSpid
 *  gives the pairs, re-read (at most every 10 ms) when an unknown TID shows up. */
export class TaskIds {
  private byInner = new Map<number, number>();
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
    this.byInner = map;
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
    const o = this.byInner.get(innerTid);
    if (o !== undefined) return o;
    this.refresh();
    return this.byInner.get(innerTid);
  }

  /** The TID inside the target for one of ours; undefined if it is not (or no longer) a task. */
  inner(outerTid: number): number | undefined {
    if (!this.nested) return outerTid > 0 ? outerTid : undefined;
    for (let pass = 0; pass < 2; pass++) {
      for (const [i, o] of this.byInner) if (o === outerTid) return i;
      if (pass === 0) this.refresh();
    }
    return undefined;
  }

  /** The live TIDs as the target sees them. */
  innerIds(): Set<number> {
    if (!this.nested) return new Set(this.tasks());
    this.refresh();
    return new Set(this.byInner.keys());
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

/** The target's thread ids: 3.11+ keep native_thread_id in the thread state (the walker reads it);
 *  before, the walker reads struct pthread's tid at the offset learned here. */
export class ThreadIdMap implements ThreadIds {
  private offset: number | undefined;

  constructor(private readonly mem: Memory, private readonly tasks: TaskIds) {}

  get pthreadOffset(): number | undefined {
    return this.offset;
  }

  learn(threadIds: number[]): void {
    if (this.offset === undefined && threadIds.length) this.offset = findTidOffset(this.mem, threadIds, this.tasks.innerIds());
  }

  outer(inner: number): number | undefined {
    return this.tasks.outer(inner);
  }

  inner(outer: number): number | undefined {
    return this.tasks.inner(outer);
  }
}
