// Decoding str and bytes objects read from the target. Lengths come from the
// target and are bounded, so a corrupt object costs one failed read at most.

import type { Layout } from './layouts';
import { ptr, type Memory } from './memory';

/** Longest string or bytes object decoded (code points or bytes). */
export const MAX_STRING = 64 * 1024;

/** The text of a str (3.x, PEP 393) or a byte string (2.7, decoded as UTF-8). */
export function readString(mem: Memory, l: Layout, addr: number): string {
  const s = l.str;
  if (s.kind === 'bytes') return readBytes(mem, { size: s.size, data: s.data }, addr).toString('utf8');
  // Only the PyASCIIObject part: a short ASCII string ends right after it.
  const head = mem.read(addr, s.asciiSize);
  const length = Number(head.readBigInt64LE(s.length));
  const state = head.readUInt32LE(s.state);
  const kind = (state >>> 2) & 7;
  const compact = (state >>> 5) & 1;
  const ascii = (state >>> 6) & 1;
  if (length < 0 || length > MAX_STRING) throw new Error(`string length ${length} out of range`);
  if (kind !== 1 && kind !== 2 && kind !== 4) throw new Error(`string kind ${kind} invalid`);
  if (ascii && kind !== 1) throw new Error('ASCII string with wide kind');
  let data: number;
  if (compact) data = addr + (ascii ? s.asciiSize : s.compactSize);
  else data = ptr(mem.read(addr + s.compactSize, 8), 0); // legacy string: data.any follows the header
  if (length === 0) return '';
  return decodeKind(mem.read(data, length * kind), kind);
}

/** Code points stored 1, 2 or 4 bytes wide (little-endian) as a JS string. */
export function decodeKind(b: Buffer, kind: number): string {
  if (kind === 1) return b.toString('latin1');
  if (kind === 2) return b.toString('utf16le');
  let out = '';
  for (let i = 0; i + 3 < b.length; i += 4) {
    const cp = b.readUInt32LE(i);
    out += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
  }
  return out;
}

/** The contents of a bytes object (2.7: str). */
export function readBytes(mem: Memory, b: { size: number; data: number }, addr: number, max = 1 << 20): Buffer {
  const size = Number(mem.read(addr + b.size, 8).readBigInt64LE(0));
  if (size < 0 || size > max) throw new Error(`bytes length ${size} out of range`);
  return size === 0 ? Buffer.alloc(0) : mem.read(addr + b.data, size);
}
