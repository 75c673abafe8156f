// The two side files flamegraph.pl reads: --nameattr (extra attributes per
// function) and --cp's palette.map (a colour per function, kept across runs).
//
// nameattr lines, tab-separated:
//     main<TAB>title=the entry point<TAB>href=https://example.com/main<TAB>class=entry
// palette.map lines:
//     main->rgb(220,100,40)
//
// Both files may come from anywhere, so every value is checked or escaped:
// attributes are re-quoted, event handlers and script URLs are dropped, and
// palette entries that are not colours are ignored.

import { ToolError } from '../tool';
import { compareCodePoints } from './order';

/** Attributes flamegraph.pl uses: title, id, class, href, target, g_extra, a_extra. */
export type NameAttrs = Readonly<Record<string, string>>;

export function parseNameAttr(text: string, file: string): Map<string, NameAttrs> {
  const map = new Map<string, NameAttrs>();
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line === '' && i === lines.length - 1) return;
    const tab = line.indexOf('\t');
    if (tab < 0) {
      throw new ToolError(`${file}:${i + 1}: expected "NAME<TAB>attr=value..." (fix the --nameattr file)`);
    }
    const attrs: Record<string, string> = {};
    for (const pair of line.slice(tab + 1).split('\t')) {
      const eq = pair.indexOf('=');
      if (eq > 0) attrs[pair.slice(0, eq)] = pair.slice(eq + 1);
      else if (pair !== '') attrs[pair] = '';
    }
    map.set(line.slice(0, tab), attrs);
  });
  return map;
}

const ATTR_NAME = /^([A-Za-z_][A-Za-z0-9_.-]*|xlink:href|xlink:title|xml:lang|xml:space)$/;
const EXTRA_ATTR = /\s*([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/y;

/**
 * The name="value" pairs of a raw attribute string (g_extra, a_extra),
 * without the ones that could run code or break the document.
 */
export function extraAttrs(s: string): [string, string][] {
  const out: [string, string][] = [];
  EXTRA_ATTR.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = EXTRA_ATTR.exec(s)) !== null) {
    const value = m[2] ?? m[3] ?? m[4] ?? '';
    if (safeAttr(m[1]!, value)) out.push([m[1]!, value]);
  }
  return out;
}

/** False for event handlers, unknown namespaces and javascript:/data: links. */
export function safeAttr(name: string, value: string): boolean {
  if (!ATTR_NAME.test(name) || /^on/i.test(name)) return false;
  if (/href$/i.test(name) || name === 'src') return !unsafeUrl(value);
  return true;
}

export function unsafeUrl(url: string): boolean {
  // Browsers ignore controls and blanks inside a scheme, so compare without them.
  const scheme = url.replace(/[\x00-\x20]/g, '').toLowerCase();
  return /^(javascript|vbscript|data):/.test(scheme);
}

const COLOUR = /^(rgb\(\d{1,3},\d{1,3},\d{1,3}\)|#[0-9a-fA-F]{6})$/;

export function parsePaletteMap(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const arrow = line.indexOf('->');
    if (arrow < 0) continue;
    const colour = line.slice(arrow + 2).split('->')[0]!;
    if (COLOUR.test(colour)) map.set(line.slice(0, arrow), colour);
  }
  return map;
}

export function formatPaletteMap(map: ReadonlyMap<string, string>): string {
  return [...map.keys()]
    .sort(compareCodePoints)
    .map((k) => `${k}->${map.get(k)}\n`)
    .join('');
}
