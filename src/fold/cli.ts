// pyfold: raw stacks (pysample, `perf script`) and folded lines in, folded
// lines out, sorted. Translates the command line for the Folder and streams
// the inputs through a Scanner; the work is in folder.ts.

import type { Argv } from 'yargs';
import { BadLines, inputName, runTool, ToolError, UsageError, type Output, type ToolSpec } from '../tool';
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
      .example('pysample -p 9876 | pyfold > app.folded', 'fold a live profile')
      .example('pyfold -f -s app.raw', 'one frame per function, short paths')
      .example('pyfold --thread app.raw', 'one tower per thread')
      .example('pyfold --tid app.raw', 'root frames python3-PID/TID')
      .example('perf script | pyfold --all', 'drop-in for stackcollapse-perf.pl --all')
      .example('perf script -F+srcline | pyfold --srcline', 'frames with source lines')
      .example('perf script | pyfold --event-filter cycles', 'keep only cycles samples')
      .example('perf script | pyfold --inline --context', 'inlined frames with file:line')
      .example('pyfold --pid --kernel --jit --addrs a.perf', 'the other stackcollapse-perf.pl options')
      .example('cat host1.folded host2.folded | pyfold', 'merge folded profiles (counts summed)') as unknown as Argv<Args>,
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
  };
}

async function run(args: Args, out: Output): Promise<void> {
  if (args.context && !args.inline) throw new UsageError('--context only works with --inline');
  const opts: Partial<FoldOptions> = {
    pid: args.pid,
    tid: args.tid,
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
  const folder = new Folder(opts, bad, { file: 'stdin', line: 0 });
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
  const lines = folder.lines();
  for (let i = 0; i < lines.length; i++) {
    out.write(lines[i]!);
    // stdout pipes are asynchronous: let a slow reader catch up now and then.
    if (i % 1024 === 1023) await out.drain();
  }
  bad.report();
  if (folder.filtered > 0 && args['event-filter'] === '') {
    const types = [...folder.filteredEvents].join(', ');
    process.stderr.write(
      `pyfold: kept only events of type ${folder.event}; skipped ${folder.filtered} records of type ${types} (choose with --event-filter)\n`,
    );
  }
  if (lines.length === 0 && bad.count > 0) throw new ToolError('no stacks in the input (expected perf script, pysample or folded lines)');
}

export function main(): void {
  runTool(spec);
}
