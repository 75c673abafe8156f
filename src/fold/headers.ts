// Record headers for the whole-record path, parsed once per distinct header
// rather than per record. Headers differ mostly by their timestamp:
//
//   python3 9876/9877 [gil] 1732560883.123456: 1 cpu-clock:
//                           ^^^^^^^^^^^^^^^^^ left out of the key
//
// A parse is reused only when the timestamp took no part in it: the id part
// ended before it and the event part began after it (a timestamp is
// digits.digits, never a lone number, so the parse of the rest cannot
// depend on its value).

import { parseFolded } from '../tool';
import { parseHeader, type Header } from './perf';

interface Entry {
  /** The header's bytes without the timestamp. */
  bytes: Buffer;
  header: Header;
}

/** Distinct headers kept (threads x events x flags: small in practice). */
const MAX_ENTRIES = 4096;

export class HeaderCache {
  private readonly map = new Map<number, Entry[]>();
  private size = 0;

  /** The header in buf[start, end), or null when the line is not one here (a folded line, say). */
  get(buf: Buffer, start: number, end: number): Header | null {
    const c = timestampEnd(buf, start, end);
    const t0 = c < 0 ? -1 : timestampStart(buf, start, c);
    if (t0 < 0) return parse(buf.toString('latin1', start, end));
    const key = fnv(buf, c, end, fnv(buf, start, t0, t0 - start));
    const list = this.map.get(key);
    if (list) {
      for (const e of list) if (same(e.bytes, buf, start, t0, c, end)) return e.header;
    }
    const h = parse(buf.toString('latin1', start, end));
    if (h === null || h.idEnd > t0 - start || (h.eventAt !== -1 && h.eventAt < c - start)) return h;
    if (this.size++ > MAX_ENTRIES) {
      this.map.clear();
      this.size = 0;
    }
    const bytes = Buffer.concat([buf.subarray(start, t0), buf.subarray(c, end)]);
    const entry = { bytes, header: h };
    if (list) list.push(entry);
    else this.map.set(key, [entry]);
    return h;
  }
}

function parse(line: string): Header | null {
  // Folded lines end in a digit (their count); perf's headers end in "event:".
  const last = line.charCodeAt(line.length - 1);
  if (last >= 0x30 && last <= 0x39) {
    // One that also reads as a folded line is a header here, since a frame line follows it.
    const f = parseFolded(line);
    if (f && f.stack.includes(';')) return null;
  }
  return parseHeader(line);
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** Where the first `: ` (or colon and tab) is: the end of the timestamp in perf's and pysample's headers; -1 if none. */
function timestampEnd(buf: Buffer, start: number, end: number): number {
  for (let i = start; i + 1 < end; i++) {
    if (buf[i] === 0x3a && (buf[i + 1] === 0x20 || buf[i + 1] === 0x09)) return i;
  }
  return -1;
}

/** Where the timestamp `DIGITS.DIGITS` that ends at c starts, after a blank; -1 if it is not one. */
function timestampStart(buf: Buffer, start: number, c: number): number {
  let i = c - 1;
  while (i >= start && isDigit(buf[i]!)) i--;
  if (i === c - 1 || i < start || buf[i] !== 0x2e) return -1;
  const dot = i;
  i--;
  while (i >= start && isDigit(buf[i]!)) i--;
  if (i === dot - 1 || i < start || (buf[i] !== 0x20 && buf[i] !== 0x09)) return -1;
  return i + 1;
}

function fnv(buf: Buffer, start: number, end: number, seed: number): number {
  let h = Math.imul(0x811c9dc5 ^ seed, 0x01000193);
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h & 0x3fffffff;
}

/** Whether bytes equal buf[start, t0) followed by buf[t1, end). */
function same(bytes: Buffer, buf: Buffer, start: number, t0: number, t1: number, end: number): boolean {
  const a = t0 - start;
  if (bytes.length !== a + (end - t1)) return false;
  for (let i = 0; i < a; i++) if (bytes[i] !== buf[start + i]) return false;
  for (let i = t1; i < end; i++) if (bytes[a + i - t1] !== buf[i]) return false;
  return true;
}
