// A Memory over Buffers placed at chosen addresses, for decoding tests that
// build CPython structs by hand. Reads outside the placed ranges fail as
// they would in a real process (EFAULT), and so do reads that cross an end.

import type { Memory } from '../../src/sample/python/memory';
import type { MemoryRegion } from '../../src/sample/memory';

export class FakeMemory implements Memory {
  private readonly regions: MemoryRegion[] = [];

  /** The native walker reads the placed buffers themselves, so later writes are seen. */
  get source(): readonly MemoryRegion[] {
    return this.regions;
  }

  /** Places bytes at addr (the buffer is shared, not copied). */
  put(addr: number, bytes: Buffer): this {
    this.regions.push({ addr, bytes });
    return this;
  }

  /** A zeroed region of len bytes at addr, returned for filling in. */
  alloc(addr: number, len: number): Buffer {
    const b = Buffer.alloc(len);
    this.put(addr, b);
    return b;
  }

  /** Takes away the region placed at addr (the target unmapping memory). */
  remove(addr: number): void {
    const i = this.regions.findIndex((r) => r.addr === addr);
    if (i < 0) throw new Error(`no region at 0x${addr.toString(16)}`);
    this.regions.splice(i, 1);
  }

  /** Overwrites bytes inside a placed region (the target changing its memory). */
  write(addr: number, bytes: Buffer): void {
    const r = this.regions.find((x) => addr >= x.addr && addr + bytes.length <= x.addr + x.bytes.length);
    if (!r) throw new Error(`no region holds 0x${addr.toString(16)}`);
    bytes.copy(r.bytes, addr - r.addr);
  }

  read(addr: number, len: number): Buffer {
    for (const r of this.regions) {
      if (addr >= r.addr && addr + len <= r.addr + r.bytes.length) {
        return Buffer.from(r.bytes.subarray(addr - r.addr, addr - r.addr + len));
      }
    }
    throw new Error(`EFAULT: ${len} bytes at 0x${addr.toString(16)}`);
  }
}
