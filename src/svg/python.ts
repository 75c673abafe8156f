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

import { STDLIB_MODULES } from './stdlib';

export type PythonKind = 'own' | 'stdlib' | 'package' | 'native';

const PATH_FUNC_LINE = /^(.*):[^:]*:\d+$/;
const PYSPY = /^.* \((.+):\d+\)$/;
const PY_FILE = /(\.py[cowi]?|\.pyx)$|^<[^>]*>$/i;

/** The file of a Python frame, or null when the frame is not a Python frame. */
export function pythonFile(frame: string): string | null {
  let m = PATH_FUNC_LINE.exec(frame);
  if (m && PY_FILE.test(m[1]!)) return m[1]!;
  m = PYSPY.exec(frame);
  if (m && PY_FILE.test(m[1]!)) return m[1]!;
  return null;
}

const PACKAGE = /(^|\/)(site|dist)-packages\/|\.egg\//i;
const STDLIB_DIR = /(^|\/)lib(64)?\/(python|pypy)[\d.]*\/|(^|\/)python[\d.]*\/lib\//i;

export function pythonKind(frame: string): PythonKind {
  const file = pythonFile(frame);
  if (file === null) return 'native';
  const path = file.replace(/\\/g, '/');
  if (PACKAGE.test(path)) return 'package';
  if (path.startsWith('<frozen ')) return 'stdlib';
  if (STDLIB_DIR.test(path)) return 'stdlib';
  if (!path.startsWith('/') && !/^[A-Za-z]:\//.test(path) && !path.startsWith('<')) {
    const top = path.split('/')[0]!.replace(/\.py[cowi]?$/i, '');
    if (STDLIB_MODULES.has(top)) return 'stdlib';
  }
  return 'own';
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
