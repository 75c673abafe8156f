// pyfold: raw stacks (pysample, `perf script`) and folded lines in, folded
// lines out, sorted. Translates the command line for the Folder and streams
// the inputs through a Scanner; the work is in folder.ts. The other output
// formats (--format, --timeline) are written by src/export/ from the records
// the Folder hands to a SampleModel.

import * as fs from 'node:fs';
import type { Argv } from 'yargs';
import { EXPORTERS, FORMATS, formatNamed, type FormatName } from '../export/formats';
import { SampleModel } from '../export/model';
import { writeTimeline } from '../export/timeline';
import { BadLines, inputName, Output, runTool, ToolError, UsageError, type ToolSpec } from '../tool';
import { Folder } from './folder';
import { pump } from './input';
import type { FoldOptions } from './options';
import { Scanner } from './scan';

interface Args {
  _: (string | number)[];
  pid: boolean;
  tid: boolean;
  thread: boolean;
  kernel: boolean;
  jit: boolean;
  all: boolean;
  addrs: boolean;
  inline: boolean;
  context: boolean;
  srcline: boolean;
  'event-filter': string;
  functions: boolean;
  'short-paths': boolean;
  format: string;
  timeline: boolean;
  output?: string;
}

/**
 * Bytes per read: enough to keep syscalls few, small enough that what the
 * kernel just copied in is still in the CPU's cache (1 MiB of L2 here) when
 * the scanner hashes and compares it. 512 KiB folded the benchmark's file in
 * 15-20% less CPU time than 4 MiB did.
 */
const READ_SIZE = 512 * 1024;

export const spec: ToolSpec<Args> = {
  name: 'pyfold',
  usage:
    'Usage: pyfold [options] [FILE...]\n\n' +
    'Folds raw stacks (pysample, perf script) and folded lines into folded lines\n' +
    '"frame;frame;frame count", merged and sorted. Reads the FILEs, or stdin.',
  options: (y: Argv) =>
    y
      // FILE arguments are positional: strict about options only.
      .strict(false)
      .strictOptions()
      .option('pid', { type: 'boolean', default: false, describe: 'root frame COMM-PID for every record (pysample records get none by default)' })
      .option('tid', { type: 'boolean', default: false, describe: 'root frame COMM-PID/TID for every record' })
      .option('thread', { alias: 'T', type: 'boolean', default: false, describe: 'add a frame [COMM tid TID] naming the thread, below any process root' })
      .option('functions', { alias: 'f', type: 'boolean', default: false, describe: 'Python frames: drop line numbers, one frame per function' })
      .option('short-paths', { alias: 's', type: 'boolean', default: false, describe: 'Python frames: cut paths after site-packages/, dist-packages/ or lib/pythonX.Y/' })
      .option('kernel', { type: 'boolean', default: false, describe: 'perf: mark kernel frames with _[k]' })
      .option('jit', { type: 'boolean', default: false, describe: 'perf: mark JIT frames (/tmp/perf-PID.map) with _[j]' })
      .option('all', { type: 'boolean', default: false, describe: 'perf: --kernel and --jit' })
      .option('addrs', { type: 'boolean', default: false, describe: 'perf: keep the address of unknown symbols, [module <addr>]' })
      .option('event-filter', { type: 'string', default: '', describe: 'keep only records of this event type (default: the first type met)' })
      .option('srcline', { type: 'boolean', default: false, describe: "perf: input from 'perf script -F+srcline'; append file:line to frames" })
      .option('inline', { type: 'boolean', default: false, describe: 'perf: expand inlined functions with addr2line (needs the binaries)' })
      .option('context', { type: 'boolean', default: false, describe: 'with --inline: append file:line to inlined frames' })
      .option('format', {
        type: 'string',
        default: 'folded',
        describe: `output format: ${FORMATS.join(', ')} (gzipped profile.proto for go tool pprof, Pyroscope; speedscope JSON; Chrome trace event JSON)`,
      })
      .option('timeline', { type: 'boolean', default: false, describe: 'folded lines in time order, one lane per thread, gaps kept: for pyflamegraph --flamechart' })
      .option('output', { alias: 'o', type: 'string', describe: 'write to FILE instead of stdout' })
      .example('pysample -p 9876 | pyfold > app.folded', 'fold a live profile')
      .example('pyfold -f -s app.raw', 'one frame per function, short paths')
      .example('pyfold --thread app.raw', 'one tower per thread')
      .example('pyfold --tid app.raw', 'root frames python3-PID/TID')
      .example('perf script | pyfold --all', 'drop-in for stackcollapse-perf.pl --all')
      .example('perf script -F+srcline | pyfold --srcline', 'frames with source lines')
      .example('perf script | pyfold --event-filter cycles', 'keep only cycles samples')
      .example('perf script | pyfold --inline --context', 'inlined frames with file:line')
      .example('pyfold --pid --kernel --jit --addrs a.perf', 'the other stackcollapse-perf.pl options')
      .example('cat host1.folded host2.folded | pyfold', 'merge folded profiles (counts summed)')
      .example('pysample -p 9876 -s 30 | pyfold --format pprof > app.pb.gz', 'for go tool pprof, Pyroscope, Parca')
      .example('cat *.folded | pyfold --format pprof --output merged.pb.gz', 'merged cron windows as one pprof profile')
      .example('pyfold --format speedscope -o app.speedscope.json app.raw', 'for speedscope')
      .example('pyfold --format trace app.raw > app.trace.json', 'for chrome://tracing, Perfetto')
      .example('pyfold --timeline app.raw | pyflamegraph --flamechart > chart.svg', 'flame chart: what ran when') as unknown as Argv<Args>,
  run,
  plain,
};

/**
 * A command line of file names only (or none) needs no parser: the args are
 * the defaults above, and pyfold starts without loading yargs. Anything with
 * a dash goes to yargs. test/fold-cli.test.ts checks these
 * args against yargs's.
 */
function plain(argv: readonly string[]): Args | undefined {
  // '-' names stdin; any other argument starting with a dash is an option.
  if (!argv.every((a) => a === '-' || (a !== '' && a[0] !== '-'))) return undefined;
  return {
    _: [...argv],
    pid: false,
    tid: false,
    thread: false,
    kernel: false,
    jit: false,
    all: false,
    addrs: false,
    inline: false,
    context: false,
    srcline: false,
    'event-filter': '',
    functions: false,
    'short-paths': false,
    format: 'folded',
    timeline: false,
  };
}

async function run(args: Args, stdout: Output): Promise<void> {
  if (args.context && !args.inline) throw new UsageError('--context only works with --inline');
  if (Array.isArray(args.format)) throw new UsageError('--format given more than once');
  const format = formatNamed(String(args.format));
  if (format === null) throw new UsageError(`unknown --format ${JSON.stringify(args.format)}: choose one of ${FORMATS.join(', ')}`);
  if (args.timeline && format !== 'folded') throw new UsageError(`--timeline writes folded lines: it cannot go with --format ${format}`);
  if (Array.isArray(args.output)) throw new UsageError('-o/--output given more than once');
  if (args.output === '') throw new UsageError('-o/--output needs a file name');
  if (format !== 'folded' && EXPORTERS[format].binary && args.output === undefined && process.stdout.isTTY) {
    throw new UsageError(`${format} output is binary: not written to a terminal; use -o FILE or a redirect`);
  }
  const model = format !== 'folded' || args.timeline ? new SampleModel(args.timeline || EXPORTERS[format as Exclude<FormatName, 'folded'>].ordered) : undefined;
  const opts: Partial<FoldOptions> = {
    pid: args.pid,
    // A timeline's lanes are threads: their root frame is COMM-PID/TID.
    tid: args.tid || args.timeline,
    thread: args.thread,
    kernel: args.kernel || args.all,
    jit: args.jit || args.all,
    addrs: args.addrs,
    srcline: args.srcline,
    eventFilter: args['event-filter'],
    functions: args.functions,
    shortPaths: args['short-paths'],
  };
  // Loaded only when asked for: child_process adds to every start otherwise.
  if (args.inline) opts.inline = (require('./addr2line') as typeof import('./addr2line')).addr2lineResolver(args.context);
  const bad = new BadLines('pyfold');
  const folder = new Folder(opts, bad, { file: 'stdin', line: 0 }, model);
  const scanner = new Scanner(folder, bad, undefined, READ_SIZE);
  const files = args._.length ? args._.map(String) : ['-'];
  for (const name of files) {
    folder.where.file = inputName(name);
    folder.where.line = 0;
    await pump(name, scanner, folder.where.file);
    // A last line without a line break ends with its file, as Perl's <> reads
    // it; an unfinished record carries on into the next file, also as there.
    scanner.end();
  }
  folder.finish();
  const out = args.output === undefined ? stdout : openOutput(args.output);
  let empty: boolean;
  if (model === undefined || args.timeline) {
    const lines = model ? writeTimeline(model) : folder.lines();
    empty = lines.length === 0;
    for (let i = 0; i < lines.length; i++) {
      out.write(lines[i]!);
      // stdout pipes are asynchronous: let a slow reader catch up now and then.
      if (i % 1024 === 1023) await out.drain();
    }
  } else {
    empty = model.lanes.length === 0;
    if (!(empty && bad.count > 0)) {
      const r = EXPORTERS[format as Exclude<FormatName, 'folded'>].write(model, profileName(model, files));
      for (const w of r.warnings) process.stderr.write(`pyfold: warning: ${w}\n`);
      // Output takes one char per byte.
      out.write(r.bytes.toString('latin1'));
    }
  }
  if (out !== stdout) await out.end();
  bad.report();
  if (folder.filtered > 0 && args['event-filter'] === '') {
    const types = [...folder.filteredEvents].join(', ');
    process.stderr.write(
      `pyfold: kept only events of type ${folder.event}; skipped ${folder.filtered} records of type ${types} (choose with --event-filter)\n`,
    );
  }
  if (empty && bad.count > 0) throw new ToolError('no stacks in the input (expected perf script, pysample or folded lines)');
}

/** An Output writing to a file; a file that cannot be made is a ToolError. */
function openOutput(file: string): Output {
  let fd: number;
  try {
    fd = fs.openSync(file, 'w');
  } catch (err) {
    throw new ToolError(`cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? err} (check the path)`);
  }
  return new Output(fs.createWriteStream('', { fd }));
}

/** The profile's title in speedscope: the command pysample recorded, else the input file names. */
function profileName(model: SampleModel, files: string[]): string {
  if (model.meta.command !== undefined) return Buffer.from(model.meta.command, 'latin1').toString('utf8');
  const named = files.filter((f) => f !== '-');
  return named.length ? named.join(' ') : 'pyfold';
}

export function main(): void {
  runTool(spec);
}
