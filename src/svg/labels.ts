// What a frame's label says. flamegraph.pl labels a frame with its whole name,
// cut to fit; for a Python frame that shows the start of a long path
// ("/usr/lib/python3/dist-pack..") and never the function. The python labels
// put the function first and the file's base name after it:
//
//   /usr/lib/python3/dist-packages/django/core/handlers/base.py:BaseHandler._get_response:181
//       -> BaseHandler._get_response (base.py:181)
//   /srv/app/cache.py:lookup                  (pyfold -f)   -> lookup (cache.py)
//   get (/srv/app/handlers.py:42)             (py-spy)      -> get (handlers.py:42)
//
// The tooltip, the details line and search keep the whole name.

import { pythonFrameParts } from './python';

/** full: flamegraph.pl's label text (the whole name); python: Python frames as above, others whole. */
export type FrameLabels = 'python' | 'full';

export const FRAME_LABELS: readonly FrameLabels[] = ['python', 'full'];

/** The text a frame's label is cut from. */
export function labelSource(name: string, mode: FrameLabels): string {
  if (mode === 'full') return name;
  const p = pythonFrameParts(name);
  if (p === null || p.func === '') return name;
  const base = p.file.slice(p.file.lastIndexOf('/') + 1);
  return `${p.func} (${base}${p.line === null ? '' : `:${p.line}`})`;
}
