// The cache behind pyfold's speed: what a record's frame lines fold to, keyed
// by their bytes. Real profiles repeat a few thousand stacks many times, so
// after the first sight of a stack a record costs a hash of its first bytes,
// one Map lookup and one memcmp (predict), and its count is added right here
// rather than per sample in a Map keyed by the long folded string.

import type { Stacks } from './stacks';

/** One distinct frame block and the counts of the records that had it. */
export interface Block {
  /** The fold: frames root first, joined by ';'. */
  frames: string;
  /** Lines in the block, for line numbers in messages. */
  lines: number;
  /** Its length in bytes. */
  len: number;
  /** The block's bytes, to tell apart blocks that share a key. */
  bytes: Buffer;
  /** Count with no root frame (pysample's default), and counts by root frame. */
  plain: number;
  counts: Map<string, number>;
  /** Listed in the prediction index. */
  predictable: boolean;
}

/** Bytes at the start of a block that all go into its key. */
const HEAD = 48;
/** Further bytes, spread through the block, that go into its key. */
const SAMPLES = 160;
/** Bytes at the start of a block that key the prediction index. */
const PREFIX = 80;
/** Cached bytes before the cache is emptied into the totals and starts over (memory bound). */
const MAX_BYTES = 64 * 1024 * 1024;

export class BlockCache {
  /** One map per kind of fold (java names, Python frames): the same bytes fold differently. */
  private readonly maps: Map<number, Block[]>[] = [];
  /** Blocks by their first bytes alone, to recognise a record before its end is searched for. */
  private readonly starts: Map<number, Block[]>[] = [];
  private bytes = 0;

  constructor(private readonly stacks: Stacks) {}

  /** The block for buf[start, end) folded as `kind`, if seen before. */
  get(kind: number, buf: Buffer, start: number, end: number): Block | undefined {
    const list = this.maps[kind]?.get(keyOf(buf, start, end));
    if (list === undefined) return undefined;
    const len = end - start;
    for (const b of list) {
      if (b.len !== len) continue;
      if (buf.compare(b.bytes, 0, len, start, end) === 0) return b;
    }
    return undefined;
  }

  /**
   * The known block that buf[start, ...) begins with and that a blank line
   * follows, if any: then that is the record's block, since a cached block
   * holds no blank line and the first one after the header ends the record.
   * Saves searching 3 KB for "\n\n" on most records. `end` is where the data ends.
   */
  predict(kind: number, buf: Buffer, start: number, end: number): Block | undefined {
    if (end - start < PREFIX) return undefined;
    const list = this.starts[kind]?.get(hash(buf, start, start + PREFIX, 0));
    if (list === undefined) return undefined;
    for (let i = 0; i < list.length; i++) {
      const b = list[i]!;
      const stop = start + b.len;
      if (stop + 2 > end || buf[stop] !== 0x0a || buf[stop + 1] !== 0x0a) continue;
      if (buf.compare(b.bytes, 0, b.len, start, stop) !== 0) continue;
      if (i > 0) {
        // The most recent match first: stacks come in runs.
        list[i] = list[0]!;
        list[0] = b;
      }
      return b;
    }
    return undefined;
  }

  /** Lists a block in the prediction index (blocks shorter than its key cannot be predicted). */
  remember(kind: number, b: Block): void {
    if (b.predictable || b.len < PREFIX) return;
    b.predictable = true;
    const map = (this.starts[kind] ??= new Map());
    const key = hash(b.bytes, 0, PREFIX, 0);
    const list = map.get(key);
    if (list) list.push(b);
    else map.set(key, [b]);
  }

  /** Remembers the fold of buf[start, end). */
  set(kind: number, buf: Buffer, start: number, end: number, frames: string, lines: number): Block {
    if (this.bytes > MAX_BYTES) this.flush();
    const key = keyOf(buf, start, end);
    const bytes = Buffer.allocUnsafe(end - start);
    buf.copy(bytes, 0, start, end);
    const b: Block = { frames, lines, len: end - start, bytes, plain: 0, counts: new Map(), predictable: false };
    const map = (this.maps[kind] ??= new Map());
    const list = map.get(key);
    if (list) list.push(b);
    else map.set(key, [b]);
    this.bytes += 2 * (end - start);
    return b;
  }

  /** Moves every count into the totals and empties the cache; `last` once the input has ended. */
  flush(last = false): void {
    const add = last ? this.stacks.addLast.bind(this.stacks) : this.stacks.add.bind(this.stacks);
    for (const map of this.maps) {
      if (!map) continue;
      for (const list of map.values()) {
        for (const b of list) {
          if (b.plain !== 0) add('', b.frames, b.plain);
          for (const [root, n] of b.counts) add(root, b.frames, n);
        }
      }
      map.clear();
    }
    for (const map of this.starts) map?.clear();
    this.bytes = 0;
  }
}

/** Adds n to a block's count under a root. */
export function count(b: Block, root: string, n: number): void {
  if (root === '') b.plain += n;
  else b.counts.set(root, (b.counts.get(root) ?? 0) + n);
}

/**
 * A numeric key: FNV-1a over the length and bytes sampled evenly through the
 * block, plus its first bytes (the innermost frames, where stacks differ
 * most). Blocks sharing a key are told apart by comparing all their bytes.
 */
function keyOf(buf: Buffer, start: number, end: number): number {
  const len = end - start;
  const head = Math.min(end, start + HEAD);
  let h = hash(buf, start, head, len);
  const step = len > SAMPLES ? Math.floor(len / SAMPLES) : 1;
  for (let i = head; i < end; i += step) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h & 0x3fffffff;
}

/** FNV-1a over buf[start, end), seeded. */
function hash(buf: Buffer, start: number, end: number, seed: number): number {
  let h = Math.imul(0x811c9dc5 ^ seed, 0x01000193);
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h & 0x3fffffff;
}
