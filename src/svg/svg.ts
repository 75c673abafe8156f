// The SVG document around the frames, in flamegraph.pl's shape (the
// interactive script relies on it; keep it stable):
//
//   <?xml ...?> <!DOCTYPE svg ...>
//   <svg version="1.1" width=W height=H onload="init(evt)" viewBox="0 0 W H" xmlns=... xmlns:xlink=...>
//   <!-- NOTES: ... -->
//   <defs> background gradient </defs>
//   <style type="text/css"> assets/flamegraph.css, then the font rules from the options </style>
//   <script type="text/ecmascript"> the configuration: var nametype, fontsize, fontwidth, xpad,
//           inverted, searchcolor, fluiddrawing, truncate_text_right </script>
//   <script type="text/ecmascript"> assets/flamegraph.js </script>
//   <rect> background, <text id="title">, <text id="subtitle"> (if any), <text id="details">,
//   <text id="unzoom" class="hide">Reset Zoom</text>, <text id="search">Search</text>,
//   <text id="ignorecase">ic</text>, <text id="matched">
//   <g id="frames"> one <g> per frame (frame.ts): root first, then by depth and x </g>
//   </svg>
//
// Differences from flamegraph.pl's output, none visible: style and scripts
// are CDATA sections; the configuration is a script of its own; frames are
// ordered by depth and x instead of Perl's hash order; empty attribute
// padding (`<g >`, `<text  x=`) is left out.

import { fixed, perlNumber } from './format';
import { XPAD, type Layout } from './layout';
import { background, titleText, type SvgOptions } from './options';
import type { Palette } from './color';
import { cdata, commentText, escapeAttr, escapeText, jsString } from './xml';

/** The interactive script and its stylesheet (src/svg/assets/). */
export interface Assets {
  css: string;
  js: string;
}

const SEARCH_COLOR = 'rgb(230,0,230)';

function prolog(o: SvgOptions, width: number, height: number, onload: boolean): string {
  const enc = o.encoding.declared === null ? '' : ` encoding="${escapeAttr(o.encoding.declared)}"`;
  const w = perlNumber(width);
  const h = perlNumber(height);
  return (
    `<?xml version="1.0"${enc} standalone="no"?>\n` +
    '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n' +
    `<svg version="1.1" width="${w}" height="${h}"${onload ? ' onload="init(evt)"' : ''} viewBox="0 0 ${w} ${h}" ` +
    'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">\n' +
    (onload ? '<!-- Flame graph made by pyflamegraph: hover for details, click to zoom, Ctrl-F to search. -->\n' : '') +
    `<!-- NOTES: ${commentText(o.notes)} -->\n`
  );
}

/** Everything before the frames; `extra` (SVG elements, such as a time axis) goes just before them. */
export function head(o: SvgOptions, l: Layout, palette: Palette, assets: Assets, extra = ''): string {
  const [bg1, bg2] = background(o, palette);
  const fontSize = perlNumber(o.fontSize);
  const css =
    `${assets.css}\n` +
    `text { font-family:${o.fontType}; font-size:${fontSize}px; fill:rgb(0,0,0); }\n` +
    `#title { font-size:${perlNumber(o.fontSize + 5)}px; }\n`;
  const config =
    `\nvar nametype = ${jsString(o.nameType)};\n` +
    `var fontsize = ${o.fontSize};\n` +
    `var fontwidth = ${o.fontWidth};\n` +
    `var xpad = ${XPAD};\n` +
    `var inverted = ${o.inverted};\n` +
    `var searchcolor = ${jsString(SEARCH_COLOR)};\n` +
    'var fluiddrawing = false;\n' +
    'var truncate_text_right = true;\n';
  const max = o.encoding.maxChar;
  const bottom = l.height - l.ypad2 / 2;
  const mid = Math.trunc(l.width / 2);
  return (
    prolog(o, l.width, l.height, true) +
    '<defs>\n' +
    '\t<linearGradient id="background" y1="0" y2="1" x1="0" x2="0">\n' +
    `\t\t<stop stop-color="${bg1}" offset="5%"/>\n` +
    `\t\t<stop stop-color="${bg2}" offset="95%"/>\n` +
    '\t</linearGradient>\n' +
    '</defs>\n' +
    `<style type="text/css">${cdata(css, max)}</style>\n` +
    `<script type="text/ecmascript">${cdata(config, max)}</script>\n` +
    `<script type="text/ecmascript">${cdata(assets.js, max)}</script>\n` +
    `<rect x="0.0" y="0" width="${fixed(l.width, 1)}" height="${fixed(l.height, 1)}" fill="url(#background)"/>\n` +
    text('title', mid, o.fontSize * 2, escapeText(titleText(o))) +
    (o.subtitle !== '' ? text('subtitle', mid, o.fontSize * 4, escapeText(o.subtitle)) : '') +
    text('details', XPAD, bottom, ' ') +
    text('unzoom', XPAD, o.fontSize * 2, 'Reset Zoom', ' class="hide"') +
    text('search', l.width - XPAD - 100, o.fontSize * 2, 'Search') +
    text('ignorecase', l.width - XPAD - 16, o.fontSize * 2, 'ic') +
    text('matched', l.width - XPAD - 100, bottom, ' ') +
    extra +
    '<g id="frames">\n'
  );
}

export const TAIL = '</g>\n</svg>\n';

function text(id: string, x: number, y: number, content: string, extra = ''): string {
  return `<text id="${id}" x="${fixed(x, 2)}" y="${perlNumber(y)}"${extra}>${content}</text>\n`;
}

export const NO_INPUT = 'ERROR: No valid input provided to pyflamegraph.';

/** The whole document when there is nothing to draw, as flamegraph.pl writes it. */
export function errorDocument(o: SvgOptions): string {
  const height = o.fontSize * 5;
  return (
    prolog(o, o.width, height, false) +
    `<text x="${fixed(Math.trunc(o.width / 2), 2)}" y="${perlNumber(o.fontSize * 2)}" text-anchor="middle" ` +
    `font-family="${escapeAttr(o.fontType)}" font-size="${perlNumber(o.fontSize)}">${NO_INPUT}</text>\n` +
    '</svg>\n'
  );
}
