// Regular expressions against frames.
//
// Frames arrive as latin1 strings, one char per input byte, so that output
// reproduces the input bytes exactly whatever their encoding. Users type
// patterns as Unicode text, though: `-e 'rec_é'` means the character é, which
// a UTF-8 profile stores as the two bytes C3 A9 (latin1 "Ã©"). So a frame
// that holds any byte above 0x7F is decoded as UTF-8 before matching (an
// invalid sequence becomes U+FFFD and matches nothing but `.` or \uFFFD),
// and patterns are compiled with the `u` flag so `.` is one character, not
// one byte or one UTF-16 half.

/** A pattern the user gave that JavaScript cannot compile. */
export class PatternError extends Error {}

const NON_ASCII = /[\x80-\xff]/;

/** The text a pattern sees for a frame read as latin1. */
export function frameText(frame: string): string {
  return NON_ASCII.test(frame) ? Buffer.from(frame, 'latin1').toString('utf8') : frame;
}

/**
 * Matches a frame against any of several patterns. Each pattern sees one
 * frame at a time, so `^` and `$` anchor at the frame's ends and `;` never
 * matches.
 */
export class FrameMatcher {
  private readonly res: RegExp[];

  /** Throws PatternError naming the first pattern that does not compile. */
  constructor(readonly sources: readonly string[]) {
    this.res = sources.map(compile);
  }

  get isEmpty(): boolean {
    return this.res.length === 0;
  }

  test(frame: string): boolean {
    const text = frameText(frame);
    for (const re of this.res) if (re.test(text)) return true;
    return false;
  }

  /** Index of the outermost (closest to the root) matching frame, or -1. */
  outermost(frames: readonly string[]): number {
    for (let i = 0; i < frames.length; i++) if (this.test(frames[i]!)) return i;
    return -1;
  }

  /** Whether any frame of the stack matches. */
  any(frames: readonly string[]): boolean {
    return this.outermost(frames) !== -1;
  }
}

function compile(source: string): RegExp {
  try {
    return new RegExp(source, 'u');
  } catch (err) {
    // V8 says "Invalid regular expression: /x(/u: Unterminated group"; keep the reason.
    const reason = (err as Error).message.replace(/^.*: /, '');
    throw new PatternError(`bad regular expression ${JSON.stringify(source)}: ${reason}`);
  }
}
