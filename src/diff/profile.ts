// One side of a comparison: a recording read whole, recognised as raw stacks
// (pysample records or perf script output) or folded lines, and folded with
// pyfold's own Folder, so that pydiff's stacks are exactly pyfold's.

import { parseFolded, ToolError } from '../tool';
import { foldText } from '../fold/fold';
import type { FoldOptions } from '../fold/options';
import { parseHeader } from '../fold/perf';

/** What a recording holds. Two sides must be of the same kind to be compared. */
export type Kind = 'pysample' | 'perf' | 'folded' | 'differential' | 'unknown' | 'empty';

/** How each kind reads in a message. */
export const KIND_NAMES: Record<Kind, string> = {
  pysample: 'raw pysample stacks',
  perf: 'perf script output',
  folded: 'folded lines',
  differential: 'differential folded lines (two counts)',
  unknown: 'neither raw stacks nor folded lines',
  empty: 'empty',
};

/** Lines looked at to tell the kind (metadata and blank lines are not counted). */
const SNIFF_LINES = 200;

/**
 * The kind of a recording, from its first lines: a record header followed
 * by a frame line is raw (pysample's when the header has its flags field),
 * `stack count` is folded, `stack before after` is differential.
 */
export function kindOf(text: string): Kind {
  const lines = text.slice(0, 1 << 20).split('\n', 5000);
  let seen = 0;
  for (let i = 0; i < lines.length && seen < SNIFF_LINES; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) continue;
    seen++;
    // A frame line can only follow a header; a record is raw whatever came first.
    if (/^[\t ]/.test(line)) continue;
    const next = lines[i + 1]?.replace(/\r$/, '') ?? '';
    const h = parseHeader(line);
    if (h && /^[\t ]/.test(next)) return h.pysample ? 'pysample' : 'perf';
    const f = parseFolded(line);
    if (f) return parseFolded(f.stack) && /[\t ]\d+(?:\.\d*)?$/.test(f.stack) ? 'differential' : 'folded';
    return 'unknown';
  }
  return seen === 0 ? 'empty' : 'unknown';
}

/** A folded recording: count per stack, and their sum. */
export interface Profile {
  name: string;
  kind: Kind;
  stacks: Map<string, number>;
  total: number;
  /** Lines pyfold could not read (reported by the caller). */
  badLines: number;
}

/**
 * Folds one recording (latin1 text: one char per byte, as pyfold reads it).
 * Throws a ToolError naming the file when it cannot be compared.
 */
export function readProfile(name: string, text: string, opts: Partial<FoldOptions>): Profile {
  const kind = kindOf(text);
  if (kind === 'differential') {
    throw new ToolError(`${name} is already a differential profile (two counts per line): give the two recordings it was made from`);
  }
  if (kind === 'unknown') {
    throw new ToolError(`${name} is neither raw stacks (pysample, perf script) nor folded lines "frame;frame count"`);
  }
  const folded = foldText(text, opts);
  const stacks = new Map<string, number>();
  let total = 0;
  for (const line of folded.text.split('\n')) {
    const f = parseFolded(line);
    if (!f) continue;
    stacks.set(f.stack, (stacks.get(f.stack) ?? 0) + f.count);
    total += f.count;
  }
  if (total === 0) throw new ToolError(`${name} has no samples (${kind === 'empty' ? 'no stacks in it' : 'every count is 0'}): compare two recordings that both hold stacks`);
  return { name, kind, stacks, total, badLines: folded.bad.count };
}

/** Refuses two recordings of different kinds: their stacks would not be comparable. */
export function checkSameKind(before: Profile, after: Profile): void {
  const raw = (k: Kind): boolean => k === 'pysample' || k === 'perf';
  if (before.kind === after.kind) return;
  const fix = raw(before.kind) && raw(after.kind)
    ? 'compare recordings of the same profiler'
    : 'give both raw, or fold both with the same pyfold options';
  throw new ToolError(`${before.name} is ${KIND_NAMES[before.kind]} but ${after.name} is ${KIND_NAMES[after.kind]}: ${fix}`);
}
