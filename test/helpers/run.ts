// Runs the project's tools (and shell pipelines) as a user would, collecting
// their exit status and output, for the CLI tests of every stage.

import { spawn } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');

export interface Ran {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

export interface RunOptions {
  /** Fed to stdin and then closed; a string is written as UTF-8. */
  stdin?: Buffer | string;
  cwd?: string;
}

/** Runs bin/TOOL (or another script run by node) with args. */
export function runTool(bin: string, args: string[], opts: RunOptions = {}): Promise<Ran> {
  const script = path.isAbsolute(bin) ? bin : path.join(ROOT, 'bin', bin);
  return collect(process.execPath, [script, ...args], opts);
}

/** Runs a bash script from the project root (or opts.cwd); stdout as text. */
export async function sh(script: string, opts: RunOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = await collect('bash', ['-c', script], { cwd: ROOT, ...opts });
  return { code: r.code, stdout: r.stdout.toString(), stderr: r.stderr };
}

function collect(cmd: string, args: string[], opts: RunOptions): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.on('error', () => {}); // the tool may exit before reading all of its input
    child.stdin.end(opts.stdin ?? '');
  });
}
