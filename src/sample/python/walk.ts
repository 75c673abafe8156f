// Frame chains, copied cheaply while the target is stopped: per frame only the
// code object's address and the instruction position, decoded later by resolve().
// Every chain is bounded and checked for cycles; a broken chain is truncated at
// the last good frame and the reason returned.

import type { InterpreterFrame, Layout, ObjectFrame } from './layouts';
import { frameSpan } from './layouts';
import { isPtr, ptr, type Memory } from './memory';

export const MAX_FRAMES = 4096;

/** Raw frames are stored flat, three numbers per frame: code address, instruction, flags. */
export const FRAME_STRIDE = 3;
/** Flag: the frame belongs to a generator or coroutine (exempt from the incomplete-frame rule). */
export const FLAG_GENERATOR = 1;

/** A local copy of the thread's current data-stack chunk (3.11+), where its frames live. */
export interface StackCopy { start: number; bytes: Buffer }

/** Appends the frames starting at `first` to `out`; returns why the chain was cut, if it was. */
export function walkFrames(mem: Memory, l: Layout, first: number, out: number[], copy?: StackCopy): string | undefined {
  return l.frame.kind === 'object'
    ? walkObjects(mem, l.frame, frameSpan(l), first, out)
    : walkInterpreter(mem, l.frame, frameSpan(l), first, out, copy);
}

const PAGE = 4096;

/** ≤3.10: PyFrameObject → f_back. Frame objects are separate heap objects, but consecutive
 *  calls' frames are often allocated side by side, so whole pages are read (a page is mapped
 *  entirely or not at all) and frames on an already-read page cost nothing. */
function walkObjects(mem: Memory, f: ObjectFrame, span: number, first: number, out: number[]): string | undefined {
  const seen = new Set<number>();
  const pages = new Map<number, Buffer>();
  for (let addr = first, n = 0; addr !== 0; n++) {
    if (n >= MAX_FRAMES) return `more than ${MAX_FRAMES} frames (truncated)`;
    if (!isPtr(addr)) return `bad frame pointer 0x${addr.toString(16)}`;
    if (seen.has(addr)) return 'frame chain loops';
    seen.add(addr);
    const page = addr - (addr % PAGE);
    let b: Buffer | undefined;
    let o = 0;
    if (addr + span <= page + PAGE) {
      b = pages.get(page);
      if (!b) {
        try {
          b = mem.read(page, PAGE);
          pages.set(page, b);
        } catch {
          b = undefined; // fall back to the frame alone
        }
      }
      o = addr - page;
    }
    if (!b) {
      try {
        b = mem.read(addr, span);
        o = 0;
      } catch {
        return `frame at 0x${addr.toString(16)} unreadable`;
      }
    }
    out.push(ptr(b, o + f.code), b.readInt32LE(o + f.lasti) * f.lastiUnit, 0);
    addr = ptr(b, o + f.back);
  }
  return undefined;
}

/** 3.11+: _PyInterpreterFrame → previous, reading from the stack copy where possible. */
function walkInterpreter(mem: Memory, f: InterpreterFrame, span: number, first: number, out: number[],
  copy?: StackCopy): string | undefined {
  const seen = new Set<number>();
  const tagMod = 2 ** f.tagBits;
  for (let addr = first, n = 0; addr !== 0; n++) {
    if (n >= MAX_FRAMES) return `more than ${MAX_FRAMES} frames (truncated)`;
    if (!isPtr(addr)) return `bad frame pointer 0x${addr.toString(16)}`;
    if (seen.has(addr)) return 'frame chain loops';
    seen.add(addr);
    let b: Buffer;
    let o: number;
    if (copy && addr >= copy.start && addr + span <= copy.start + copy.bytes.length) {
      b = copy.bytes;
      o = addr - copy.start;
    } else {
      try {
        b = mem.read(addr, span);
      } catch {
        return `frame at 0x${addr.toString(16)} unreadable`;
      }
      o = 0;
    }
    const owner = b[o + f.owner]!;
    if (!f.skipOwners.includes(owner)) {
      let code = ptr(b, o + f.code);
      if (tagMod > 1) code -= code % tagMod;
      out.push(code, ptr(b, o + f.instr), owner === f.ownerGenerator ? FLAG_GENERATOR : 0);
    }
    addr = ptr(b, o + f.previous);
  }
  return undefined;
}
