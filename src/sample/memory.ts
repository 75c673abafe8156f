// The target's memory as the Python side sees it: exact reads or a
// MemoryError, nothing else. Backed by process_vm_readv, one call per read.

import { constants } from 'node:os';
import { native, type NativeAddon } from './native';

/** Reads the target's memory. Addresses are plain numbers (user space is < 2^47). */
export interface Memory {
  /** Exactly len bytes at addr; throws MemoryError on EFAULT/EIO/ESRCH or a short read. len <= 16 MiB. */
  read(addr: number, len: number): Buffer;
  /** Several regions in one system call, where the memory can: each region's bytes, or
   *  undefined for a region that could not be read (and for every region after it).
   *  The bytes may be overwritten by the next readRegions call. */
  readRegions?(addrs: number[], lens: number[]): (Buffer | undefined)[];
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
  // readRegions runs once per sample while the target is stopped: it reuses its
  // buffers, as allocating a fresh one of a few pages costs more than the copy.
  private regionBytes = Buffer.allocUnsafe(0);
  private readonly regionAddrs = new Float64Array(1024);
  private readonly regionLens = new Float64Array(1024);

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

  readRegions(addrs: number[], lens: number[]): (Buffer | undefined)[] {
    const n = Math.min(addrs.length, lens.length, 1024);
    let total = 0;
    for (let i = 0; i < n; i++) total += lens[i]!;
    if (n === 0 || total > MAX_READ) return [];
    if (this.regionBytes.length < total) this.regionBytes = Buffer.allocUnsafe(Math.max(total, 2 * this.regionBytes.length));
    const buf = this.regionBytes;
    for (let i = 0; i < n; i++) {
      this.regionAddrs[i] = addrs[i]!;
      this.regionLens[i] = lens[i]!;
    }
    this.reads++;
    const got = this.addon.readMany(this.pid, this.regionAddrs.subarray(0, n), this.regionLens.subarray(0, n), buf);
    const out: (Buffer | undefined)[] = [];
    for (let i = 0, off = 0; i < n; off += lens[i]!, i++) out.push(off + lens[i]! <= got ? buf.subarray(off, off + lens[i]!) : undefined);
    return out;
  }
}
