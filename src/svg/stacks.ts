// The stacks of a profile, held compactly: every distinct frame name once,
// each stack as a run of frame ids in one growing Int32Array. A 200 MB folded
// file of deep Python stacks shrinks to a few tens of MB this way, and stacks
// compare by integers instead of by long strings.

const CACHE_MASK = (1 << 17) - 1;

/** Mixes the length and seven characters spread over the name (never the whole name). */
function quickHash(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  let h = Math.imul(n ^ s.charCodeAt(n - 1), 0x9e3779b1);
  h = Math.imul(h ^ s.charCodeAt(n >> 1), 0x85ebca6b);
  h = Math.imul(h ^ s.charCodeAt((n * 3) >> 2), 0xc2b2ae35);
  h = Math.imul(h ^ s.charCodeAt(n >> 2), 0x27d4eb2f);
  h = Math.imul(h ^ s.charCodeAt(n > 3 ? n - 3 : 0), 0x165667b1);
  h = Math.imul(h ^ s.charCodeAt(n > 6 ? n - 6 : 0), 0x9e3779b1);
  h = Math.imul(h ^ s.charCodeAt((n * 5) >> 3), 0x85ebca6b);
  return h ^ (h >>> 16);
}

export class StackTable {
  /** Frame name of each id. */
  readonly names: string[] = [];
  // A null-prototype object: as a string-keyed dictionary it is about 1.5x
  // faster than a Map here, and interning runs once per frame of the input.
  private readonly index: Record<string, number> = Object.create(null);
  private pool = new Int32Array(1 << 16);
  private used = 0;
  private lastFrames: readonly string[] = [];
  private readonly cacheName: (string | undefined)[] = new Array<string | undefined>(CACHE_MASK + 1).fill(undefined);
  private readonly cacheId = new Int32Array(CACHE_MASK + 1);
  /** Per stack: where its frames start in the pool, and how many there are. */
  readonly first: number[] = [];
  readonly depth: number[] = [];
  /** Per stack: the count that gives the width, and after - before (NaN if not differential). */
  readonly count: number[] = [];
  readonly delta: number[] = [];
  /**
   * Per stack: the rest of its sort key after the frames joined by ';'
   * (" 12", or ";; 12" for a stack written with trailing ';'s).
   */
  readonly tail: string[] = [];

  get size(): number {
    return this.count.length;
  }

  /** The id of a frame name, adding it if new. */
  intern(name: string): number {
    // A direct-mapped cache in front of the dictionary, keyed by a hash of
    // the length and a few characters: most frames hit it and skip hashing
    // the whole name (the dictionary lookup is most of the reading time).
    const slot = quickHash(name) & CACHE_MASK;
    if (this.cacheName[slot] === name) return this.cacheId[slot]!;
    let id = this.index[name];
    if (id === undefined) {
      id = this.names.length;
      // Own copy: a name cut out of a line would keep the whole line in memory.
      const own = name.length >= 13 ? Buffer.from(name, 'utf16le').toString('utf16le') : name;
      this.names.push(own);
      this.index[own] = id;
    }
    this.cacheName[slot] = this.names[id]!;
    this.cacheId[slot] = id;
    return id;
  }

  add(frames: readonly string[], tail: string, count: number, delta: number): void {
    if (this.used + frames.length > this.pool.length) {
      const bigger = new Int32Array(Math.max(this.pool.length * 2, this.used + frames.length));
      bigger.set(this.pool.subarray(0, this.used));
      this.pool = bigger;
    }
    // Folded files are usually sorted, so a stack mostly starts with the
    // previous one's frames: reuse their ids while the names match.
    const prev = this.lastFrames;
    const prevFirst = this.used - prev.length;
    let k = 0;
    while (k < frames.length && k < prev.length && frames[k] === prev[k]) {
      this.pool[this.used + k] = this.pool[prevFirst + k]!;
      k++;
    }
    this.first.push(this.used);
    this.depth.push(frames.length);
    this.used += k;
    for (; k < frames.length; k++) this.pool[this.used++] = this.intern(frames[k]!);
    this.lastFrames = frames;
    this.count.push(count);
    this.delta.push(delta);
    this.tail.push(tail.length >= 13 ? Buffer.from(tail, 'utf16le').toString('utf16le') : tail);
  }

  /** All frame ids; stack i's are frames[first[i] .. first[i] + depth[i]). */
  get frames(): Int32Array {
    return this.pool;
  }

  /** Frame id `k` (0 = outermost) of stack `i`. */
  frame(i: number, k: number): number {
    return this.pool[this.first[i]! + k]!;
  }

  /** The stack as text, frames joined by ';'. */
  stackText(i: number): string {
    const out: string[] = [];
    for (let k = 0; k < this.depth[i]!; k++) out.push(this.names[this.frame(i, k)]!);
    return out.join(';');
  }

  /** Stack `i`'s sort key after its first k frames joined by ';' (all of it for k = 0). */
  keyAfter(i: number, k: number): string {
    const out: string[] = [];
    for (let j = k; j < this.depth[i]!; j++) out.push(this.names[this.frame(i, j)]!);
    const sep = k > 0 && k < this.depth[i]! ? ';' : '';
    return sep + out.join(';') + this.tail[i]!;
  }
}
