// The order flamegraph.pl merges stacks in: it sorts the input lines as
// strings, by code point. The same order comes from comparing stacks frame
// by frame (as ids), looking at characters only where two stacks first
// differ: at the differing frame names, or, when one name is a prefix of the
// other ("b" and "b.x"), at the character that follows the shorter one (";"
// before another frame, or the blank before the count). So "a;b 5" sorts
// before "a;b!x 1" before "a;b;c 1", exactly as the lines do.

import type { StackTable } from './stacks';

const SEMI = 0x3b;

/** Stack indexes in merge order. */
export function sortedOrder(t: StackTable): number[] {
  const order = Array.from({ length: t.size }, (_, i) => i);
  const frames = t.frames;
  return order.sort((a, b) => compareStacks(t, frames, a, b));
}

export function compareStacks(t: StackTable, frames: Int32Array, a: number, b: number): number {
  const da = t.depth[a]!;
  const db = t.depth[b]!;
  const n = Math.min(da, db);
  // The shared leading frames, compared as ids straight in the pool (the hot loop of the sort).
  const fa = t.first[a]!;
  const fb = t.first[b]!;
  let k = 0;
  while (k < n && frames[fa + k] === frames[fb + k]) k++;
  let c: number;
  if (k < n) {
    const x = t.names[frames[fa + k]!]!;
    const y = t.names[frames[fb + k]!]!;
    c = compareCommon(x, y);
    if (c !== 0) return c;
    // One name is a prefix of the other: compare what follows the shorter.
    c = x.length < y.length ? after(t, a, k) - y.charCodeAt(x.length) : x.charCodeAt(y.length) - after(t, b, k);
  } else if (da === db) {
    return compareCodePoints(t.tail[a]!, t.tail[b]!);
  } else {
    // One stack is the other's start: its tail meets the other's ';'.
    c = da < db ? t.tail[a]!.charCodeAt(0) - SEMI : SEMI - t.tail[b]!.charCodeAt(0);
  }
  // A ';' or a blank met its equal (a trailing ';', a blank inside a name): rare, compare the text.
  return c !== 0 && !Number.isNaN(c) ? c : compareCodePoints(t.keyAfter(a, k), t.keyAfter(b, k));
}

/** The character after frame k of stack i in its sort key. */
function after(t: StackTable, i: number, k: number): number {
  return k + 1 < t.depth[i]! ? SEMI : t.tail[i]!.charCodeAt(0);
}

/** Compares up to the shorter length, by code point; 0 if one is a prefix of the other. */
function compareCommon(x: string, y: string): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const p = x.charCodeAt(i);
    const q = y.charCodeAt(i);
    if (p !== q) return unitOrder(p, q);
  }
  return 0;
}

/** Code point order of two differing UTF-16 units at the same position. */
function unitOrder(p: number, q: number): number {
  const ps = p >= 0xd800 && p <= 0xdfff;
  const qs = q >= 0xd800 && q <= 0xdfff;
  if (ps !== qs) return ps ? 1 : -1; // a surrogate stands for a code point above any BMP one
  return p - q;
}

/** Perl's string comparison: by Unicode code point. */
export function compareCodePoints(a: string, b: string): number {
  const c = compareCommon(a, b);
  return c !== 0 ? c : a.length - b.length;
}
