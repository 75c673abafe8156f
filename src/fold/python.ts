// Rewrites of Python frames for --functions and --short-paths. Three frame
// shapes carry a file, a function and a line:
//
//   /srv/app/handlers.py:Handler.get:42        pysample (and austin, pyflame)
//   get (/srv/app/handlers.py:42)              py-spy
//   get (/srv/app/handlers.py)                 py-spy --nolineno
//
// Anything else (native frames, [idle], thread roots) is left as it is.

export interface PythonOptions {
  /** Drop line numbers, so a function's lines merge into one frame. */
  functions: boolean;
  /** Shorten file paths; see shortPath. */
  shortPaths: boolean;
}

const LIB_DIR_RE = /^.*\/(?:site-packages|dist-packages)\//s;
const STDLIB_RE = /^.*\/lib(?:64)?\/python\d+\.\d+t?\//s;

/**
 * Shortens a file path: everything up to and including the last
 * `site-packages/` or `dist-packages/` goes; failing that, everything up to
 * and including the last `lib/pythonX.Y/` (or lib64/, or a free-threaded
 * `pythonX.Yt/`). Other paths stay as they are.
 *   /usr/lib/python3.12/site-packages/django/core/handlers/base.py -> django/core/handlers/base.py
 *   /usr/local/lib/python3.12/threading.py                          -> threading.py
 */
export function shortPath(path: string): string {
  const lib = LIB_DIR_RE.exec(path);
  if (lib) return path.slice(lib[0].length);
  const std = STDLIB_RE.exec(path);
  if (std) return path.slice(std[0].length);
  return path;
}

const COLON_FRAME_RE = /^(.+):([^:]*):(\d+)$/s;
const PYSPY_FRAME_RE = /^(.*) \(([^()]*?)(?::(\d+))?\)$/s;

/** Applies the options to one frame; returns the frame unchanged when it is not a Python frame. */
export function rewritePythonFrame(frame: string, opts: PythonOptions): string {
  const c = COLON_FRAME_RE.exec(frame);
  if (c) {
    const path = opts.shortPaths ? shortPath(c[1]!) : c[1]!;
    return opts.functions ? `${path}:${c[2]}` : `${path}:${c[2]}:${c[3]}`;
  }
  const p = PYSPY_FRAME_RE.exec(frame);
  if (p && p[2]!.length > 0) {
    const path = opts.shortPaths ? shortPath(p[2]!) : p[2]!;
    const line = p[3] !== undefined && !opts.functions ? `:${p[3]}` : '';
    return `${p[1]} (${path}${line})`;
  }
  return frame;
}

/** True when either option asks for a rewrite. */
export function rewrites(opts: PythonOptions): boolean {
  return opts.functions || opts.shortPaths;
}

/** A Python frame's file, function and line (undefined when it has none), for writers that keep them apart; null for other frames. */
export function pythonFrameParts(frame: string): { path: string; func: string; line: string | undefined } | null {
  const c = COLON_FRAME_RE.exec(frame);
  if (c) return { path: c[1]!, func: c[2]!, line: c[3]! };
  const p = PYSPY_FRAME_RE.exec(frame);
  if (p && p[2]!.length > 0) return { path: p[2]!, func: p[1]!, line: p[3] };
  return null;
}
