// The view of the target's memory that this package reads through. It is the
// same shape as src/sample/memory.ts's Memory (structural typing makes the
// runtime's implementation fit); kept here so the Python knowledge has no
// dependency on how memory is read (process_vm_readv, /proc/PID/mem, a Buffer).

export interface Memory {
  /** Exactly len bytes at addr; throws on an unmapped address or a short read. */
  read(addr: number, len: number): Buffer;
}

/** Largest address a user-space pointer can hold on x86_64 (2^47). */
export const MAX_ADDR = 2 ** 47;

/** An 8-byte little-endian pointer as a number (exact below 2^53). */
export function ptr(b: Buffer, off: number): number {
  return Number(b.readBigUInt64LE(off));
}

/** A plausible user-space object pointer: non-null, 8-aligned, below 2^47. */
export function isPtr(p: number): boolean {
  return p >= 4096 && p < MAX_ADDR && p % 8 === 0;
}
