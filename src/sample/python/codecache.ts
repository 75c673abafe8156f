// resolve(): raw frames (code address, instruction) to file/function/line,
// through a cache so that a code object is read once and a line computed once
// per (code, instruction). Runs after the target is resumed.

import type { Layout } from './layouts';
import { codeSpan } from './layouts';
import { lineFor } from './linetable';
import { ptr, type Memory } from './memory';
import { readBytes, readString } from './strings';
import { FLAG_GENERATOR } from './walk';

export interface Frame { file: string; name: string; line: number; code: number }

interface CodeInfo {
  file: string;
  name: string;
  firstLine: number;
  table: Buffer;
  firstTraceable?: number;
  /** Not a code object (3.13 shim frames hold None): such frames are skipped. */
  notCode?: boolean;
  error?: string;
  lines: Map<number, number>;
  /** The code object's identity (type, name and table pointers, first line) when it was read. */
  key?: string;
  /** The sample in which `key` was last confirmed. */
  checked?: number;
}

/** Code objects kept before the cache is emptied (bounds memory on long runs). */
const MAX_CODES = 100_000;

export class CodeCache {
  private codes = new Map<number, CodeInfo>();
  private sample = 0;

  /** codeType: address of PyCode_Type, when known, to reject non-code pointers. */
  constructor(private readonly mem: Memory, private readonly layout: Layout, private readonly codeType?: number) {}

  /** Starts a new sample: each cached code object is re-checked once in it, since a freed code
   *  object's address can be reused by a new one (one small read per distinct code per sample,
   *  after the target has been resumed). */
  newSample(): void {
    this.sample++;
  }

  /** The frame, null when it is not a Python frame to show (incomplete or not code), or a
   *  '?' frame with the reason when the code object cannot be decoded. */
  frame(code: number, instr: number, flags: number): { frame: Frame; error?: string } | null {
    const info = this.info(code);
    if (info.notCode) return null;
    if (info.error) return { frame: { file: '?', name: '?', line: 0, code }, error: info.error };
    let line = info.lines.get(instr);
    if (line === undefined) {
      const c = this.layout.code;
      // ≤3.10 instr is already a byte offset; 3.11+ it is a pointer into co_code_adaptive.
      const addr = c.codeAdaptive === undefined ? instr : instr - (code + c.codeAdaptive);
      // 3.11+: a frame whose first instructions have not run yet is not shown (as CPython does).
      if (c.codeAdaptive !== undefined && !(flags & FLAG_GENERATOR) && info.firstTraceable !== undefined &&
          addr < info.firstTraceable * 2) {
        line = -2;
      } else {
        line = Math.max(0, lineFor(c.lineFormat, info.table, info.firstLine, addr));
      }
      info.lines.set(instr, line);
    }
    if (line === -2) return null;
    return { frame: { file: info.file, name: info.name, line, code } };
  }

  private info(code: number): CodeInfo {
    let info = this.codes.get(code);
    if (info && info.checked !== this.sample) {
      const key = this.identity(code);
      if (key === info.key || key === undefined) info.checked = this.sample;
      else info = undefined;
    }
    if (info) return info;
    if (this.codes.size >= MAX_CODES) this.codes.clear();
    info = this.read(code);
    // A failed read may be a race with the running target: try again next time.
    if (!info.error) this.codes.set(code, info);
    return info;
  }

  /** What identifies the code object at an address; undefined if it cannot be read now. */
  private identity(code: number): string | undefined {
    try {
      return this.keyOf(this.mem.read(code, codeSpan(this.layout)));
    } catch {
      try {
        return `${ptr(this.mem.read(code + this.layout.obType, 8), 0)}`; // a small non-code object
      } catch {
        return undefined;
      }
    }
  }

  private keyOf(b: Buffer): string {
    const l = this.layout;
    const c = l.code;
    if (this.codeType !== undefined && ptr(b, l.obType) !== this.codeType) return `${ptr(b, l.obType)}`;
    const name = ptr(b, c.qualname ?? c.name);
    return `${ptr(b, l.obType)}:${ptr(b, c.filename)}:${name}:${ptr(b, c.lines)}:${b.readInt32LE(c.firstlineno)}`;
  }

  private read(code: number): CodeInfo {
    const l = this.layout;
    const c = l.code;
    const lines = new Map<number, number>();
    try {
      // The type first: a 3.13 shim's executable is None, a small object that may end
      // before a code object would.
      if (this.codeType !== undefined && ptr(this.mem.read(code + l.obType, 8), 0) !== this.codeType) {
        if (l.frame.kind === 'interpreter') {
          const key = this.identity(code);
          return { file: '', name: '', firstLine: 0, table: Buffer.alloc(0), notCode: true, lines, key, checked: this.sample };
        }
        throw new Error('not a code object');
      }
      const b = this.mem.read(code, codeSpan(l));
      const name = readString(this.mem, l, ptr(b, c.qualname ?? c.name));
      const file = readString(this.mem, l, ptr(b, c.filename));
      // CPython's own trampoline code (3.12+: "<interpreter trampoline>" in "<shim>") runs no
      // user code; its frames sit on the C stack and are skipped by owner, but a read that races
      // with the running target (--nonblocking) can still reach one.
      if (file === '<shim>') {
        return { file, name, firstLine: 0, table: Buffer.alloc(0), notCode: true, lines, key: this.keyOf(b), checked: this.sample };
      }
      const table = readBytes(this.mem, l.bytes, ptr(b, c.lines));
      const info: CodeInfo = { file, name, firstLine: b.readInt32LE(c.firstlineno), table, lines, checked: this.sample,
        key: this.keyOf(b) };
      if (c.firstTraceable !== undefined) info.firstTraceable = b.readInt32LE(c.firstTraceable);
      return info;
    } catch (e) {
      return { file: '?', name: '?', firstLine: 0, table: Buffer.alloc(0), lines,
        error: `code object at 0x${code.toString(16)}: ${(e as Error).message}` };
    }
  }
}
