// The running totals: one count per distinct stack. Kept as two levels,
// root frames (process/thread names) over the rest of the stack, because the
// rest is usually a string the record cache hands out again and again: its
// hash is computed once, and no root;stack string is built per sample.

import { formatCount } from '../tool';

export class Stacks {
  private byRoot = new Map<string, Map<string, number>>();
  /** Counts handed over at the very end (see addLast), merged by sorting rather than hashing. */
  private last: { root: string; frames: string; count: number }[] = [];

  /** Adds count to the stack `root;frames` (either part may be empty, not both). */
  add(root: string, frames: string, count: number): void {
    let inner = this.byRoot.get(root);
    if (inner === undefined) {
      inner = new Map();
      this.byRoot.set(root, inner);
    }
    inner.set(frames, (inner.get(frames) ?? 0) + count);
  }

  /**
   * As add, for the record cache's totals once the input has ended: kept in
   * a list and merged in lines(), where the stacks are sorted anyway, which
   * saves hashing every long folded stack once more. Only for a bounded
   * batch (the list is not merged as it grows).
   */
  addLast(root: string, frames: string, count: number): void {
    this.last.push({ root, frames, count });
  }

  /** Number of distinct (root, frames) pairs held (by add). */
  get size(): number {
    let n = 0;
    for (const inner of this.byRoot.values()) n += inner.size;
    return n;
  }

  /**
   * The folded lines `stack count`, sorted by byte order as
   * stackcollapse-perf.pl sorts them (strings hold one byte per char, so
   * comparing UTF-16 code units compares bytes). Equal stacks end up next to
   * each other and are summed there, in the order they were added (the sort
   * is stable).
   */
  lines(): string[] {
    const all: { stack: string; count: number }[] = [];
    for (const [root, inner] of this.byRoot) {
      for (const [frames, count] of inner) all.push({ stack: join(root, frames), count });
    }
    for (const e of this.last) all.push({ stack: join(e.root, e.frames), count: e.count });
    all.sort((a, b) => (a.stack < b.stack ? -1 : a.stack === b.stack ? 0 : 1));
    const out: string[] = [];
    for (let i = 0; i < all.length; ) {
      const stack = all[i]!.stack;
      let count = all[i]!.count;
      for (i++; i < all.length && all[i]!.stack === stack; i++) count += all[i]!.count;
      out.push(`${stack} ${formatCount(count)}\n`);
    }
    return out;
  }
}

function join(root: string, frames: string): string {
  return root && frames ? `${root};${frames}` : root || frames;
}
