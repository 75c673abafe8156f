// -t CMD ARGS…: start the command as a child, the way a shell runs a
// foreground job, and wait until its Python interpreter can be read.

import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { ToolError } from '../tool';
import { isAlive, readText, statGroups } from './procfs';

export class Launched {
  exited = false;
  /** 'status 0', 'signal SIGTERM' once exited. */
  how = '';
  private readonly done: Promise<void>;

  constructor(readonly child: ChildProcess) {
    this.done = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = true;
        this.how = signal ? `signal ${signal}` : `status ${code}`;
        resolve();
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves once the child has exited and been reaped. */
  wait(): Promise<void> {
    return this.done;
  }

  /**
   * Passes a signal pysample received on to the child, as a shell passes it to
   * its foreground job. A Ctrl-C typed at the terminal already reached the child
   * (it shares pysample's process group, the terminal's foreground group), so
   * that one is not sent twice.
   */
  forward(signal: NodeJS.Signals): void {
    if (this.exited) return;
    if ((signal === 'SIGINT' || signal === 'SIGQUIT') && inForeground()) return;
    try {
      this.child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Whether pysample's process group is its terminal's foreground group. */
function inForeground(): boolean {
  const g = statGroups(readText('/proc/self/stat') ?? '');
  return g.tpgid > 0 && g.tpgid === g.pgrp;
}

/**
 * Starts CMD. Its stdout goes to pysample's stderr when the samples go to
 * stdout, so the two never mix; stdin and stderr are shared.
 */
export async function launch(command: string[], samplesOnStdout: boolean): Promise<Launched> {
  const [file, ...args] = command as [string, ...string[]];
  const child = spawn(file, args, { stdio: ['inherit', samplesOnStdout ? 2 : 'inherit', 'inherit'] });
  const failed = new Promise<Error>((resolve) => child.once('error', resolve));
  const started = new Promise<void>((resolve) => child.once('spawn', () => resolve()));
  const first = await Promise.race([failed, started]);
  if (first instanceof Error) {
    const code = (first as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'command not found' : code === 'EACCES' ? 'not executable' : code ?? first.message;
    throw new ToolError(`cannot run ${file}: ${why} (check the command after -t)`);
  }
  return new Launched(child);
}

/**
 * Calls open() until it succeeds: right after the start the process may still
 * be a shim or shell that has not exec'd Python, or an interpreter that has
 * not initialised. Gives up with open()'s last error when the child exits or
 * after timeoutMs.
 */
export async function whenReady<T>(child: Launched, open: () => T, timeoutMs = 10000): Promise<T> {
  const until = performance.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      return open();
    } catch (err) {
      // Half-started processes fail in many ways (files not there yet, memory
      // being mapped); the last failure seen while the command ran is the one to tell.
      if (isAlive(child.pid)) last = err instanceof ToolError ? err.message : `cannot read pid ${child.pid}: ${(err as Error).message}`;
      if (child.exited || (!isAlive(child.pid) && (await exitOf(child)))) {
        const ended = `${child.child.spawnfile} ended (${child.how}) before it could be sampled`;
        throw new ToolError(last ? `${last}; ${ended}` : ended);
      }
      if (performance.now() > until) throw new ToolError(last);
    }
    await sleep(15);
  }
}

/** Waits (briefly) for Node to reap a child that /proc already shows as gone. */
async function exitOf(child: Launched): Promise<boolean> {
  await Promise.race([child.wait(), sleep(2000)]);
  return child.exited;
}
