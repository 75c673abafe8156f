// Geometry and labels, computed with the same floating-point operations in
// the same order as flamegraph.pl and printed the same way, so every
// coordinate matches its output to the character:
//   x, width, height: "%.1f"; width = rounded x2 - rounded x1
//   y: Perl's plain number printing
//   label x: unrounded x1 + 3, "%.2f"; label y: middle of the frame + 3

import { fixed, perlNumber } from './format';
import type { SvgOptions } from './options';

export const XPAD = 10; // left and right margin
const FRAMEPAD = 1; // vertical gap between frames

export interface Layout {
  width: number;
  height: number;
  /** Top margin (title), bottom margin (details line), extra top margin for a subtitle. */
  ypad1: number;
  ypad2: number;
  ypad3: number;
  /** Height of the time axis band above the bottom margin (flame charts of pyfold --timeline), else 0. */
  axisHeight: number;
  frameHeight: number;
  inverted: boolean;
  /** The count that spans the full width: the total, or --total if larger. */
  timeMax: number;
  widthPerTime: number;
  /** Label characters: a frame shows floor(width / charWidth) of them. */
  charWidth: number;
}

/** The width per count and the minimum frame width, known before merging. */
export function scale(o: SvgOptions, timeMax: number): { widthPerTime: number; minTime: number } {
  const widthPerTime = (o.width - 2 * XPAD) / timeMax;
  const minTime = o.minWidth.percent ? (timeMax * o.minWidth.value) / 100 : o.minWidth.value / widthPerTime;
  return { widthPerTime, minTime };
}

export function makeLayout(o: SvgOptions, timeMax: number, maxDepth: number, axisHeight = 0): Layout {
  const ypad1 = o.fontSize * 3;
  const ypad2 = o.fontSize * 2 + 10;
  const ypad3 = o.fontSize * 2;
  let height = (maxDepth + 1) * o.frameHeight + ypad1 + ypad2 + axisHeight;
  if (o.subtitle !== '') height += ypad3;
  return {
    width: o.width,
    height,
    ypad1,
    ypad2,
    ypad3,
    axisHeight,
    frameHeight: o.frameHeight,
    inverted: o.inverted,
    timeMax,
    widthPerTime: scale(o, timeMax).widthPerTime,
    charWidth: o.fontSize * o.fontWidth,
  };
}

/** A frame's rectangle and label position, as printed. */
export interface Box {
  x: string;
  y: string;
  width: string;
  height: string;
  textX: string;
  textY: string;
  /** Label characters that fit. */
  chars: number;
}

export function frameBox(l: Layout, depth: number, start: number, end: number): Box {
  const x1 = XPAD + start * l.widthPerTime;
  const x2 = XPAD + end * l.widthPerTime;
  let y1: number;
  let y2: number;
  if (l.inverted) {
    y1 = l.ypad1 + depth * l.frameHeight;
    y2 = l.ypad1 + (depth + 1) * l.frameHeight - FRAMEPAD;
  } else {
    y1 = l.height - l.ypad2 - l.axisHeight - (depth + 1) * l.frameHeight + FRAMEPAD;
    y2 = l.height - l.ypad2 - l.axisHeight - depth * l.frameHeight;
  }
  const x = fixed(x1, 1);
  const xEnd = fixed(x2, 1);
  return {
    x,
    y: perlNumber(y1),
    width: fixed(Number(xEnd) - Number(x), 1),
    height: fixed(y2 - y1, 1),
    textX: fixed(x1 + 3, 2),
    textY: perlNumber(3 + (y1 + y2) / 2),
    chars: Math.trunc((x2 - x1) / l.charWidth),
  };
}

/**
 * The label of a frame `chars` characters wide: the name if it fits, else
 * its start with the last two characters replaced by "..", nothing under 3
 * characters. Counts code points, so a character is never cut in half.
 */
export function label(name: string, chars: number): string {
  if (chars < 3) return '';
  if (name.length <= chars) return name; // UTF-16 length >= code points
  if (!/[\ud800-\udfff]/.test(name)) return `${name.slice(0, chars - 2)}..`;
  const points = Array.from(name);
  if (points.length <= chars) return name;
  return `${points.slice(0, chars - 2).join('')}..`;
}
