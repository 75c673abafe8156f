// Frames as the exporters show them: a Python frame split into function,
// file and line; any other frame (native, [idle], a thread root) a name alone.
// Folded text is latin1 (one char per byte, see scan.ts); here it becomes the
// UTF-8 text it is, once per distinct frame.

import { pythonFrameParts } from '../fold/python';

export interface FrameInfo {
  /** The function name, or the whole frame when it is not a Python frame. */
  func: string;
  /** The file ('' when unknown) and line (0 when unknown). */
  file: string;
  line: number;
  /** The frame as pyfold prints it (decoded): what round-trips. */
  text: string;
  /** A readable label: `func (file:line)` for Python frames, else the frame. */
  label: string;
}

/** `path:func` as pyfold --functions leaves a pysample frame: a Python file before the last colon. */
const NO_LINE_RE = /^((?:\/|<).*|.*\.pyw?):([^:/]+)$/s;

/** Decodes latin1-held bytes as UTF-8 (bytes that are not UTF-8 become U+FFFD). */
export function decode(s: string): string {
  // Pure ASCII, the usual case, needs no copy.
  return /[^\x00-\x7f]/.test(s) ? Buffer.from(s, 'latin1').toString('utf8') : s;
}

export function frameInfo(raw: string): FrameInfo {
  const text = decode(raw);
  const p = pythonFrameParts(text);
  if (p && (p.line === undefined || String(Number(p.line)) === p.line)) {
    const line = p.line === undefined ? 0 : Number(p.line);
    return { func: p.func, file: p.path, line, text, label: `${p.func} (${p.path}${p.line === undefined ? '' : `:${line}`})` };
  }
  const n = NO_LINE_RE.exec(text);
  if (n) return { func: n[2]!, file: n[1]!, line: 0, text, label: `${n[2]} (${n[1]})` };
  return { func: text, file: '', line: 0, text, label: text };
}

/** Caches frameInfo per distinct frame, and splits stacks into frame ids. */
export class FrameTable {
  readonly frames: FrameInfo[] = [];
  private readonly index = new Map<string, number>();

  /** Frame ids of a folded stack, root first. */
  split(stack: string): number[] {
    const out: number[] = [];
    let start = 0;
    for (;;) {
      const semi = stack.indexOf(';', start);
      const end = semi === -1 ? stack.length : semi;
      out.push(this.id(stack.slice(start, end)));
      if (semi === -1) return out;
      start = semi + 1;
    }
  }

  private id(raw: string): number {
    let id = this.index.get(raw);
    if (id === undefined) {
      id = this.frames.length;
      this.frames.push(frameInfo(raw));
      this.index.set(raw, id);
    }
    return id;
  }
}
