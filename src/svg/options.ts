// The options of pyflamegraph: flamegraph.pl's tunables under the same names
// and defaults, checked once so that the renderer can trust them.

import { optionNumber, UsageError } from '../tool';
import { PALETTES, type Palette, type ShadeMode } from './color';
import type { DiffWidths } from './input';
import type { FrameLabels } from './labels';

export interface SvgOptions {
  /** Heading; '' picks "Flame Graph", "Icicle Graph" or "Flame Chart". */
  title: string;
  subtitle: string;
  /** Image width in pixels. */
  width: number;
  /** Height of one frame row in pixels (the frame is 1 px less). */
  frameHeight: number;
  /** Narrowest frame drawn: pixels, or a percentage of the total. */
  minWidth: { value: number; percent: boolean };
  fontType: string;
  fontSize: number;
  /** Average character width relative to fontSize, for label truncation. */
  fontWidth: number;
  countName: string;
  nameType: string;
  /** null: python when the input looks like Python stacks, else hot. */
  palette: Palette | null;
  /** Background: yellow, blue, green, grey or #rrggbb; '' picks by palette. */
  bgColors: string;
  shade: ShadeMode;
  reverse: boolean;
  inverted: boolean;
  flamechart: boolean;
  negate: boolean;
  notes: string;
  /** Overrides the sum of the counts when larger (--total). */
  total: number | null;
  /** Multiplies the counts shown in tooltips (--factor). */
  factor: number;
  /** Declared and used output encoding. */
  encoding: OutputEncoding;
  /** Label text: python (function first, for Python frames) or full (flamegraph.pl's). */
  frameLabels: FrameLabels;
  /** Differential input: which count gives the widths. */
  diffWidths: DiffWidths;
  /** Differential tooltips: full (both sides' inclusive counts and shares) or short (flamegraph.pl's). */
  diffTooltips: 'full' | 'short';
}

export interface OutputEncoding {
  /** What the XML declaration says; null: no encoding attribute (UTF-8). */
  declared: string | null;
  /** Highest code point written as itself; others become character references. */
  maxChar: number;
}

export const DEFAULTS: SvgOptions = {
  title: '',
  subtitle: '',
  width: 1200,
  frameHeight: 16,
  minWidth: { value: 0.1, percent: false },
  fontType: 'Verdana',
  fontSize: 12,
  fontWidth: 0.59,
  countName: 'samples',
  nameType: 'Function:',
  palette: null,
  bgColors: '',
  shade: 'name',
  reverse: false,
  inverted: false,
  flamechart: false,
  negate: false,
  notes: '',
  total: null,
  factor: 1,
  encoding: { declared: null, maxChar: 0x10ffff },
  frameLabels: 'python',
  diffWidths: 'after',
  diffTooltips: 'full',
};

/** One of a fixed set of words, for --frame-labels, --diff-widths and --diff-tooltips. */
export function parseChoice<T extends string>(name: string, v: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(v)) return v as T;
  throw new UsageError(`--${name} takes ${choices.join(' or ')}, not ${JSON.stringify(v)}`);
}

export function checkInteger(name: string, v: string | number): number {
  const n = optionNumber(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} needs a positive whole number, not "${v}"`);
  return n;
}

export function checkPositive(name: string, v: string | number): number {
  const n = optionNumber(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} needs a positive number, not "${v}"`);
  return n;
}

/** "0.1" (pixels) or "1%" (of the total), as flamegraph.pl's --minwidth. */
export function parseMinWidth(s: string): SvgOptions['minWidth'] {
  const m = /^([0-9.]+)(%?)$/.exec(s);
  const value = m ? Number(m[1]) : NaN;
  if (!m || !Number.isFinite(value)) {
    throw new UsageError(`--minwidth needs pixels (0.5) or a percentage (1%), not ${JSON.stringify(s)}`);
  }
  return { value, percent: m[2] === '%' };
}

export function parsePalette(s: string): Palette {
  if (!(PALETTES as readonly string[]).includes(s)) {
    throw new UsageError(`unknown palette ${JSON.stringify(s)}: choose one of ${PALETTES.join(', ')}`);
  }
  return s as Palette;
}

export function parseBgColors(s: string): string {
  if (s === '' || /^(yellow|blue|green|grey)$/.test(s) || /^#[0-9a-fA-F]{6}$/.test(s)) return s;
  throw new UsageError(`--bgcolors needs yellow, blue, green, grey or #rrggbb, not ${JSON.stringify(s)}`);
}

/** Font names as CSS takes them: letters, digits, spaces, quotes, commas, '-', '_', '.'. */
export function parseFontType(s: string): string {
  if (/^[\p{L}\p{N} ,'"._-]+$/u.test(s)) return s;
  throw new UsageError(`--fonttype takes a font name or list ("Verdana, sans-serif"), not ${JSON.stringify(s)}`);
}

export function parseEncoding(s: string | undefined): OutputEncoding {
  if (s === undefined) return DEFAULTS.encoding;
  const key = s.toLowerCase().replace(/[_\s]/g, '-');
  if (key === 'utf-8' || key === 'utf8') return { declared: s, maxChar: 0x10ffff };
  if (/^(iso-?8859-1|latin-?1|l1)$/.test(key)) return { declared: s, maxChar: 0xff };
  if (/^(us-)?ascii$/.test(key)) return { declared: s, maxChar: 0x7f };
  throw new UsageError(`--encoding ${JSON.stringify(s)} is not supported: use UTF-8, ISO-8859-1 or US-ASCII`);
}

/** The title flamegraph.pl picks when --title is not given. */
export function titleText(o: SvgOptions): string {
  if (o.title !== '') return o.title;
  if (o.flamechart) return 'Flame Chart';
  return o.inverted ? 'Icicle Graph' : 'Flame Graph';
}

/** Background gradient stops for --bgcolors (or the palette's default). */
export function background(o: SvgOptions, palette: Palette): [string, string] {
  let bg = o.bgColors;
  if (bg === '') {
    if (palette === 'mem') bg = 'green';
    else if (/^(io|wakeup|chain)$/.test(palette)) bg = 'blue';
    else if (/^(red|green|blue|aqua|yellow|purple|orange|python)$/.test(palette)) bg = 'grey';
    else bg = 'yellow';
  }
  switch (bg) {
    case 'yellow':
      return ['#eeeeee', '#eeeeb0'];
    case 'blue':
      return ['#eeeeee', '#e0e0ff'];
    case 'green':
      return ['#eef2ee', '#e0ffe0'];
    case 'grey':
      return ['#f8f8f8', '#e8e8e8'];
    default:
      return [bg, bg];
  }
}
