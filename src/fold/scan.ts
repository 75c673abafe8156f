// Cuts input chunks into records and lines for the Folder, working on the
// Buffers themselves: the hot path finds a record's end with one indexOf of
// "\n\n" and hands its frame lines over as one string, which the Folder has
// usually seen before, so most records cost a header parse and a Map lookup.
// Everything else (perf quirks, folded lines, CRLF, comments, --srcline) goes
// line by line. Lines are latin1: every byte survives to the output unchanged.

import { MAX_LINE, type BadLines } from '../tool';
import type { Folder } from './folder';

const NL = 0x0a;
const END_OF_RECORD = Buffer.from('\n\n', 'latin1');
/** A record longer than this goes line by line rather than being buffered whole. */
const MAX_RECORD = 4 * 1024 * 1024;

export class Scanner {
  private carry: Buffer | null = null;
  /** Inside a line longer than maxLine: skip to its end. */
  private overlong = false;

  constructor(
    private readonly folder: Folder,
    private readonly bad: BadLines,
    private readonly maxLine: number = MAX_LINE,
  ) {}

  /** Feeds the next chunk of input. */
  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.carry) {
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = null;
    }
    let pos = 0;
    if (this.overlong) {
      const nl = buf.indexOf(NL);
      if (nl === -1) return;
      this.endOverlong();
      pos = nl + 1;
    }
    const n = buf.length;
    while (pos < n) {
      if (this.folder.idle && startsRecord(buf, pos)) {
        const end = this.tryRecord(buf, pos);
        if (end > 0) {
          pos = end;
          continue;
        }
        if (end === 0) break; // the record is not complete yet
      }
      const nl = buf.indexOf(NL, pos);
      if (nl === -1) break;
      this.emit(buf, pos, nl);
      pos = nl + 1;
    }
    if (pos < n) {
      if (n - pos > this.maxLine && buf.indexOf(NL, pos) === -1) {
        this.overlong = true;
      } else {
        // Copied, so the big chunk it came from is not kept alive.
        this.carry = Buffer.from(buf.subarray(pos));
      }
    }
  }

  /** Ends the input: a last line without a line break still counts. */
  end(): void {
    if (this.overlong) this.endOverlong();
    else if (this.carry) {
      const buf = this.carry;
      this.carry = null;
      let pos = 0;
      for (let nl = buf.indexOf(NL); nl !== -1; nl = buf.indexOf(NL, pos)) {
        this.emit(buf, pos, nl);
        pos = nl + 1;
      }
      if (pos < buf.length) this.emit(buf, pos, buf.length);
    }
  }

  /**
   * Tries the whole record starting at pos. Returns the position after its
   * blank line when the Folder took it, 0 when more input is needed, -1 when
   * it must go line by line.
   */
  private tryRecord(buf: Buffer, pos: number): number {
    const headerEnd = buf.indexOf(NL, pos);
    if (headerEnd === -1) return buf.length - pos > MAX_RECORD ? -1 : 0;
    const first = headerEnd + 1;
    if (first >= buf.length) return 0;
    const c = buf[first]!;
    if (c !== 0x09 && c !== 0x20) return -1; // no frame line follows
    const stop = buf.indexOf(END_OF_RECORD, headerEnd);
    if (stop === -1) return buf.length - pos > MAX_RECORD ? -1 : 0;
    if (stop - pos > MAX_RECORD) return -1;
    let hEnd = headerEnd;
    if (hEnd > pos && buf[hEnd - 1] === 0x0d) hEnd--;
    const header = buf.toString('latin1', pos, hEnd);
    const block = buf.toString('latin1', first, stop);
    return this.folder.record(header, block) ? stop + 2 : -1;
  }

  private emit(buf: Buffer, start: number, end: number): void {
    if (end > start && buf[end - 1] === 0x0d) end--;
    if (end - start > this.maxLine) {
      this.folder.where.line++;
      this.bad.add(this.folder.where, '', `line longer than ${this.maxLine} bytes`);
      return;
    }
    this.folder.line(buf.toString('latin1', start, end));
  }

  private endOverlong(): void {
    this.overlong = false;
    this.folder.where.line++;
    this.bad.add(this.folder.where, '', `line longer than ${this.maxLine} bytes`);
  }
}

/** A record header starts with a byte that is not a blank, a line break or '#'. */
function startsRecord(buf: Buffer, pos: number): boolean {
  const c = buf[pos]!;
  return c !== 0x23 && c !== 0x0a && c !== 0x0d && c !== 0x09 && c !== 0x20 && c !== 0x0b && c !== 0x0c;
}
