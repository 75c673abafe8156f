// Folding in memory, for tests and for other tools that already hold their
// input: the same Folder and Scanner the CLI streams through.

import { BadLines } from '../tool';
import { Folder } from './folder';
import type { FoldOptions } from './options';
import { Scanner } from './scan';

export interface FoldResult {
  /** The folded output, exactly as pyfold prints it (latin1: one char per byte). */
  text: string;
  bad: BadLines;
  /** Records dropped by the event filter. */
  filtered: number;
}

/**
 * Folds inputs given as chunks: each inner array is one input file, cut into
 * chunks wherever the caller likes (the result must not depend on where).
 */
export function foldChunks(files: readonly (readonly Buffer[])[], opts: Partial<FoldOptions> = {}): FoldResult {
  const bad = new BadLines('pyfold');
  const folder = new Folder(opts, bad, { file: 'input', line: 0 });
  const scanner = new Scanner(folder, bad);
  files.forEach((chunks, i) => {
    folder.where.file = `input${i + 1}`;
    folder.where.line = 0;
    for (const c of chunks) scanner.push(c);
    scanner.end();
  });
  folder.finish();
  return { text: folder.lines().join(''), bad, filtered: folder.filtered };
}

/** Folds one input held as text or bytes. */
export function foldText(input: string | Buffer, opts: Partial<FoldOptions> = {}): FoldResult {
  return foldChunks([[typeof input === 'string' ? Buffer.from(input, 'latin1') : input]], opts);
}
