// Finding the interpreter without symbols: every aligned word in the image's
// writable mappings is a candidate PyInterpreterState pointer. The cheap test
// (interp->threads_head->interp == interp) alone accepts dozens of unrelated
// structs that point at each other, so a candidate must also pass `accept`,
// which walks its threads and frames and checks the code objects' type.

import type { Layout } from './layouts';
import type { MapEntry } from './maps';
import { inWritable, writableOf } from './maps';
import { isPtr, ptr, type Memory } from './memory';

const CHUNK = 1024 * 1024;
/** Most bytes of writable data scanned per image (libpython's .data + .bss are well under this). */
const MAX_SCAN = 64 * 1024 * 1024;

export interface ScanHit {
  /** The interpreter. */
  interp: number;
  /** Where the pointer to it was found (for 3.7+: &_PyRuntime.interpreters.head). */
  at: number;
}

export function scanForInterp(mem: Memory, maps: MapEntry[], image: string, l: Layout,
  accept: (interp: number) => boolean): ScanHit | undefined {
  const tried = new Set<number>();
  let budget = MAX_SCAN;
  for (const region of writableOf(maps, image)) {
    for (let base = region.start; base < region.end && budget > 0; base += CHUNK) {
      const len = Math.min(CHUNK, region.end - base);
      budget -= len;
      let b: Buffer;
      try {
        b = mem.read(base, len);
      } catch {
        continue;
      }
      for (let o = 0; o + 8 <= b.length; o += 8) {
        const w = ptr(b, o);
        if (!isPtr(w) || tried.has(w) || !inWritable(maps, w)) continue;
        tried.add(w);
        if (backPointer(mem, maps, l, w) && accept(w)) return { interp: w, at: base + o };
      }
    }
  }
  return undefined;
}

/** interp->threads_head->interp == interp. */
function backPointer(mem: Memory, maps: MapEntry[], l: Layout, w: number): boolean {
  try {
    const t = ptr(mem.read(w + l.interp.threadsHead, 8), 0);
    if (!isPtr(t) || !inWritable(maps, t)) return false;
    return ptr(mem.read(t + l.tstate.interp, 8), 0) === w;
  } catch {
    return false;
  }
}
