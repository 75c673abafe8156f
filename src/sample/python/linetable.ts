// Line numbers from a code object's line table, one algorithm per table format.
// Every function here matches CPython's own PyCode_Addr2Line at every offset
// (checked by test/python-linetable.test.ts against the interpreter itself).
// All use half-open address ranges: an entry covers [start, end).

/** Table formats: co_lnotab with unsigned (2.7) or signed (3.6–3.9) line deltas,
 *  3.10's co_linetable, and the 3.11+ location table. */
export type LineFormat = 'lnotab-u8' | 'lnotab-i8' | 'linetable-310' | 'locations-311';

/** The line for byte offset `addr` into the bytecode; -1 when the instruction has no line. */
export function lineFor(format: LineFormat, table: Buffer, firstLine: number, addr: number): number {
  switch (format) {
    case 'lnotab-u8':
      return lnotab(table, firstLine, addr, false);
    case 'lnotab-i8':
      return lnotab(table, firstLine, addr, true);
    case 'linetable-310':
      return linetable310(table, firstLine, addr);
    case 'locations-311':
      return locations311(table, firstLine, addr);
  }
}

/** 2.7–3.9: pairs (address increment u8, line increment u8 or i8). */
function lnotab(t: Buffer, firstLine: number, addr: number, signed: boolean): number {
  let line = firstLine;
  let at = 0;
  for (let i = 0; i + 1 < t.length; i += 2) {
    at += t[i]!;
    if (at > addr) break;
    const d = t[i + 1]!;
    line += signed && d >= 128 ? d - 256 : d;
  }
  return line;
}

/** 3.10: pairs (address increment u8, line increment i8 where -128 means "no line").
 *  The address always advances, also for -128 entries. */
function linetable310(t: Buffer, firstLine: number, addr: number): number {
  if (addr < 0) return firstLine;
  let line = firstLine;
  let end = 0;
  for (let i = 0; i + 1 < t.length; i += 2) {
    const start = end;
    end += t[i]!;
    const d = t[i + 1]! >= 128 ? t[i + 1]! - 256 : t[i + 1]!;
    let cur = -1;
    if (d !== -128) {
      line += d;
      cur = line;
    }
    if (start <= addr && addr < end) return cur;
  }
  return -1;
}

/** 3.11+: the location table of Objects/locations.md. Each entry starts with a byte
 *  that has bit 7 set; bits 3–6 are the entry code, bits 0–2 the length in code units − 1. */
function locations311(t: Buffer, firstLine: number, addr: number): number {
  if (addr < 0) return firstLine;
  let line = firstLine;
  let end = 0;
  let i = 0;
  while (i < t.length) {
    const first = t[i++]!;
    const code = (first >> 3) & 15;
    const start = end;
    end += ((first & 7) + 1) * 2;
    let cur: number;
    if (code === 15) {
      cur = -1;
    } else if (code === 13 || code === 14) {
      let v = 0;
      let shift = 0;
      let b: number;
      do {
        b = t[i++] ?? 0;
        v += (b & 63) * 2 ** shift;
        shift += 6;
      } while (b & 64 && i < t.length && shift < 42);
      line += v % 2 === 1 ? -Math.floor(v / 2) : Math.floor(v / 2);
      cur = line;
    } else if (code >= 10) {
      line += code - 10;
      cur = line;
    } else {
      cur = line;
    }
    while (i < t.length && !(t[i]! & 128)) i++;
    if (start <= addr && addr < end) return cur;
  }
  return -1;
}
