// The fold itself: stackcollapse-perf.pl's main loop over lines, plus folded
// lines (`a;b;c 12`, also py-spy's and austin's) merged as they come, and a
// whole-record shortcut for the common case (see record()).
//
// Record state follows the Perl script exactly, quirks included: a header
// whose event is filtered out leaves the state alone, a record ends only at a
// blank line, and a record still open at the end of the input is dropped
// (reported here as a bad line).

import { frameName, parseFolded, type BadLines, type Location } from '../tool';
import { DEFAULT_OPTIONS, type FoldOptions } from './options';
import { foldFrame, inlineSkips, parseFrameLine, parseHeader, plainPythonFrame, srclineSuffix, type Annotate, type Header } from './perf';
import { rewritePythonFrame, rewrites } from './python';
import { BlockCache, count } from './blocks';
import { HeaderCache } from './headers';
import { Stacks } from './stacks';
import { headerTime, type SampleSink } from './sink';

const BLANK = /^[\t\n\v\f\r ]/;
const END_OF_RECORD = Buffer.from('\n\n', 'latin1');
/** Frame lines cached before that cache starts over (memory bound). */
const MAX_FRAME_CACHE = 200_000;
/** A frame of a folded stack that frameName would change: one ending in blanks and a number. */
const NEEDS_NAME = /\s\d+(?:\.\d*)?(?:;|$)/;

export class Folder {
  readonly stacks = new Stacks();
  /** Records skipped by the event filter, and the event types they had. */
  filtered = 0;
  readonly filteredEvents = new Set<string>();
  event: string;

  private readonly opts: FoldOptions;
  private readonly ann: Annotate;
  // The open record, as the Perl script keeps it.
  private open = false;
  private root = '';
  private comm = '';
  private period = 1;
  private java = false;
  private python = false;
  /** The open record's header and time, for the sink. */
  private head: Header | null = null;
  private time = Number.NaN;
  /** Frames innermost first (reversed on output). */
  private frames: string[] = [];
  /** Frames still waiting for their --srcline line. */
  private pending: { index: number }[] = [];
  /** After a filtered header with no record open: its frame lines are skipped quietly. */
  private skipping = false;
  /** A line that reads both as a folded line and as a header, until the next line tells which. */
  private undecided: string | null = null;
  // The whole-record path: frame blocks and headers already parsed.
  private readonly blocks = new BlockCache(this.stacks);
  private readonly headers = new HeaderCache();
  /** Frame lines already folded (innermost name first), for blocks not seen before; one map per (java, python). */
  private readonly frameCache = [0, 1, 2, 3].map(() => new Map<string, string[]>());
  private frameCacheSize = 0;

  constructor(
    opts: Partial<FoldOptions>,
    private readonly bad: BadLines,
    readonly where: Location,
    /** Gets every record and folded line in input order instead of the totals (see sink.ts). */
    private readonly sink?: SampleSink,
  ) {
    this.opts = { ...DEFAULT_OPTIONS, ...opts };
    this.ann = { kernel: this.opts.kernel, jit: this.opts.jit, addrs: this.opts.addrs };
    this.event = this.opts.eventFilter;
  }

  /** True when no record is open, so a whole record may go through record(). */
  get idle(): boolean {
    return !this.open && !this.skipping && this.undecided === null && this.opts.inline === undefined && !this.opts.srcline;
  }

  /** One input line (without its line break). */
  line(line: string): void {
    this.where.line++;
    if (this.pending.length) {
      const p = this.pending.shift()!;
      this.frames[p.index] += srclineSuffix(line);
      return;
    }
    if (this.undecided !== null) this.decide(line);
    if (line.charCodeAt(0) === 0x23 /* # */) {
      this.sink?.comment(line);
      return;
    }
    if (line === '') {
      this.endRecord();
      return;
    }
    const folded = foldedLine(line);
    if (folded) {
      if (this.open) this.endRecord();
      // `comm 12 34` may be a folded line or a perf header with no event:
      // the next line tells (a frame line follows a header).
      if (folded.ambiguous) this.undecided = line;
      else this.addFolded(folded.stack, folded.count);
      return;
    }
    const h = BLANK.test(line) ? null : parseHeader(line);
    if (h) {
      this.header(h, line);
      return;
    }
    const f = parseFrameLine(line);
    if (!f) {
      this.bad.add(this.where, line, 'not a stack, a record header or a frame');
    } else if (this.open) {
      this.frame(f.pc, f.rawfunc, f.mod);
    } else if (!this.skipping) {
      this.bad.add(this.where, line, 'frame line outside a record');
    }
  }

  /**
   * A whole record at once: its header line buf[headerStart, headerEnd), and its frame lines from
   * buf[start] on, up to the first blank line (buf ends where the data read
   * so far ends). Folds each distinct block of frame lines once. Returns
   * where the blank line starts when it took the record, 0 when the record
   * is not complete yet, -1 when it must go line by line (then nothing was
   * done).
   */
  record(buf: Buffer, headerStart: number, headerEnd: number, start: number): number {
    const h = this.headers.get(buf, headerStart, headerEnd);
    if (h === null) return -1;
    const java = h.comm.startsWith('java');
    const kind = (java ? 1 : 0) + (h.pysample ? 2 : 0);
    let b = this.blocks.predict(kind, buf, start, buf.length);
    if (b === undefined) {
      const stop = buf.indexOf(END_OF_RECORD, start - 1);
      if (stop === -1) return 0;
      b = this.blocks.get(kind, buf, start, stop);
      if (b === undefined) {
        const folded = this.foldBlock(buf.toString('latin1', start, stop), java, h.pysample);
        if (folded === null) return -1;
        b = this.blocks.set(kind, buf, start, stop, folded.frames, folded.lines);
      }
      this.blocks.remember(kind, b);
    }
    this.where.line += b.lines + 2;
    if (!this.filteredOut(h)) {
      const root = (h.root ??= this.rootOf(h)) || (b.frames === '' ? bareRoot(h.comm) : '');
      if (this.sink) this.sink.record(h, headerTime(buf.toString('latin1', headerStart, headerEnd)), join(root, b.frames), h.period);
      else count(b, root, h.period);
    }
    return start + b.len;
  }

  /** The folded lines, sorted. */
  lines(): string[] {
    this.blocks.flush(true);
    return this.stacks.lines();
  }

  /** Settles an undecided line by the line after it. */
  private decide(next: string): void {
    const line = this.undecided!;
    this.undecided = null;
    if (BLANK.test(next) && parseFrameLine(next) !== null) {
      this.header(parseHeader(line)!, line);
    } else {
      const f = foldedLine(line)!;
      this.addFolded(f.stack, f.count);
    }
  }

  /** At the end of all input. */
  finish(): void {
    if (this.undecided !== null) this.decide('');
    if (this.open) this.bad.add(this.where, '', 'last record not ended by a blank line (dropped, as stackcollapse-perf.pl does)');
    this.open = false;
  }

  private foldBlock(block: string, java: boolean, python: boolean): { frames: string; lines: number } | null {
    const lines = block.split('\n');
    const frames: string[] = [];
    const cache = this.frameCache[(java ? 1 : 0) + (python ? 2 : 0)]!;
    const plainOk = !java && !rewrites(this.opts);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (plainOk) {
        // The usual pysample frame folds to its symbol as it is: one regex,
        // cheaper than hashing the line for the cache below.
        const plain = plainPythonFrame(line);
        if (plain !== null) {
          frames.push(plain);
          continue;
        }
      }
      let names = cache.get(line);
      if (names === undefined) {
        const folded = this.foldLine(line, java, python);
        if (folded === null) return null;
        names = folded;
        if (this.frameCacheSize++ > MAX_FRAME_CACHE) {
          for (const c of this.frameCache) c.clear();
          this.frameCacheSize = 0;
        }
        cache.set(line, names);
      }
      for (let j = 0; j < names.length; j++) frames.push(names[j]!);
    }
    return { frames: frames.reverse().join(';'), lines: lines.length };
  }

  /**
   * What one line of a frame block folds to, innermost name first; null when
   * it is not a frame line. Kept apart from foldBlock's loop, which runs for
   * every line while this runs once per distinct line.
   */
  private foldLine(line: string, java: boolean, python: boolean): string[] | null {
    if (line.charCodeAt(line.length - 1) === 0x0d) line = line.slice(0, -1);
    if (line.charCodeAt(0) === 0x23) return [];
    if (!BLANK.test(line)) return null;
    const f = parseFrameLine(line);
    if (!f) return null;
    const folded = foldFrame(f, java, this.ann);
    const names: string[] = [];
    if (folded) for (let i = folded.names.length - 1; i >= 0; i--) names.push(this.name(folded.names[i]!, python));
    return names;
  }

  private header(h: Header, line: string): void {
    if (this.filteredOut(h)) {
      if (!this.open) this.skipping = true;
      return;
    }
    this.open = true;
    this.skipping = false;
    if (this.sink) {
      this.head = h;
      this.time = headerTime(line);
    }
    this.root = this.rootOf(h);
    this.comm = h.comm;
    this.period = h.period;
    this.java = h.comm.startsWith('java');
    this.python = h.pysample;
  }

  /** The event filter: by default the first event type met wins. */
  private filteredOut(h: Header): boolean {
    if (h.event === '') return false;
    if (this.event === '') this.event = h.event;
    if (h.event === this.event) return false;
    this.filtered++;
    this.filteredEvents.add(h.event);
    return true;
  }

  private rootOf(h: Header): string {
    const id = this.opts.tid ? `-${h.pid}/${h.tid}` : this.opts.pid ? `-${h.pid}` : '';
    let root = '';
    if (id || !h.pysample) root = bareRoot(`${h.comm}${id}`);
    if (this.opts.thread) {
      const thread = frameName(`[${h.comm} tid ${h.tid}]`);
      root = root ? `${root};${thread}` : thread;
    }
    return root;
  }

  private frame(pc: string, rawfunc: string, mod: string): void {
    const inline = this.opts.inline;
    if (inline && !inlineSkips(mod)) {
      const res = inline(pc, rawfunc, mod);
      if (res !== '' && res !== '??' && res !== '??:??:0') {
        const names = res.split(';');
        for (let i = names.length - 1; i >= 0; i--) this.frames.push(names[i]!);
        return;
      }
    }
    const folded = foldFrame({ pc, rawfunc, mod }, this.java, this.ann);
    if (!folded) return;
    const { names, wants } = folded;
    const at = this.frames.length;
    for (let i = names.length - 1; i >= 0; i--) this.frames.push(names[i]!);
    for (let i = 0; i < names.length; i++) {
      if (this.opts.srcline && wants[i]) this.pending.push({ index: at + names.length - 1 - i });
    }
    // Names are cleaned once their source line is known (see endRecord).
  }

  private endRecord(): void {
    this.skipping = false;
    if (!this.open) return;
    this.open = false;
    const names = this.frames.map((n) => this.name(n, this.python)).reverse();
    this.frames = [];
    this.pending = [];
    this.add(this.root, names.join(';'), this.period);
  }

  private add(root: string, frames: string, count: number): void {
    const r = root || (frames === '' ? bareRoot(this.comm) : '');
    if (this.sink && this.head) this.sink.record(this.head, this.time, join(r, frames), count);
    else this.stacks.add(r, frames, count);
  }

  private addFolded(stack: string, count: number): void {
    let frames = stack;
    if (rewrites(this.opts) || NEEDS_NAME.test(frames)) {
      frames = frames.split(';').map((f) => this.name(f, true)).join(';');
    }
    if (this.sink) this.sink.folded(frames, count);
    else this.stacks.add('', frames, count);
  }

  /** The final form of one frame: Python rewrites, then made safe for the folded format. */
  private name(n: string, python: boolean): string {
    const s = python && rewrites(this.opts) ? rewritePythonFrame(n, this.opts) : n;
    return frameName(s);
  }
}

/** A pysample record without frames (a thread with no Python code running) folds to its COMM alone, as the script folds it. */
function bareRoot(comm: string): string {
  return frameName(comm.replace(/ /g, '_'));
}

function join(root: string, frames: string): string {
  return root && frames ? `${root};${frames}` : root || frames;
}

/** A folded line `stack count`, or null. austin's full mode `stack 1024,0,-512` counts its first (time) metric. */
function foldedLine(line: string): { stack: string; count: number; ambiguous: boolean } | null {
  if (BLANK.test(line)) return null;
  const f = parseFolded(line);
  if (f) return { ...f, ambiguous: !f.stack.includes(';') && parseHeader(line) !== null };
  const m = /^(.*?)[ \t]+(\d+),-?\d+,-?\d+[ \t]*$/s.exec(line);
  return m && m[1] ? { stack: m[1], count: Number(m[2]), ambiguous: false } : null;
}
