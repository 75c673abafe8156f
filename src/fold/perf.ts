// The line shapes of `perf script` output (and of pysample's, which copies
// them), read the way stackcollapse-perf.pl reads them, so that pyfold's
// output equals that script's byte for byte:
//
//   java 25607 4794564.109216: 1 cycles:                    header, TID only
//   java 24636/25607 [000] 4794564.109216: 100 cycles:      header, PID/TID
//   python3 9876/9877 [gil] 1732560883.123456: 1 cpu-clock: header, pysample
//   	ffffffff8103ce3b native_safe_halt+0x1b ([kernel.kallsyms])    frame
//   	7f5e2c1a3b40 /srv/app/handlers.py:Handler.get:42 (python)     frame
//
// Lines are latin1 strings (one char per byte). Perl's \s and \S, on bytes,
// mean the six ASCII blanks, so they are spelt out: JavaScript's \s would also
// take byte 0xA0. The 's' flag lets '.' take '\r' as Perl's does.

const B = '[\\t\\n\\v\\f\\r ]';
const NB = '[^\\t\\n\\v\\f\\r ]';
const HEADER_RE = new RegExp(`^(${NB}.+?)${B}+(\\d+)\\/*(\\d+)*${B}+`, 's');
const EVENT_RE = new RegExp(`:${B}*(\\d+)*${B}+(${NB}+):${B}*$`, 's');
const FRAME_RE = new RegExp(`^${B}*(\\w+)${B}*(.+) \\((.*)\\)`, 's');
/** pysample's flags field, `[gil]`, `[idle]`, `[gil,idle]` or `[-]`; perf puts a CPU number there. */
const PYSAMPLE_FLAGS_RE = / \[(-|[a-z]+(?:,[a-z]+)*)\] \d/;

export interface Header {
  comm: string;
  /** '?' when perf printed only one id (then that id is the TID). */
  pid: string;
  tid: string;
  /** Weight of the record: perf's period, or 1. */
  period: number;
  /** The event name, or '' when the line has none (then no event filter applies). */
  event: string;
  /** Written by pysample (flags field in brackets) rather than by perf. */
  pysample: boolean;
  /** pysample's flags: the thread was idle, the thread held the GIL. */
  idle: boolean;
  gil: boolean;
  /** Where in the line the id part (COMM PID/TID) ends, and the event part starts (-1: none). */
  idEnd: number;
  eventAt: number;
  /** The root frames the Folder made of it, kept here since headers are parsed once and reused. */
  root?: string;
}

/** Parses a record header line; null when the line is not one. */
export function parseHeader(line: string): Header | null {
  const m = HEADER_RE.exec(line);
  if (!m) return null;
  let pid = m[2]!;
  let tid = m[3];
  // Perl tests the TID for truth, so a TID of "0" counts as missing too.
  if (!tid || tid === '0') {
    tid = pid;
    pid = '?';
  }
  let period = 1;
  let event = '';
  const e = EVENT_RE.exec(line);
  const eventAt = e ? e.index : -1;
  if (e) {
    event = e[2]!;
    const p = e[1];
    // Perl again: '' and '0' are false and mean 1; anything else is its number.
    if (p !== undefined && p !== '' && p !== '0') period = Number(p);
  }
  const flags = PYSAMPLE_FLAGS_RE.exec(line)?.[1];
  const has = (f: string): boolean => flags !== undefined && flags.split(',').includes(f);
  return {
    comm: m[1]!, pid, tid, period, event, pysample: flags !== undefined, idle: has('idle'), gil: has('gil'),
    idEnd: m[0].length, eventAt,
  };
}

export interface FrameLine {
  pc: string;
  rawfunc: string;
  mod: string;
}

/** Splits a frame line into address, symbol and module; null when it is not one. */
export function parseFrameLine(line: string): FrameLine | null {
  const m = FRAME_RE.exec(line);
  if (!m) return null;
  return { pc: m[1]!, rawfunc: m[2]!, mod: m[3]! };
}

/**
 * pysample's usual frame line, `\tADDR SYMBOL (python)`, whose symbol
 * nothing in foldFrame or frameName would change: no blank, ';', '(', ')',
 * quote, '[', '+' or '>'. Such a line folds to its symbol as it is (unless
 * the frame is a java one, or Python rewrites are asked for).
 */
const PLAIN_PYTHON_FRAME = /^\t[0-9a-fA-F]+ ([^\t\n\v\f\r ;()"'[\]+>]+) \(python\)$/;

/** The symbol of a plain pysample frame line (see above), or null: then take the general path. */
export function plainPythonFrame(line: string): string | null {
  const m = PLAIN_PYTHON_FRAME.exec(line);
  return m ? m[1]! : null;
}

export interface Annotate {
  kernel: boolean;
  jit: boolean;
  addrs: boolean;
}

/** The frames one frame line folds to, root-most first, and which of them take a srcline. */
export interface FoldedFrame {
  names: string[];
  /** For --srcline: names[i] is followed in the input by a source-line line when wants[i]. */
  wants: boolean[];
}

const OFFSET_RE = /\+0x[\da-f]+$/;
const GO_METHOD_RE = /\.\(.*\)\./s;
const ARGS_RE = /\((?!anonymous namespace\)).*/s;
const QUOTES_RE = /["']/g;
const KERNEL_MOD_RE = /(^\[|vmlinux$)/;
const JIT_MOD_RE = /\/tmp\/perf-\d+\.map/;

/**
 * Folds the symbol of one frame line as stackcollapse-perf.pl does: strips
 * `+0x…` offsets, splits inlined chains `a->b`, names unknown symbols after
 * their module, drops argument lists and quotes, tidies Java names and adds
 * the _[k]/_[j]/_[i] annotations. Returns null for lines the script skips.
 */
export function foldFrame(f: FrameLine, java: boolean, ann: Annotate): FoldedFrame | null {
  // The cheap tests before each regex matter: this runs for every distinct frame line.
  const rawfunc = f.rawfunc.includes('+0x') ? f.rawfunc.replace(OFFSET_RE, '') : f.rawfunc;
  if (rawfunc.charCodeAt(0) === 0x28 /* ( */) return null;
  const parts = rawfunc.includes('->') ? rawfunc.split('->') : [rawfunc];
  // Perl's split drops trailing empty fields.
  while (parts.length && parts[parts.length - 1] === '') parts.pop();
  const names: string[] = [];
  const wants: boolean[] = [];
  let unknown = false;
  for (const part of parts) {
    let func = part;
    if (func === '[unknown]') {
      if (f.mod !== '[unknown]') {
        func = f.mod.replace(/.*\//s, '');
      } else {
        func = 'unknown';
        unknown = true;
      }
      func = ann.addrs ? `[${func} <${f.pc}>]` : `[${func}]`;
    }
    if (func.includes(';')) func = func.replace(/;/g, ':');
    if (func.includes('(') && !GO_METHOD_RE.test(func)) func = func.replace(ARGS_RE, '');
    if (func.includes('"') || func.includes("'")) func = func.replace(QUOTES_RE, '');
    if (java && func.includes('/') && func.charCodeAt(0) === 0x4c /* L */) func = func.slice(1);
    if (names.length > 0) {
      if (!func.includes('_[i]')) func += '_[i]';
    } else if (ann.kernel && KERNEL_MOD_RE.test(f.mod) && !f.mod.includes('unknown')) {
      func += '_[k]';
    } else if (ann.jit && JIT_MOD_RE.test(f.mod)) {
      if (!func.includes('_[j]')) func += '_[j]';
    }
    names.push(func);
    wants.push(!unknown);
  }
  return { names, wants };
}

/** The text a source-line line adds to its frame (`:file.c:12`), or '' for none. */
export function srclineSuffix(line: string): string {
  const s = line.replace(/\[.*?\]/gs, '').replace(/^[\t\n\v\f\r ]+/, '').replace(/[\t\n\v\f\r ]+$/, '');
  return s === '' ? '' : `:${s}`;
}

/** Modules whose frames --inline leaves alone: JIT maps, the kernel, pseudo-modules in brackets. */
export function inlineSkips(mod: string): boolean {
  return /(perf-\d+.map|kernel\.|\[[^\]]+\])/s.test(mod);
}
