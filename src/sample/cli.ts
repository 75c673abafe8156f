// pysample: the command line around Session. Attaches to (-p) or launches
// (-t) a Python process, samples it, and always lets it go.

import * as fs from 'node:fs';
import type { Argv } from 'yargs';
import { runTool, type ToolSpec, ToolError } from '../tool';
import { type RawArgs, type Settings, splitArgs, toSettings } from './args';
import { attachFacts, explainAttach } from './errors';
import { launch, type Launched, whenReady } from './launch';
import { type MemoryError, ProcessMemory } from './memory';
import { native } from './native';
import { RawWriter, formatHeader } from './output';
import { isAlive, readCommand, readStatus, readText, statIsKernelThread } from './procfs';
import { openPython, type PythonProcess } from './python';
import { Sampler, StopRefused } from './sampler';
import { median, Session, type SessionStats } from './session';

const USAGE = `$0 -p PID [options]
$0 [options] -t CMD [ARGS...]

Samples every thread's Python stack of a running CPython process (2.7, 3.6 to 3.13) at a
steady rate, without restarting it or changing its code, and writes raw stacks (man 5 pysample)
for pyfold. -p attaches to a running process; -t (or --) launches CMD and samples it until it
exits: everything after -t belongs to CMD.`;

const EPILOG = `A thread is idle when the OS reported it as not running (state other than R in
/proc/PID/task/TID/stat, read just before the sample). Running threads are stopped with
PTRACE_INTERRUPT only while their stacks are copied, then resumed; pysample never writes to the target. SIGINT, SIGTERM and
SIGHUP end the run cleanly (with -t they go to CMD first, as a shell would pass them).`;

function options(y: Argv): Argv<RawArgs> {
  return y
    .option('pid', { alias: 'p', requiresArg: true, describe: 'attach to the process with this id' })
    .option('trace', { alias: 't', type: 'boolean', default: false, describe: 'launch CMD ARGS... (the rest of the line) and sample it until it exits; also -- CMD ARGS...' })
    .option('seconds', { alias: 's', requiresArg: true, describe: 'how long to sample [default: 1 with -p; with -t until CMD exits]' })
    .option('rate', { alias: 'r', requiresArg: true, default: 0.01, describe: 'interval between samples, in seconds (not Hz); one sample at a random point of each' })
    .option('exclude-idle', { alias: 'x', type: 'boolean', default: false, describe: 'leave out samples of idle threads' })
    .option('output', { alias: 'o', type: 'string', describe: 'write the samples to FILE instead of stdout' })
    .option('gil', { type: 'boolean', default: false, describe: 'sample only the thread that holds the GIL' })
    .option('nonblocking', { type: 'boolean', default: false, describe: 'read without stopping the target (stacks may be torn)' })
    .option('threads', { type: 'boolean', default: false, describe: 'accepted for pyflame compatibility: all threads are always sampled' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress line and no summary on stderr' })
    .example('$0 -p 9876 -s 300 -r 0.01 -o app.raw', 'five minutes of pid 9876, every 10 ms')
    .example('$0 -p 9876 | pyfold | pyfilter -x | pyflamegraph > app.svg', 'one second into a flame graph')
    .example('$0 -r 0.001 -t python3 job.py --full', 'launch job.py and sample it every 1 ms until it exits')
    .example('$0 -x --gil -p 9876 -s 10', 'only the thread that holds the GIL, no idle samples')
    .example('$0 --nonblocking -q -p 9876 -s 60 > app.raw', 'never stop the target; nothing on stderr')
    .example('$0 --threads -- python3 job.py', "launch with --; pyflame's --threads is accepted (all threads are sampled)")
    .epilog(EPILOG) as unknown as Argv<RawArgs>;
}

/** Finds the interpreter; a permission problem is explained before the Python side ever runs. */
function attach(pid: number, mem: ProcessMemory, nonblocking: boolean): PythonProcess {
  if (!isAlive(pid)) throw new ToolError(`no such process: pid ${pid} (check the pid; it may have exited)`);
  const stat = readText(`/proc/${pid}/stat`);
  if (stat !== undefined && statIsKernelThread(stat)) {
    throw new ToolError(`pid ${pid} is a kernel thread (${readStatus(pid).get('Name') ?? '?'}), not a Python process (check the pid)`);
  }
  try {
    mem.read(0, 1); // an unmapped address: EFAULT if allowed, EPERM if not
  } catch (err) {
    const e = err as MemoryError;
    const code = /: (E[A-Z]+)$/.exec(e.message)?.[1] ?? 'EFAULT';
    if (code !== 'EFAULT' && code !== 'EIO') throw new ToolError(explainAttach(attachFacts(pid, code)));
  }
  // Only one tracer at a time: say so now rather than at the first stop.
  const tracer = Number(readStatus(pid).get('TracerPid') ?? 0);
  if (!nonblocking && tracer !== 0 && tracer !== process.pid) throw new ToolError(explainAttach(attachFacts(pid, 'EPERM')));
  try {
    return openPython(pid, mem);
  } catch (err) {
    if (err instanceof ToolError) throw err;
    if (!isAlive(pid)) throw new ToolError(`no such process: pid ${pid} (it exited while pysample attached)`);
    throw new ToolError(`cannot read pid ${pid}: ${(err as Error).message}`);
  }
}

function summary(s: SessionStats, settings: Settings, child?: Launched): string {
  const requested = s.elapsedS / settings.interval;
  const rate = s.elapsedS > 0 ? s.samples / s.elapsedS : 0;
  const share = requested > 0 ? Math.min(100, (100 * s.samples) / requested) : 100;
  const idle = s.threadSamples ? (100 * s.idle) / s.threadSamples : 0;
  const stops = s.stoppedUs.filter((us) => us > 0);
  const stopped = settings.nonblocking
    ? 'target never stopped (--nonblocking)'
    : stops.length
      ? `running threads stopped ${median(stops).toFixed(0)} µs per sample (median of ${stops.length}; mean ${(stops.reduce((a, b) => a + b, 0) / stops.length).toFixed(0)} µs)`
      : 'no thread was running, none stopped';
  const end = child?.exited ? `; ${child.child.spawnfile} exited (${child.how})` : s.ended === 'exit' ? '; the target exited' : '';
  return (
    `pysample: ${s.samples} samples in ${s.elapsedS.toFixed(2)} s (${rate.toFixed(1)}/s, ${share.toFixed(1)}% of requested), ` +
    `${s.threadSamples} thread stacks, ${idle.toFixed(1)}% idle, ${s.errors} errors; ${stopped}; ` +
    `late by ${s.maxLateMs.toFixed(1)} ms at most, ${s.missed} missed${end}\n`
  );
}

function progressLine(settings: Settings): ((s: SessionStats, elapsedS: number) => void) | undefined {
  if (settings.quiet || !process.stderr.isTTY) return undefined;
  const of = settings.seconds === undefined ? '' : ` of ${settings.seconds} s`;
  return (s, el) => {
    process.stderr.write(`\r\x1b[Kpysample: ${el.toFixed(1)} s${of}, ${s.samples} samples, ${(s.samples / el).toFixed(1)}/s, ${s.errors} errors`);
  };
}

async function run(a: RawArgs, command: string[]): Promise<void> {
  const settings = toSettings(a, command);
  native(); // says at once if this is not Linux or the addon is not built
  process.stderr.on('error', () => undefined); // a closed terminal must not stop the detach
  let fd = 1;
  if (settings.output !== undefined) {
    try {
      fd = fs.openSync(settings.output, 'w');
    } catch (err) {
      throw new ToolError(`cannot write ${settings.output}: ${(err as NodeJS.ErrnoException).code} (check the path)`);
    }
  }
  let child: Launched | undefined;
  let session: Session | undefined;
  let signals = 0;
  let toldTwice = (): void => undefined;
  const secondSignal = new Promise<void>((resolve) => (toldTwice = resolve));
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals >= 2) toldTwice();
    // With -t the first signal goes to CMD and sampling goes on until it exits; a second one stops now.
    if (child && !child.exited && signals === 1) child.forward(sig);
    else session?.stop('signal');
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
  try {
    let py: PythonProcess;
    let pid: number;
    if (settings.command.length) {
      child = await launch(settings.command, fd === 1);
      pid = child.pid;
      const mem = new ProcessMemory(pid);
      py = await whenReady(child, () => attach(pid, mem, settings.nonblocking));
    } else {
      pid = settings.pid!;
      py = attach(pid, new ProcessMemory(pid), settings.nonblocking);
    }
    const sampler = new Sampler(py, {
      pid,
      nonblocking: settings.nonblocking,
      gilOnly: settings.gilOnly,
      isChild: child !== undefined,
      // A thread waiting for a CPU stops only once it runs, and takes the interrupt before it
      // returns to its Python code: its stack is read as it is, and the threads already
      // stopped are not held long for it.
      stopTimeoutMs: 1,
    });
    const out = new RawWriter(fd);
    out.add(formatHeader({
      pid, command: readCommand(pid), python: py.version, executable: py.executable, interval: settings.interval, start: new Date(),
    }));
    out.flush();
    session = new Session(sampler, out, {
      pid, interval: settings.interval, seconds: settings.seconds, excludeIdle: settings.excludeIdle, progress: progressLine(settings),
    });
    if (child) child.wait().then(() => session?.stop('exit'));
    if (signals > 0 && (!child || signals > 1)) session.stop('signal');
    try {
      await session.run();
    } catch (err) {
      if (err instanceof StopRefused) throw new ToolError(explainAttach(attachFacts(pid, err.errno)));
      throw err;
    } finally {
      if (process.stderr.isTTY && !settings.quiet) process.stderr.write('\r\x1b[K');
    }
    // The sampler may see the exit (a zombie) before Node has reaped the child;
    // after -s, the command runs on and, like a shell, pysample waits for it.
    if (child && session.stats.ended === 'exit') await child.wait();
    if (child && session.stats.ended === 'time' && signals < 2) await Promise.race([child.wait(), secondSignal]);
    if (!settings.quiet && session.stats.ended !== 'pipe') process.stderr.write(summary(session.stats, settings, child));
  } finally {
    // Like a shell, wait for the job launched with -t, unless told twice to stop.
    if (child && !child.exited && signals < 2) await Promise.race([child.wait(), secondSignal]);
    if (fd !== 1) fs.closeSync(fd);
  }
}

export function main(argv: string[] = process.argv.slice(2)): void {
  const { own, command } = splitArgs(argv);
  const spec: ToolSpec<RawArgs> = {
    name: 'pysample',
    usage: USAGE,
    options,
    run: (a) => run(a, command),
  };
  runTool(spec, own);
}
