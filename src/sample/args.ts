// pysample's command line before yargs sees it: everything after -t (or --)
// is the command to launch, even if it looks like one of pysample's options.

import { optionNumber, UsageError } from '../tool';

/** Options that take a value, so the word after them is never -t or --. */
const WITH_VALUE = new Set(['-p', '--pid', '-s', '--seconds', '-r', '--rate', '-o', '--output']);

export interface SplitArgs {
  /** pysample's own arguments (with -t kept, so yargs still knows it was given). */
  own: string[];
  /** The command to launch, if any. */
  command: string[];
}

/**
 *   pysample -s 5 -t python3 job.py -s 2   -> own [-s 5 -t], command [python3 job.py -s 2]
 *   pysample -o out.raw -- python3 job.py  -> own [-o out.raw -t], command [python3 job.py]
 */
export function splitArgs(argv: readonly string[]): SplitArgs {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (WITH_VALUE.has(a)) {
      i++;
      continue;
    }
    if (a === '-t' || a === '--trace' || a === '--') {
      return { own: [...argv.slice(0, i), '-t'], command: argv.slice(i + 1) };
    }
  }
  return { own: [...argv], command: [] };
}

export interface Settings {
  pid?: number;
  command: string[];
  seconds?: number;
  interval: number;
  excludeIdle: boolean;
  output?: string;
  gilOnly: boolean;
  nonblocking: boolean;
  quiet: boolean;
}

/** As yargs gives them: numbers as typed (see optionNumber), or as defaults. */
export interface RawArgs {
  pid?: string | number;
  trace: boolean;
  seconds?: string | number;
  rate: string | number;
  'exclude-idle': boolean;
  output?: string;
  gil: boolean;
  nonblocking: boolean;
  quiet: boolean;
}

/** Checks the combination of options; usage errors name the fix. */
export function toSettings(a: RawArgs, command: string[]): Settings {
  if (a.trace && command.length === 0) throw new UsageError('-t needs a command to launch, e.g. -t python3 job.py');
  if (a.pid !== undefined && command.length) throw new UsageError('give either -p PID or -t CMD, not both');
  if (a.pid === undefined && command.length === 0) throw new UsageError('nothing to sample: give -p PID or -t CMD ARGS...');
  const pid = a.pid === undefined ? undefined : optionNumber(a.pid);
  if (pid !== undefined && (!Number.isInteger(pid) || pid <= 0)) {
    throw new UsageError(`-p wants a process id, a positive integer, not '${a.pid}'`);
  }
  const rate = optionNumber(a.rate);
  if (!Number.isFinite(rate) || rate <= 0) throw new UsageError(`-r wants the interval in seconds, e.g. 0.01, not '${a.rate}'`);
  if (rate >= 10) {
    throw new UsageError(
      `-r ${a.rate} looks like a frequency in Hz; -r is the interval between samples in seconds (for ${rate} samples a second use -r ${1 / rate})`,
    );
  }
  const seconds = a.seconds === undefined ? undefined : optionNumber(a.seconds);
  if (seconds !== undefined && (!Number.isFinite(seconds) || seconds <= 0)) {
    throw new UsageError(`-s wants a duration in seconds greater than 0, not '${a.seconds}'`);
  }
  return {
    pid,
    command,
    // -p samples for 1 s unless told; -t samples until the command exits unless told.
    seconds: seconds ?? (command.length ? undefined : 1),
    interval: rate,
    excludeIdle: a['exclude-idle'],
    output: a.output,
    gilOnly: a.gil,
    nonblocking: a.nonblocking,
    quiet: a.quiet,
  };
}
