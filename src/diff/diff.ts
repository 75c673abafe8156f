// The differential profile itself, as FlameGraph's difffolded.pl writes it:
// every stack of either side, `stack before after`, a stack missing from a
// side counting 0 there. Output is sorted by byte order (difffolded.pl prints
// in Perl's hash order), so the same inputs always give the same file.

import { formatCount } from '../tool';

export interface DiffOptions {
  /** Scale the before counts to the after total (difffolded.pl -n): int(before * afterTotal / beforeTotal). */
  normalize: boolean;
  /** Replace hex numbers (addresses) with 0x... so that stacks differing only there merge (difffolded.pl -s). */
  stripHex: boolean;
}

const HEX = /0x[0-9a-fA-F]+/g;

/** The stacks with hex numbers replaced, counts of stacks that become equal summed. */
export function stripHex(stacks: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [stack, count] of stacks) {
    const s = stack.replace(HEX, '0x...');
    out.set(s, (out.get(s) ?? 0) + count);
  }
  return out;
}

export interface DiffLine {
  stack: string;
  before: number;
  after: number;
}

/** Pairs the two sides' counts per stack, sorted by stack. */
export function diffStacks(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>, opts: DiffOptions): DiffLine[] {
  const b = opts.stripHex ? stripHex(before) : before;
  const a = opts.stripHex ? stripHex(after) : after;
  const totalB = sum(b);
  const totalA = sum(a);
  const scale = opts.normalize && totalB !== totalA && totalB > 0;
  const stacks = new Set([...b.keys(), ...a.keys()]);
  const out: DiffLine[] = [];
  for (const stack of stacks) {
    let before = b.get(stack) ?? 0;
    // As difffolded.pl computes it: multiply, divide, then cut to a whole number.
    if (scale) before = Math.trunc((before * totalA) / totalB);
    out.push({ stack, before, after: a.get(stack) ?? 0 });
  }
  return out.sort((x, y) => (x.stack < y.stack ? -1 : x.stack > y.stack ? 1 : 0));
}

/** One line of difffolded.pl's format. */
export function formatDiffLine(l: DiffLine): string {
  return `${l.stack} ${formatCount(l.before)} ${formatCount(l.after)}\n`;
}

function sum(m: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const c of m.values()) n += c;
  return n;
}
