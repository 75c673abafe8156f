// The running totals: one count per distinct stack. Kept as two levels,
// root frames (process/thread names) over the rest of the stack, because the
// rest is usually a string the record cache hands out again and again: its
// hash is computed once, and no root;stack string is built per sample.

import { formatCount } from '../tool';

export class Stacks {
  private byRoot = new Map<string, Map<string, number>>();

  /** Adds count to the stack `root;frames` (either part may be empty, not both). */
  add(root: string, frames: string, count: number): void {
    let inner = this.byRoot.get(root);
    if (inner === undefined) {
      inner = new Map();
      this.byRoot.set(root, inner);
    }
    inner.set(frames, (inner.get(frames) ?? 0) + count);
  }

  /** Number of distinct (root, frames) pairs held. */
  get size(): number {
    let n = 0;
    for (const inner of this.byRoot.values()) n += inner.size;
    return n;
  }

  /**
   * The folded lines `stack count`, sorted by byte order as
   * stackcollapse-perf.pl sorts them (strings hold one byte per char, so
   * comparing UTF-16 code units compares bytes).
   */
  lines(): string[] {
    const merged = new Map<string, number>();
    for (const [root, inner] of this.byRoot) {
      for (const [frames, count] of inner) {
        const stack = root && frames ? `${root};${frames}` : root || frames;
        merged.set(stack, (merged.get(stack) ?? 0) + count);
      }
    }
    const keys = [...merged.keys()].sort();
    return keys.map((k) => `${k} ${formatCount(merged.get(k)!)}\n`);
  }
}
