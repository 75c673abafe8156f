// The view of the target's memory that this package reads through: the
// runtime's Memory interface (a type-only import, so the addon is never
// loaded from here), and small helpers for pointers read from it.

export type { Memory } from '../memory';

/** Largest address a user-space pointer can hold on x86_64 (2^47). */
export const MAX_ADDR = 2 ** 47;

/** An 8-byte little-endian pointer as a number (exact below 2^53). Two 32-bit halves, not
 *  readBigUInt64LE: no BigInt is allocated, which matters in the stopped window. */
export function ptr(b: Buffer, off: number): number {
  return b.readUInt32LE(off + 4) * 4294967296 + b.readUInt32LE(off);
}

/** A plausible user-space object pointer: non-null, 8-aligned, below 2^47. */
export function isPtr(p: number): boolean {
  return p >= 4096 && p < MAX_ADDR && p % 8 === 0;
}
