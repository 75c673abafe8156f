// The reads of one capture, made again as one system call at the start of the
// next. A capture of a busy thread reads the same few places every sample (the
// GIL state, the interpreter, the thread state, the frame chunk), each read
// costing a system call while the target is stopped; reading last sample's
// places in one batch first serves most of this sample's reads from memory
// copied during this very stop, so the bytes are the same a direct read gives.
// Whatever the batch does not hold is read directly, as before.

import type { Memory } from './memory';

/** At most this many regions (the kernel's limit per call), and bytes, are read ahead. */
const MAX_REGIONS = 1024;
const MAX_BYTES = 1024 * 1024;
/** Reads this long are widened to whole pages (mapped entirely or not at all), so a stack that
 *  grows or shrinks a little next time is still inside. */
const WIDEN = 1024;
const PAGE = 4096;

export class PrefetchMemory implements Memory {
  private addrs: number[] = [];
  private lens: number[] = [];
  private bytes = 0;
  /** Regions noted in this capture, by address (their lengths). */
  private noted = new Map<number, number>();
  private ahead: { addr: number; buf: Buffer }[] = [];
  /** Where the next lookup starts: reads come in about the same order every capture. */
  private cursor = 0;

  constructor(private readonly inner: Memory) {}

  /** Starts a capture: reads the previous capture's regions in one call, then records anew. */
  begin(): void {
    this.ahead = [];
    if (this.inner.readRegions && this.addrs.length) {
      const bufs = this.inner.readRegions(this.addrs, this.lens);
      for (let i = 0; i < bufs.length; i++) {
        const buf = bufs[i];
        if (buf) this.ahead.push({ addr: this.addrs[i]!, buf });
      }
    }
    this.addrs = [];
    this.lens = [];
    this.bytes = 0;
    this.noted.clear();
    this.cursor = 0;
  }

  read(addr: number, len: number): Buffer {
    const n = this.ahead.length;
    for (let k = 0; k < n; k++) {
      const i = (this.cursor + k) % n;
      const a = this.ahead[i]!;
      const off = addr - a.addr;
      if (off >= 0 && off + len <= a.buf.length) {
        this.cursor = i + 1;
        this.note(a.addr, a.buf.length);
        return a.buf.subarray(off, off + len);
      }
    }
    const b = this.inner.read(addr, len); // throws as the inner memory does
    if (len >= WIDEN) {
      const start = addr - (addr % PAGE);
      const end = Math.ceil((addr + len) / PAGE) * PAGE;
      this.note(start, end - start);
    } else {
      this.note(addr, len);
    }
    return b;
  }

  /** Remembers a region that was read, for the next batch (each region once). */
  private note(addr: number, len: number): void {
    if (this.addrs.length >= MAX_REGIONS || this.bytes + len > MAX_BYTES) return;
    if (this.noted.get(addr) === len) return;
    this.noted.set(addr, len);
    this.addrs.push(addr);
    this.lens.push(len);
    this.bytes += len;
  }
}
