// What kind of code a frame is, for the `python` palette: the program's own
// code, the standard library, installed packages, or anything that is not a
// Python frame (native code, thread and process roots, [idle]).
//
// Python frames come in two shapes:
//     /srv/app/handlers.py:Handler.get:42          pyfold, pyflame, austin, stackcollapse-perf.pl
//     get (/srv/app/handlers.py:42)                py-spy
// The file decides the kind:
//     /usr/lib/python3.12/json/decoder.py          standard library (also <frozen importlib._bootstrap>)
//     /venv/lib/python3.12/site-packages/flask/app.py   installed package (also dist-packages, .egg)
//     json/decoder.py, threading.py                standard library when the first part names a stdlib module
//     /srv/app/handlers.py, app/views.py           own code
//     django/core/handlers/base.py                 an installed package, in a profile pyfold -s shortened
//                                                  (see relativePathsAre)

import { STDLIB_MODULES } from './stdlib';

export type PythonKind = 'own' | 'stdlib' | 'package' | 'native';

const PATH_FUNC_LINE = /^(.*):([^:]*):(\d+)$/s;
const PATH_FUNC = /^(.*):([^:]*)$/s;
const PYSPY = /^(.*) \((.+?)(?::(\d+))?\)$/s;
const PY_FILE = /(\.py[cowi]?|\.pyx)$|^<[^>]*>$/i;

/** A Python frame's file, function and line (null: no line, as pyfold -f writes it). */
export interface PythonFrameParts {
  file: string;
  func: string;
  line: string | null;
}

/**
 * Splits a Python frame: FILE:FUNCTION:LINE, FILE:FUNCTION (pyfold -f),
 * FUNCTION (FILE:LINE) or FUNCTION (FILE) (py-spy). Null when the frame is
 * not a Python frame: the file must end in .py (.pyc, .pyw, .pyx...), be
 * CPython's <frozen ...>, <string> and the like, or the function <module>.
 */
export function pythonFrameParts(frame: string): PythonFrameParts | null {
  // A script run by name has no .py (/usr/local/bin/gunicorn): its module frame tells.
  let m = PATH_FUNC_LINE.exec(frame);
  if (m && (PY_FILE.test(m[1]!) || m[2] === '<module>')) return { file: m[1]!, func: m[2]!, line: m[3]! };
  m = PYSPY.exec(frame);
  if (m && PY_FILE.test(m[2]!)) return { file: m[2]!, func: m[1]!, line: m[3] ?? null };
  m = PATH_FUNC.exec(frame);
  if (m && (PY_FILE.test(m[1]!) || m[2] === '<module>')) return { file: m[1]!, func: m[2]!, line: null };
  return null;
}

/** The file of a Python frame, or null when the frame is not a Python frame. */
export function pythonFile(frame: string): string | null {
  return pythonFrameParts(frame)?.file ?? null;
}

const PACKAGE = /(^|\/)(site|dist)-packages\/|\.egg\//i;
const STDLIB_DIR = /(^|\/)lib(64)?\/(python|pypy)[\d.]*t?\/|(^|\/)python[\d.]*\/lib\//i;

/**
 * What a relative path that does not start with a standard library module
 * is: the program's own code ('own', as in a hand-written or py-spy profile
 * of code run from its folder), or an installed package whose path pyfold -s
 * cut after site-packages/ ('package'). See relativePathsAre.
 */
export type RelativeKind = 'own' | 'package';

export function pythonKind(frame: string, relative: RelativeKind = 'own'): PythonKind {
  const file = pythonFile(frame);
  if (file === null) return 'native';
  const path = file.replace(/\\/g, '/');
  if (PACKAGE.test(path)) return 'package';
  if (path.startsWith('<frozen ')) return 'stdlib';
  if (STDLIB_DIR.test(path)) return 'stdlib';
  if (!isAbsolute(path)) {
    const top = path.split('/')[0]!.replace(/\.py[cowi]?$/i, '');
    if (STDLIB_MODULES.has(top)) return 'stdlib';
    return relative;
  }
  return 'own';
}

function isAbsolute(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:\//.test(path) || path.startsWith('<');
}

/**
 * How to read relative paths in this profile. pyfold -s cuts the paths of
 * installed packages and the standard library and leaves the program's own
 * (absolute) paths alone. So a profile with absolute paths, none of them in
 * site-packages or lib/pythonX.Y, was shortened: its relative paths are
 * packages ('django/core/handlers/base.py'). Any other profile keeps the
 * plain reading: a relative path outside the standard library is own code.
 */
export function relativePathsAre(stacks: Iterable<string>, maxLines = 2000): RelativeKind {
  let absolute = false;
  let lines = 0;
  for (const stack of stacks) {
    if (lines++ >= maxLines) break;
    for (const frame of stack.split(';')) {
      const file = pythonFile(frame);
      if (file === null || !isAbsolute(file) || file.startsWith('<')) continue;
      if (PACKAGE.test(file) || STDLIB_DIR.test(file)) return 'own';
      absolute = true;
    }
  }
  return absolute ? 'package' : 'own';
}

/**
 * True when the input looks like Python stacks: at least a third of the
 * frames in the first lines are Python frames.
 */
export function looksLikePython(stacks: Iterable<string>, maxLines = 500): boolean {
  let frames = 0;
  let python = 0;
  let lines = 0;
  for (const stack of stacks) {
    if (lines++ >= maxLines) break;
    for (const frame of stack.split(';')) {
      frames++;
      if (pythonFile(frame) !== null) python++;
    }
  }
  return frames > 0 && python * 3 >= frames;
}
