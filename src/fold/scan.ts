// Cuts input into records and lines for the Folder, working on the bytes in
// one reused buffer: when no record is open, a whole record (header, frame
// lines, blank line) goes to Folder.record(), which usually knows its frame
// lines already and finds where it ends without reading it line by line.
// Everything else (perf quirks, folded lines, CRLF, comments, --srcline) goes
// line by line. Lines are latin1: every byte survives to the output unchanged.

import { MAX_LINE, type BadLines } from '../tool';
import type { Folder } from './folder';

const NL = 0x0a;
/** A record longer than this goes line by line rather than being buffered whole. */
const MAX_RECORD = 4 * 1024 * 1024;
/** Free room guaranteed to each read. */
const MIN_FREE = 64 * 1024;

export class Scanner {
  /** Input not yet consumed sits at buf[0, used); reads append after it. */
  private buf: Buffer;
  private used = 0;
  /** Inside a line longer than maxLine: skip to its end. */
  private overlong = false;

  constructor(
    private readonly folder: Folder,
    private readonly bad: BadLines,
    private readonly maxLine: number = MAX_LINE,
    size: number = 1024 * 1024,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(size, MIN_FREE));
  }

  /** Where the next read should put its bytes: buf from start to its end (at least 64 KiB). */
  space(): { buf: Buffer; start: number } {
    if (this.buf.length - this.used < MIN_FREE) {
      const bigger = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.used + MIN_FREE));
      this.buf.copy(bigger, 0, 0, this.used);
      this.buf = bigger;
    }
    return { buf: this.buf, start: this.used };
  }

  /** Takes the n bytes just read into space(). */
  commit(n: number): void {
    const end = this.used + n;
    // A view ending at the data, so searches never run into stale bytes.
    const buf = this.buf.subarray(0, end);
    let pos = 0;
    if (this.overlong) {
      const nl = buf.indexOf(NL, this.used);
      if (nl === -1 || nl >= end) {
        this.used = 0;
        return;
      }
      this.endOverlong();
      pos = nl + 1;
    }
    pos = this.scan(buf, pos, end);
    const rest = end - pos;
    if (rest > this.maxLine && buf.indexOf(NL, pos) === -1) {
      // An unfinished line already too long: skip the rest of it.
      this.overlong = true;
      this.used = 0;
    } else {
      if (pos > 0 && rest > 0) this.buf.copyWithin(0, pos, end);
      this.used = rest;
    }
  }

  /** Feeds a chunk from elsewhere (a stream): copied in, so the chunk may be reused. */
  push(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      const { buf, start } = this.space();
      const n = Math.min(chunk.length - off, buf.length - start);
      chunk.copy(buf, start, off, off + n);
      off += n;
      this.commit(n);
    }
  }

  /** Ends one input: a last line without a line break still counts. */
  end(): void {
    if (this.overlong) this.endOverlong();
    const end = this.used;
    const buf = this.buf.subarray(0, end);
    this.used = 0;
    let pos = 0;
    for (let nl = buf.indexOf(NL); nl !== -1 && nl < end; nl = buf.indexOf(NL, pos)) {
      this.emit(buf, pos, nl);
      pos = nl + 1;
    }
    if (pos < end) this.emit(buf, pos, end);
  }

  /** Consumes complete records and lines of buf[pos, end); returns where the unfinished rest starts. */
  private scan(buf: Buffer, pos: number, end: number): number {
    while (pos < end) {
      if (this.folder.idle && startsRecord(buf, pos)) {
        const next = this.tryRecord(buf, pos, end);
        if (next > 0) {
          pos = next;
          continue;
        }
        if (next === 0) break; // the record is not complete yet
      }
      const nl = buf.indexOf(NL, pos);
      if (nl === -1 || nl >= end) break;
      this.emit(buf, pos, nl);
      pos = nl + 1;
    }
    return pos;
  }

  /**
   * Tries the whole record starting at pos. Returns the position after its
   * blank line when the Folder took it, 0 when more input is needed, -1 when
   * it must go line by line.
   */
  private tryRecord(buf: Buffer, pos: number, end: number): number {
    const headerEnd = buf.indexOf(NL, pos);
    let stop = 0;
    // Every way of "not complete yet" ends at the one return below: a branch
    // first taken after V8 has optimized this would throw the code away.
    if (headerEnd !== -1 && headerEnd + 1 < end) {
      const first = headerEnd + 1;
      const c = buf[first]!;
      if (c !== 0x09 && c !== 0x20) return -1; // no frame line follows
      let hEnd = headerEnd;
      if (hEnd > pos && buf[hEnd - 1] === 0x0d) hEnd--;
      stop = this.folder.record(buf, pos, hEnd, first);
      if (stop > 0) return stop + 2;
    }
    return stop === 0 && end - pos <= MAX_RECORD ? 0 : -1;
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
