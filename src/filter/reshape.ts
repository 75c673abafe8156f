// The stack rewrites, each a pure function of one stack's frames (root first,
// leaf last). They know nothing of counts: merging the stacks they make equal
// is the caller's job.

import type { FrameMatcher } from './match';

/**
 * The leaf frames that mark a sample taken while the thread was not running:
 *   `python3;app.py:main:3;[idle]`  pysample's marker, folded by pyfold or stackcollapse-perf.pl
 *   `(idle)`                        pyflame's idle line, `(idle) 120`
 * Only an exact leaf counts: `threading.py:Condition.wait:355` or a kernel's
 * `cpu_idle` are ordinary frames.
 */
export const IDLE_LEAVES: readonly string[] = ['[idle]', '(idle)'];

/** Whether a stack (frames joined by ';') ends in an idle marker. */
export function isIdle(stack: string): boolean {
  const leaf = stack.slice(stack.lastIndexOf(';') + 1);
  return IDLE_LEAVES.includes(leaf);
}

/**
 * Drops the callers of the outermost frame that matches, so that frame
 * becomes the root (pprof's -show_from). Null when no frame matches.
 */
export function reRoot(frames: string[], at: FrameMatcher): string[] | null {
  const i = at.outermost(frames);
  return i === -1 ? null : frames.slice(i);
}

/** Removes every frame that matches (pprof's -hide); the rest keep their order. */
export function hideFrames(frames: string[], hide: FrameMatcher): string[] {
  return frames.filter((f) => !hide.test(f));
}

/**
 * Drops everything called below the outermost frame that matches, keeping
 * that frame as the leaf (pprof's -prune_from). Unchanged when none matches.
 */
export function pruneBelow(frames: string[], prune: FrameMatcher): string[] {
  const i = prune.outermost(frames);
  return i === -1 ? frames : frames.slice(0, i + 1);
}

/**
 * The function a frame stands for: the frame without its line number, so
 * the frames of a recursive call, which differ only in the line executing,
 * compare equal. The line number trails the frame: `app.py:fib:12` (pyfold,
 * pyflame, austin) or `fib (app.py:12)` (py-spy).
 */
export function functionOf(frame: string): string {
  // Scanned by hand: a /:\d+\)?$/ regex tries every start position and cost
  // most of --collapse-recursion's time.
  let end = frame.length;
  const paren = frame.charCodeAt(end - 1) === 0x29; // ')'
  if (paren) end--;
  let i = end;
  while (i > 0 && isDigit(frame.charCodeAt(i - 1))) i--;
  if (i === end || i === 0 || frame.charCodeAt(i - 1) !== 0x3a) return frame; // no ':digits'
  return paren ? `${frame.slice(0, i - 1)})` : frame.slice(0, i - 1);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * Turns each run of adjacent frames of the same function (a function calling
 * itself directly) into one frame. The innermost frame of the run is kept,
 * since its line is where that function was executing when sampled:
 * `main;fib:3;fib:3;fib:2` becomes `main;fib:2`.
 */
export function collapseRecursion(frames: string[]): string[] {
  const out: string[] = [];
  let last: string | undefined;
  for (const frame of frames) {
    const fn = functionOf(frame);
    if (fn === last) out[out.length - 1] = frame;
    else out.push(frame);
    last = fn;
  }
  return out;
}
