// A Memory that reads a live process through /proc/PID/mem (pread), for tests
// of the Python reader that do not need the native addon. Reading another
// process's memory this way needs the same rights as ptrace (root here).

import * as fs from 'node:fs';
import type { Memory } from '../../src/sample/python/memory';

export class ProcMemory implements Memory {
  private readonly fd: number;
  reads = 0;

  constructor(readonly pid: number) {
    this.fd = fs.openSync(`/proc/${pid}/mem`, 'r');
  }

  /** The native walker reads the same process with process_vm_readv. */
  get source(): number {
    return this.pid;
  }

  read(addr: number, len: number): Buffer {
    this.reads++;
    const b = Buffer.allocUnsafe(len);
    let n: number;
    try {
      n = fs.readSync(this.fd, b, 0, len, addr);
    } catch (e) {
      throw new Error(`read of ${len} bytes at 0x${addr.toString(16)} failed: ${(e as Error).message}`);
    }
    if (n !== len) throw new Error(`short read at 0x${addr.toString(16)}: ${n} of ${len} bytes`);
    return b;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
