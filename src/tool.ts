// Plumbing shared by the four tools: command line, exit codes, one-line
// errors, line input from files or stdin, buffered output that ends quietly
// on a closed pipe, bad-line accounting and the folded-line format.
//
// Exit codes: 0 success (also when downstream closed the pipe), 1 runtime or
// data error (ToolError), 2 usage error (UsageError, or yargs refusing argv).

import * as fs from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { Argv } from 'yargs';

/** A runtime or data error: printed as `tool: message`, exit status 1. */
export class ToolError extends Error {}

/** A usage error: printed as `tool: message (see tool --help)`, exit status 2. */
export class UsageError extends Error {}

/** A numeric option's value. Numeric options are declared without a yargs type (its number type
 *  turns "abc" into NaN), so what does not look like a number arrives as typed and a refusal can
 *  quote it; numbers and defaults arrive as numbers. */
export function optionNumber(v: string | number): number {
  return typeof v === 'number' ? v : v.trim() === '' ? Number.NaN : Number(v);
}

/** Thrown by Output.write once the reader of stdout has gone away. */
export class PipeClosed extends Error {
  constructor() {
    super('output pipe closed');
  }
}

export interface ToolSpec<A> {
  name: string;
  /** The first lines of --help: synopsis and one sentence of purpose. */
  usage: string;
  /** Declares options and examples on a yargs instance. */
  options(y: Argv): Argv<A>;
  /** Does the work. Throw ToolError/UsageError; never call process.exit. */
  run(args: A, out: Output): Promise<void>;
  /**
   * Optional: the args for a command line that needs no parsing (say, file
   * names only), or undefined. Such a run starts without loading yargs,
   * which costs some 20 ms of start-up.
   */
  plain?(argv: readonly string[]): A | undefined;
}

const VERSION: string = (() => {
  try {
    return JSON.parse(fs.readFileSync(`${__dirname}/../../package.json`, 'utf8')).version;
  } catch {
    return 'unknown';
  }
})();

/** Runs a tool from process.argv and sets process.exitCode. */
export function runTool<A>(spec: ToolSpec<A>, argv: string[] = process.argv.slice(2)): void {
  const fail = (err: unknown): void => {
    if (err instanceof PipeClosed) {
      process.exitCode = 0;
    } else if (err instanceof UsageError) {
      process.stderr.write(`${spec.name}: ${err.message} (see '${spec.name} --help')\n`);
      process.exitCode = 2;
    } else if (err instanceof ToolError) {
      process.stderr.write(`${spec.name}: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      const e = err as Error;
      process.stderr.write(`${spec.name}: internal error: ${e?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  };
  let args: A;
  try {
    // A plain command line (spec.plain) starts without loading yargs.
    args = spec.plain?.(argv) ?? parseArgs(spec, argv);
  } catch (err) {
    fail(err);
    return;
  }
  const out = new Output(process.stdout);
  spec
    .run(args, out)
    .then(() => out.end())
    .catch(fail);
}

/** Parses argv with yargs (loaded here, not at the top: see ToolSpec.plain). */
function parseArgs<A>(spec: ToolSpec<A>, argv: string[]): A {
  const yargs = require('yargs') as typeof import('yargs').default;
  const y = yargs(argv)
    .scriptName(spec.name)
    .usage(spec.usage)
    .strict()
    // File names such as 0x10 or 123 stay names.
    .parserConfiguration({ 'parse-positional-numbers': false })
    .help('help')
    .alias('help', 'h')
    .version(VERSION)
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg: string | undefined, err: Error | undefined) => {
      throw err instanceof ToolError ? err : new UsageError(firstLine(msg ?? err?.message ?? 'bad usage'));
    });
  return spec.options(y).parseSync() as A;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

const CHUNK = 64 * 1024;

/**
 * Buffered writer for stdout. Collects small strings into ~64 KiB writes and
 * turns EPIPE into PipeClosed, so `tool | head` ends quietly with status 0.
 */
export class Output {
  private parts: string[] = [];
  private size = 0;
  private closed = false;
  /** A write error other than a closed pipe (disk full, I/O error), raised by the next write. */
  private failure: NodeJS.ErrnoException | undefined;

  constructor(
    private readonly stream: Writable,
    private readonly encoding: BufferEncoding = 'latin1',
  ) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') this.closed = true;
      else this.failure ??= err;
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  write(s: string): void {
    this.check();
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= CHUNK) this.flush();
  }

  /** Writes what is buffered now (for streaming tools, after each input chunk). */
  flush(): void {
    this.check();
    if (this.size === 0) return;
    const data = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.stream.write(Buffer.from(data, this.encoding));
  }

  /** Flushes and waits until the data has been handed to the OS. */
  async end(): Promise<void> {
    if (this.closed) return;
    this.flush();
    await new Promise<void>((resolve) => {
      if (!this.stream.writableNeedDrain) return resolve();
      // A pipe closed while waiting ends the wait too ('close' instead of 'drain').
      this.stream.once('drain', resolve);
      this.stream.once('close', resolve);
    });
    if (this.failure) this.check();
  }

  /**
   * Flushes, then waits while the reader of a pipe is behind. Streaming tools
   * await this after each input chunk (see LineOptions.afterChunk), so their
   * memory stays flat however slow the reader; stdout pipes are asynchronous.
   */
  async drain(): Promise<void> {
    this.flush();
    if (!this.stream.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done).off('close', done).off('error', done);
        resolve();
      };
      // A closed pipe ends the wait too; the next write then throws PipeClosed.
      this.stream.on('drain', done).on('close', done).on('error', done);
    });
  }

  private check(): void {
    if (this.closed) throw new PipeClosed();
    if (this.failure) throw new ToolError(`cannot write output: ${this.failure.code ?? this.failure.message}`);
  }
}

/** Where a line came from, for messages such as `stdin:12`. */
export interface Location {
  file: string;
  line: number;
}

/** Longest line kept; longer ones are counted as bad lines, never buffered whole. */
export const MAX_LINE = 64 * 1024 * 1024;

export interface LineOptions {
  /** 'latin1' keeps every byte as one char (byte-exact round trip); 'utf8' decodes, invalid bytes become U+FFFD. */
  encoding?: 'latin1' | 'utf8';
  maxLength?: number;
  /** Receives lines longer than maxLength (their length only). */
  bad?: BadLines;
  /** Called after the lines of each input chunk, e.g. to flush streaming output; awaited before the next chunk is read. */
  afterChunk?: () => void | Promise<void>;
}

/**
 * Opens a named input ('-': stdin); a missing file is a ToolError.
 * chunkSize sets the read size for files (default 64 KiB).
 */
export function openInput(name: string, chunkSize: number = CHUNK): Readable {
  if (name === '-') return process.stdin;
  try {
    const fd = fs.openSync(name, 'r');
    return fs.createReadStream('', { fd, highWaterMark: chunkSize });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ToolError(`cannot read ${name}: ${e.code === 'ENOENT' ? 'no such file' : e.code ?? e.message} (check the path)`);
  }
}

/** The display name of an input for messages. */
export function inputName(name: string): string {
  return name === '-' ? 'stdin' : name;
}

/**
 * Calls onLine for every line of the inputs, in order. Handles CRLF, a
 * missing final newline and lines split across chunks; lines longer than
 * maxLength are skipped and counted in opts.bad.
 */
export async function readLines(
  files: readonly string[],
  onLine: (line: string, where: Location) => void,
  opts: LineOptions = {},
): Promise<void> {
  const names = files.length ? files : ['-'];
  for (const name of names) {
    const where: Location = { file: inputName(name), line: 0 };
    await splitStream(openInput(name), (line) => {
      where.line++;
      onLine(line, where);
    }, where, opts);
  }
}

/** readLines for one stream that is already open, named `name` in messages. */
export async function readStreamLines(
  stream: Readable,
  name: string,
  onLine: (line: string, where: Location) => void,
  opts: LineOptions = {},
): Promise<void> {
  const where: Location = { file: name, line: 0 };
  await splitStream(stream, (line) => {
    where.line++;
    onLine(line, where);
  }, where, opts);
}

async function splitStream(
  stream: Readable,
  emit: (line: string) => void,
  where: Location,
  opts: LineOptions,
): Promise<void> {
  const encoding = opts.encoding ?? 'latin1';
  const max = opts.maxLength ?? MAX_LINE;
  let carry: Buffer[] = [];
  let carryLen = 0;
  let overlong = false;
  const decode = (buf: Buffer, start: number, end: number): string => {
    if (end > start && buf[end - 1] === 0x0d) end--;
    return buf.toString(encoding, start, end);
  };
  const finishOverlong = (): void => {
    where.line++;
    opts.bad?.add(where, '', `line longer than ${max} bytes`);
    overlong = false;
  };
  try {
    for await (const chunk of stream) {
      const buf: Buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
      let start = 0;
      let nl = buf.indexOf(0x0a, start);
      while (nl !== -1) {
        if (overlong) {
          finishOverlong();
        } else if (carryLen) {
          if (carryLen + nl > max) {
            finishOverlong();
          } else {
            carry.push(buf.subarray(0, nl));
            const whole = Buffer.concat(carry);
            emit(decode(whole, 0, whole.length));
          }
          carry = [];
          carryLen = 0;
        } else if (nl - start > max) {
          finishOverlong();
        } else {
          emit(decode(buf, start, nl));
        }
        start = nl + 1;
        nl = buf.indexOf(0x0a, start);
      }
      if (start < buf.length && !overlong) {
        carry.push(buf.subarray(start));
        carryLen += buf.length - start;
        if (carryLen > max) {
          overlong = true;
          carry = [];
          carryLen = 0;
        }
      }
      await opts.afterChunk?.();
    }
  } catch (err) {
    // Only failures of the read itself carry an errno code; anything else
    // (a ToolError or a bug in onLine) goes up unchanged.
    const e = err as NodeJS.ErrnoException;
    if (typeof e?.code !== 'string' || !e.code.startsWith('E')) throw err;
    throw new ToolError(`cannot read ${where.file}: ${e.code} (check the input)`);
  } finally {
    if (stream !== process.stdin) stream.destroy();
  }
  if (overlong) finishOverlong();
  else if (carryLen) {
    const whole = Buffer.concat(carry);
    emit(decode(whole, 0, whole.length));
  }
}

/**
 * Counts lines a tool could not use and reports them once, on one stderr
 * line, quoting the first: `pyfold: ignored 3 bad lines (first at stdin:12: no count: "abc")`.
 */
export class BadLines {
  count = 0;
  private first = '';

  constructor(private readonly tool: string) {}

  add(where: Location, line: string, reason: string): void {
    if (this.count++ === 0) {
      const shown = line.length > 80 ? `${line.slice(0, 77)}...` : line;
      this.first = `${where.file}:${where.line}: ${reason}${line ? `: ${JSON.stringify(shown)}` : ''}`;
    }
  }

  /** Writes the summary line to stderr if any line was bad. */
  report(): void {
    if (this.count === 0) return;
    const s = this.count === 1 ? '' : 's';
    process.stderr.write(`${this.tool}: ignored ${this.count} bad line${s} (first at ${this.first})\n`);
  }
}

// ---------------------------------------------------------------------------
// The folded format: `frame;frame;frame count`, as FlameGraph defines it.

const COUNT_RE = /^\d+(?:\.\d*)?$/;

/** One folded line: the stack (frames joined by ';', root first) and its count. */
export interface Folded {
  stack: string;
  count: number;
}

/**
 * Splits `stack count` at the last run of blanks. Returns null when the line
 * has no stack or its last field is not a count (`12`, `3.5` or `3.`, as
 * flamegraph.pl accepts). A frame that itself ends in ` 12` is never taken
 * for a count as long as a real count follows it.
 */
export function parseFolded(line: string): Folded | null {
  let end = line.length;
  while (end > 0 && isBlank(line.charCodeAt(end - 1))) end--;
  let sp = end - 1;
  while (sp >= 0 && !isBlank(line.charCodeAt(sp))) sp--;
  if (sp <= 0) return null;
  const num = line.slice(sp + 1, end);
  if (!COUNT_RE.test(num)) return null;
  let stackEnd = sp;
  while (stackEnd > 0 && isBlank(line.charCodeAt(stackEnd - 1))) stackEnd--;
  if (stackEnd === 0) return null;
  return { stack: line.slice(0, stackEnd), count: Number(num) };
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** Lines starting with '#' carry metadata (pysample, austin) and are not stacks. */
export function isComment(line: string): boolean {
  return line.charCodeAt(0) === 0x23;
}

/**
 * Makes a name safe as one frame of a folded line: ';' would split it, a line
 * break would end the line, and a trailing ` 12` on the leaf could be read as
 * a second count by flamegraph.pl, so its blank becomes '_'.
 */
export function frameName(name: string): string {
  let s = name;
  if (/[;\r\n]/.test(s)) s = s.replace(/;/g, ':').replace(/[\r\n]/g, ' ');
  const m = /\s+(\d+(?:\.\d*)?)$/.exec(s);
  if (m) s = `${s.slice(0, m.index)}_${m[1]}`;
  return s;
}

/** Formats a count as FlameGraph's scripts print it: integers plainly, fractions without float noise. */
export function formatCount(n: number): string {
  if (Number.isInteger(n)) return n.toFixed(0);
  return String(Number(n.toPrecision(15)));
}
