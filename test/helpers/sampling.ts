// Running pysample and its targets in tests: the CLI as a child process, the
// target's OS state (never left stopped, never traced), a small semaphore so
// a machine with two cores is not flooded with spinning targets.

import type { ExecutionContext } from 'ava';
import { type ChildProcess, spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = path.join(__dirname, '..', '..', '..');
export const PYSAMPLE = path.join(ROOT, 'bin', 'pysample');
export const TARGETS = path.join(ROOT, 'test', 'targets');

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Collects a child's output and exit; stdoutSoFar() shows what has come so far. */
export function collect(child: ChildProcess): Promise<Run> & { stdoutSoFar(): string } {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<Run>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return Object.assign(done, { stdoutSoFar: () => stdout });
}

/** Starts pysample with these arguments (stdin closed, stdout and stderr piped). */
export function startPysample(args: string[], opts: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, [PYSAMPLE, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

export function pysample(args: string[], opts: SpawnOptions = {}): Promise<Run> {
  return collect(startPysample(args, opts));
}

/** The OS view of a process: state letters of its threads and its tracer. */
export interface OsView {
  alive: boolean;
  states: string[];
  tracerPid: number;
}

export function osView(pid: number): OsView {
  try {
    const states = fs.readdirSync(`/proc/${pid}/task`).map((tid) => {
      const s = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
      return s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3);
    });
    const status = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
    const tracer = Number(/TracerPid:\s*(\d+)/.exec(status)?.[1] ?? 0);
    const alive = !states.every((s) => s === 'Z' || s === 'X');
    return { alive, states, tracerPid: tracer };
  } catch {
    return { alive: false, states: [], tracerPid: 0 };
  }
}

/**
 * Why the target is not in a fit state after pysample has gone (undefined if
 * it is fine): any thread stopped (T/t) or still traced. Stops need a moment
 * to clear after a detach, so this looks a few times.
 */
export async function harmed(pid: number): Promise<string | undefined> {
  let v = osView(pid);
  for (let i = 0; i < 20 && v.alive && (v.tracerPid !== 0 || v.states.some((s) => s === 't' || s === 'T')); i++) {
    await sleep(25);
    v = osView(pid);
  }
  if (!v.alive) return 'the target is gone';
  if (v.tracerPid !== 0) return `the target is still traced by pid ${v.tracerPid}`;
  if (v.states.some((s) => s === 't' || s === 'T')) return `the target is stopped (thread states ${v.states.join('')})`;
  return undefined;
}

/** Waits until a file exists (a target's dump), or throws after timeoutMs. */
export async function waitForFile(file: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (child && child.exitCode !== null) throw new Error(`the target exited (${child.exitCode}) before writing ${file}`);
    if (Date.now() > until) throw new Error(`no ${file} after ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** Waits for a child's exit (code or signal). */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** At most n tasks at a time. */
export class Limit {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly n: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.n) await new Promise<void>((r) => this.queue.push(r));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }
}

/** Whether a command a test needs runs here (`command ...versionArgs` exits 0); if not, the
 *  test fails under CI=true and only says so elsewhere. */
export function hasTool(t: ExecutionContext, command: string, versionArgs: string[], why: string): boolean {
  if (spawnSync(command, versionArgs).status === 0) return true;
  if (process.env.CI === 'true') t.fail(`needs ${why}`);
  else t.log(`needs ${why}`);
  return false;
}
