// pyfilter: the command line around LineFilter.

import type { Argv } from 'yargs';
import { BadLines, type Location, readLines, runTool, type ToolSpec, ToolError, UsageError } from '../tool';
import { type FilterOptions, LineFilter } from './filter';
import { PatternError } from './match';

interface Args {
  _: (string | number)[];
  'exclude-idle': boolean;
  regexp?: string | string[];
  'invert-match': boolean;
  focus?: string | string[];
  root?: string | string[];
  hide?: string | string[];
  prune?: string | string[];
  'collapse-recursion': boolean;
}

const USAGE = `$0 [options] [FILE...]

Reads folded stacks ("frame;frame;frame count", from pyfold, stackcollapse-*.pl, inferno, py-spy or
austin) from the FILEs or stdin ("-"), and writes the stacks that pass, still folded. Selecting
options stream: lines come out unchanged, in input order, as they arrive. Reshaping options
(--root, --hide, --prune, --collapse-recursion) merge the stacks they make equal and write them
sorted at the end.`;

const ORDER = `Order: options apply to each stack in this order, whatever their order on the command line:
  1. -x            drop idle stacks: the leaf frame is exactly "[idle]" (pysample, folded by pyfold
                   or stackcollapse-perf.pl) or "(idle)" (pyflame's idle line)
  2. -e, -v        keep stacks with a frame matching any -e RE (with -v: with none)
     --focus       and keep only stacks with a frame matching any --focus RE
  3. --root        re-root at the outermost matching frame; drop stacks with no match
  4. --hide        remove matching frames; drop stacks left with no frame
  5. --prune       drop the frames called below the outermost matching frame
  6. --collapse-recursion
                   one frame for each run of a function calling itself directly
  Each option may be repeated; a frame matches if any of that option's patterns matches.
Patterns are JavaScript regular expressions (u flag), matched against one frame at a time, so
^ and $ anchor at the frame's ends; frames holding non-ASCII bytes are matched as UTF-8 text.`;

// nargs 1: `-e RE FILE` takes one pattern, the FILE stays a file.
const PATTERN = { type: 'string', nargs: 1 } as const;

function options(y: Argv): Argv<Args> {
  return y
    // runTool's strict() also refuses positional arguments, and FILEs are
    // positional: check only the options. File names stay strings ("007").
    .strict(false)
    .strictOptions()
    .parserConfiguration({ 'parse-positional-numbers': false })
    .option('exclude-idle', { alias: 'x', type: 'boolean', default: false, describe: 'drop idle stacks (see Order)' })
    .option('regexp', { alias: 'e', ...PATTERN, describe: 'keep stacks with a frame matching RE, like grep -e', })
    .option('invert-match', { alias: 'v', type: 'boolean', default: false, describe: 'with -e: keep stacks with no frame matching' })
    .option('focus', { ...PATTERN, describe: 'keep only stacks through a frame matching RE (pprof -focus)' })
    .option('root', { alias: 'show-from', ...PATTERN, describe: 'focus on RE and re-root there: drop its callers, merge (pprof -show_from)' })
    .option('hide', { ...PATTERN, describe: 'remove frames matching RE and merge what is left (pprof -hide)' })
    .option('prune', { alias: 'prune-from', ...PATTERN, describe: 'drop everything called below a frame matching RE, merge (pprof -prune_from)' })
    .option('collapse-recursion', { type: 'boolean', default: false, describe: 'make a function calling itself directly one frame, merge' })
    .example('pyfold app.raw | $0 -x | pyflamegraph', 'drop samples of idle threads')
    .example("$0 -e 'handlers\\.py' app.folded", 'only stacks through handlers.py')
    .example("$0 -v -e '/threading\\.py:' app.folded", 'leave out stacks through threading.py')
    .example('$0 --focus Handler -v -e json app.folded', 'through Handler, not through json')
    .example("$0 --root 'Handler\\.get' app.folded", 'Handler.get as the root frame')
    .example("$0 --hide 'decorators\\.py' app.folded", 'remove decorator wrappers')
    .example("$0 --prune 'sqlalchemy/' app.folded", 'one frame for all of SQLAlchemy')
    .example('$0 --collapse-recursion app.folded', 'fib;fib;fib;add becomes fib;add')
    .epilog(ORDER) as unknown as Argv<Args>;
}

function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Maps parsed arguments to the core's options; rejects what makes no sense. */
export function toOptions(args: Args): FilterOptions {
  const regexp = list(args.regexp);
  if (args['invert-match'] && regexp.length === 0) throw new UsageError('-v needs a pattern to invert (give -e RE)');
  return {
    excludeIdle: args['exclude-idle'],
    regexp,
    invert: args['invert-match'],
    focus: list(args.focus),
    root: list(args.root),
    hide: list(args.hide),
    prune: list(args.prune),
    collapseRecursion: args['collapse-recursion'],
  };
}

const DRAIN_EVERY = 1 << 20;

const spec: ToolSpec<Args> = {
  name: 'pyfilter',
  usage: USAGE,
  options,
  async run(args, out) {
    const bad = new BadLines('pyfilter');
    let at: Location = { file: 'stdin', line: 0 };
    let filter: LineFilter;
    try {
      filter = new LineFilter(toOptions(args), (line, reason) => bad.add(at, line, reason));
    } catch (err) {
      throw err instanceof PatternError ? new UsageError(err.message) : err;
    }
    const files = args._.map(String);
    await readLines(
      files,
      (line, where) => {
        at = where;
        const text = filter.push(line);
        if (text) out.write(text);
      },
      // Selecting streams: what a chunk let through goes out before the next
      // is read, and a slow reader slows the reading, so memory stays flat.
      { bad, afterChunk: () => out.drain() },
    );
    if (filter.stacks === 0 && bad.count > 0) {
      throw new ToolError(`no folded lines in the input, ${bad.count} other lines (fold raw stacks with pyfold first)`);
    }
    // Merged stacks: wait for the reader now and then rather than queue them all.
    let pending = 0;
    for (const text of filter.finish()) {
      out.write(text);
      pending += text.length;
      if (pending >= DRAIN_EVERY) {
        pending = 0;
        await out.drain();
      }
    }
    bad.report();
  },
};

export function main(): void {
  runTool(spec);
}
