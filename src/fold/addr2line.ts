// --inline: asks addr2line which functions were inlined at an address, as
// stackcollapse-perf.pl does (same arguments, same nm fallback for addresses
// it cannot place, same output shape), so both give the same frames.

import { execFileSync } from 'node:child_process';
import { ToolError } from '../tool';

/** Runs a program and returns its stdout, also when it fails (addr2line prints what it can). */
function capture(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'latin1', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 * 1024 * 1024 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string };
    if (e.code === 'ENOENT') throw new ToolError(`--inline needs ${cmd}, which was not found (install binutils)`);
    return typeof e.stdout === 'string' ? e.stdout : '';
  }
}

/**
 * Returns the resolver the Folder calls for each frame: `outer;inner` names
 * for the address, or '' (or '??') when addr2line knows nothing, in which
 * case the frame keeps its symbol.
 */
export function addr2lineResolver(context: boolean): (pc: string, rawfunc: string, mod: string) => string {
  const cache = new Map<string, string>();
  const symbols = new Map<string, string>();

  const resolve = (pc: string, rawfunc: string, mod: string): string => {
    const key = `${pc}\0${mod}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    // The first line echoes the address (-a); then function and file:line pairs, innermost first.
    const out = capture('addr2line', ['-a', pc, '-e', mod, '-i', '-f', '-s', '-C']).replace(/^.*\n/, '');
    if (/\?\?\n\?\?:0/.test(out)) {
      const m = /^(.+)\+0x([0-9a-f]+)$/s.exec(rawfunc);
      if (m) {
        let table = symbols.get(mod);
        if (table === undefined) {
          table = capture('nm', [mod]);
          symbols.set(mod, table);
        }
        const base = symbolAddress(table, m[1]!);
        if (base !== null) {
          const result = resolve(`0x${(base + BigInt(`0x${m[2]}`)).toString(16)}`, '', mod);
          cache.set(key, result);
          return result;
        }
      }
    }
    const lines = out.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const frames: string[] = [];
    for (let i = 0; i + 1 < lines.length; i += 2) {
      const func = dropDiscriminator(lines[i]!);
      const where = dropDiscriminator(lines[i + 1]!);
      frames.unshift(context ? `${func}:${where}` : func);
    }
    const result = frames.join(';');
    cache.set(key, result);
    return result;
  };
  return resolve;
}

function dropDiscriminator(line: string): string {
  return line.replace(/ \(discriminator [^\t\n\v\f\r ]+\)/, '');
}

/** The address nm lists for a symbol, or null. */
function symbolAddress(table: string, name: string): bigint | null {
  for (const line of table.split('\n')) {
    const m = /^([0-9a-f]+) . (.*)$/s.exec(line);
    if (m && m[2] === name) return BigInt(`0x${m[1]}`);
  }
  return null;
}
