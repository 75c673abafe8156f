// The target's memory as the Python side sees it: exact reads or a
// MemoryError, nothing else. Backed by process_vm_readv, one call per read.

import { constants } from 'node:os';
import { native, type NativeAddon } from './native';

/** A region of an image of memory built in this process (tests build CPython structs this way). */
export interface MemoryRegion { addr: number; bytes: Buffer }

/** Reads the target's memory. Addresses are plain numbers (user space is < 2^47). */
export interface Memory {
  /** Exactly len bytes at addr; throws MemoryError on EFAULT/EIO/ESRCH or a short read. len <= 16 MiB. */
  read(addr: number, len: number): Buffer;
  /** The same memory for the native stack walker: a process id, or the regions of an image. */
  readonly source: number | readonly MemoryRegion[];
}

export class MemoryError extends Error {
  constructor(
    message: string,
    readonly addr: number,
    readonly len: number,
  ) {
    super(message);
  }
}

export const MAX_READ = 16 * 1024 * 1024;

const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([k, v]) => [v, k]));

/** The errno's name for messages ('ESRCH'), or its number. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

/** Memory of a live process, read with process_vm_readv. */
export class ProcessMemory implements Memory {
  private readonly addon: NativeAddon;
  /** Reads done so far (for statistics and tests). */
  reads = 0;

  constructor(readonly pid: number) {
    this.addon = native();
  }

  read(addr: number, len: number): Buffer {
    if (!Number.isSafeInteger(addr) || addr < 0 || !Number.isInteger(len) || len < 0 || len > MAX_READ) {
      throw new MemoryError(`bad read of ${len} bytes at ${addr}`, addr, len);
    }
    const buf = Buffer.allocUnsafe(len);
    this.reads++;
    const r = this.addon.readInto(this.pid, addr, buf, len);
    if (r !== len) {
      throw new MemoryError(`cannot read ${len} bytes at 0x${addr.toString(16)}: ${errnoName(-r)}`, addr, len);
    }
    return buf;
  }

  get source(): number {
    return this.pid;
  }
}
