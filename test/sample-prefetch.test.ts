// PrefetchMemory: the reads of one capture are made again in one batch at the
// start of the next, and every read returns exactly the bytes a direct read of
// the memory gives now, whether it was served from the batch or not.

import test from 'ava';
import { MemoryError, type Memory } from '../src/sample/memory';
import { PrefetchMemory } from '../src/sample/python/prefetch';

/** A memory of two mapped ranges whose bytes can change, counting calls. */
class Image implements Memory {
  readonly ranges = [
    { start: 0x10000, bytes: Buffer.alloc(0x3000) },
    { start: 0x40000, bytes: Buffer.alloc(0x1000) },
  ];
  calls = 0;
  batches: number[][] = [];
  find2(addr: number, len: number): Buffer | undefined {
    return this.find(addr, len);
  }
  private find(addr: number, len: number): Buffer | undefined {
    const r = this.ranges.find((x) => addr >= x.start && addr + len <= x.start + x.bytes.length);
    return r && Buffer.from(r.bytes.subarray(addr - r.start, addr - r.start + len));
  }
  read(addr: number, len: number): Buffer {
    this.calls++;
    const b = this.find(addr, len);
    if (!b) throw new MemoryError('EFAULT', addr, len);
    return b;
  }
  readRegions(addrs: number[], lens: number[]): (Buffer | undefined)[] {
    this.calls++;
    this.batches.push([...addrs]);
    const out: (Buffer | undefined)[] = [];
    let failed = false;
    for (let i = 0; i < addrs.length; i++) {
      const b = failed ? undefined : this.find(addrs[i]!, lens[i]!);
      if (!b) failed = true;
      out.push(b);
    }
    return out;
  }
  fill(seed: number): void {
    for (const r of this.ranges) for (let i = 0; i < r.bytes.length; i++) r.bytes[i] = (i * 7 + seed) & 255;
  }
}

const READS: [number, number][] = [[0x10010, 24], [0x40100, 8], [0x10800, 5000], [0x40ff8, 8]];

test('reads served from the batch equal direct reads of the current bytes, in one call per capture', (t) => {
  const img = new Image();
  const mem = new PrefetchMemory(img);
  for (let round = 0; round < 4; round++) {
    img.fill(round); // the target changed between captures
    img.calls = 0;
    mem.begin();
    for (const [a, l] of READS) t.deepEqual(mem.read(a, l), img.find2(a, l), `round ${round} read at 0x${a.toString(16)}`);
    t.is(img.calls, round === 0 ? READS.length : 1, `round ${round}: system calls`);
  }
  // The long read was widened to whole pages: a slightly longer one next time is still inside.
  img.calls = 0;
  mem.begin();
  t.deepEqual(mem.read(0x10800, 5100), img.find2(0x10800, 5100));
  t.is(img.calls, 1);
});

test('a region that can no longer be read falls back to direct reads, which throw as before', (t) => {
  const img = new Image();
  img.fill(1);
  const mem = new PrefetchMemory(img);
  mem.begin();
  for (const [a, l] of READS) mem.read(a, l);
  img.ranges.pop(); // the second range is unmapped
  mem.begin();
  t.deepEqual(mem.read(0x10010, 24), img.find2(0x10010, 24));
  t.throws(() => mem.read(0x40100, 8), { instanceOf: MemoryError });
  t.deepEqual(mem.read(0x10800, 5000), img.find2(0x10800, 5000));
  // Only regions that were read are tried again.
  mem.begin();
  t.false(img.batches.at(-1)!.includes(0x40100));
});

test('without readRegions every read goes to the memory itself', (t) => {
  const img = new Image();
  img.fill(2);
  const plain: Memory = { read: (a, l) => img.read(a, l) };
  const mem = new PrefetchMemory(plain);
  for (let round = 0; round < 2; round++) {
    img.calls = 0;
    mem.begin();
    for (const [a, l] of READS) t.deepEqual(mem.read(a, l), img.find2(a, l));
    t.is(img.calls, READS.length);
  }
});
