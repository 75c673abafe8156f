// pyfilter's core: folded lines in, folded lines out, no I/O.
//
// Each stack goes through the steps below in this order (the order --help
// and pyfilter(1) document):
//   1. excludeIdle         drop stacks whose leaf is an idle marker
//   2. regexp / invert     keep stacks with a frame matching any pattern (or, inverted, none)
//      focus               keep stacks with a frame matching any pattern
//   3. root                re-root at the outermost matching frame; drop stacks without one
//   4. hide                remove matching frames; drop stacks left empty
//   5. prune               drop the frames below the outermost matching frame
//   6. collapseRecursion   one frame per run of direct recursion
// Steps 1–2 only select, so lines stream through unchanged and in input
// order. Steps 3–6 make different stacks equal; when any of them is on, the
// stacks are merged (counts summed) and written sorted at the end.

import { formatCount, isComment, parseFolded } from '../tool';
import { FrameMatcher } from './match';
import { collapseRecursion, hideFrames, isIdle, pruneBelow, reRoot } from './reshape';

/** What to keep and how to reshape it. Patterns are JavaScript regular expressions. */
export interface FilterOptions {
  excludeIdle: boolean;
  regexp: string[];
  invert: boolean;
  focus: string[];
  root: string[];
  hide: string[];
  prune: string[];
  collapseRecursion: boolean;
}

/** Everything off: every stack passes unchanged. */
export const DEFAULT_OPTIONS: FilterOptions = {
  excludeIdle: false,
  regexp: [],
  invert: false,
  focus: [],
  root: [],
  hide: [],
  prune: [],
  collapseRecursion: false,
};

/** Decides, stack by stack, what is written. Throws PatternError for a bad pattern. */
export class StackFilter {
  /** True when stacks are rewritten, so output must be merged and sorted. */
  readonly merges: boolean;
  private readonly regexp: FrameMatcher;
  private readonly focus: FrameMatcher;
  private readonly root: FrameMatcher;
  private readonly hide: FrameMatcher;
  private readonly prune: FrameMatcher;
  private readonly needsFrames: boolean;

  constructor(private readonly opts: FilterOptions) {
    this.regexp = new FrameMatcher(opts.regexp);
    this.focus = new FrameMatcher(opts.focus);
    this.root = new FrameMatcher(opts.root);
    this.hide = new FrameMatcher(opts.hide);
    this.prune = new FrameMatcher(opts.prune);
    this.merges = !this.root.isEmpty || !this.hide.isEmpty || !this.prune.isEmpty || opts.collapseRecursion;
    this.needsFrames = this.merges || !this.regexp.isEmpty || !this.focus.isEmpty;
  }

  /** The stack to write (the same string when only selecting), or null to drop it. */
  apply(stack: string): string | null {
    if (this.opts.excludeIdle && isIdle(stack)) return null;
    if (!this.needsFrames) return stack;
    let frames: string[] | null = stack.split(';');
    if (!this.regexp.isEmpty && this.regexp.any(frames) === this.opts.invert) return null;
    if (!this.focus.isEmpty && !this.focus.any(frames)) return null;
    if (!this.merges) return stack;
    if (!this.root.isEmpty) frames = reRoot(frames, this.root);
    if (frames === null) return null;
    if (!this.hide.isEmpty) frames = hideFrames(frames, this.hide);
    if (!this.prune.isEmpty) frames = pruneBelow(frames, this.prune);
    if (this.opts.collapseRecursion) frames = collapseRecursion(frames);
    return frames.length ? frames.join(';') : null;
  }
}

/** Why a line was not used, for BadLines. */
export const NOT_FOLDED = 'not a folded line "frame;frame count"';

/**
 * Folded lines in, text to write out. Comment lines (`# ...`, austin's and
 * pysample's metadata) and blank lines carry no stack and are skipped; any
 * other line without a count goes to onBad.
 */
export class LineFilter {
  private readonly filter: StackFilter;
  private readonly merged = new Map<string, number>();
  /** Lines that held a stack, whether kept or not. */
  stacks = 0;

  constructor(
    opts: FilterOptions,
    private readonly onBad: (line: string, reason: string) => void = () => {},
  ) {
    this.filter = new StackFilter(opts);
  }

  get merges(): boolean {
    return this.filter.merges;
  }

  /** Takes one line (no line break); returns what to write now, '' for nothing. */
  push(line: string): string {
    if (isComment(line) || line.trim() === '') return '';
    const folded = parseFolded(line);
    if (folded === null) {
      this.onBad(line, NOT_FOLDED);
      return '';
    }
    this.stacks++;
    const stack = this.filter.apply(folded.stack);
    if (stack === null) return '';
    if (!this.filter.merges) return `${line}\n`;
    this.merged.set(stack, (this.merged.get(stack) ?? 0) + folded.count);
    return '';
  }

  /** The merged stacks, sorted by byte order, once all input is in. Empty when not merging. */
  *finish(): Generator<string> {
    // Strings hold one char per byte, so code-unit order is byte order.
    const keys = [...this.merged.keys()].sort();
    for (const k of keys) yield `${k} ${formatCount(this.merged.get(k)!)}\n`;
  }
}
