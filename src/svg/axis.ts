// The time axis of a flame chart drawn from `pyfold --timeline`, whose first
// line says how counts map to time:
//
//   # timeline: seconds=30.01 lanes=3 span=3001 start=2026-11-25T18:54:43.123Z 0
//
// The chart is `lanes` lanes (threads) side by side, each `span` counts wide
// covering the same `seconds` from `start`. Under the root row: a line per
// lane with its start time, ticks every 1, 2 or 5 x 10^k seconds as room
// allows, and a caption with start, end and length.

import { fixed, perlNumber } from './format';
import { XPAD, type Layout } from './layout';
import { escapeText } from './xml';

export interface Timeline {
  seconds: number;
  lanes: number;
  span: number;
  /** ms since the epoch, or NaN when unknown. */
  start: number;
}

const TIMELINE_RE = /^# timeline: (.*?)(?:[ \t]+\d+)?[ \t]*$/;

/** The timeline comment's values, or null when the line is not one (or is malformed). */
export function parseTimeline(line: string): Timeline | null {
  const m = TIMELINE_RE.exec(line);
  if (!m) return null;
  const kv = new Map(m[1]!.split(/\s+/).map((p) => p.split('=', 2) as [string, string]));
  const seconds = Number(kv.get('seconds'));
  const lanes = Number(kv.get('lanes'));
  const span = Number(kv.get('span'));
  const start = kv.has('start') ? Date.parse(kv.get('start')!) : Number.NaN;
  if (!(seconds > 0) || !Number.isInteger(lanes) || lanes < 1 || !(span > 0)) return null;
  return { seconds, lanes, span, start };
}

/** The band's height for a font size: tick labels and a caption. */
export function axisHeight(fontSize: number): number {
  return Math.ceil(fontSize * 2 + 14);
}

const NICE = [1, 2, 5];

/** The smallest step of 1, 2 or 5 x 10^k seconds at least `minPx` wide. */
function tickStep(pxPerSecond: number, minPx: number): number {
  for (let k = -6; k < 12; k++) {
    for (const n of NICE) {
      const step = n * 10 ** k;
      if (step * pxPerSecond >= minPx) return step;
    }
  }
  return Infinity;
}

/** `18:54:43.123` (UTC), or `+1.5 s` from the start when the wall-clock start is unknown. */
function clock(t: Timeline, offset: number): string {
  if (Number.isNaN(t.start)) return `+${Number(offset.toPrecision(6))} s`;
  return new Date(t.start + offset * 1000).toISOString().slice(11, 23);
}

/** The axis as SVG elements, for a chart whose total width in counts is timeMax. */
export function axisSvg(t: Timeline, l: Layout, fontSize: number, timeMax: number): string {
  const y = l.height - l.ypad2 - l.axisHeight + 3;
  const x = (count: number): number => XPAD + count * l.widthPerTime;
  const laneWidth = x(t.span) - x(0);
  const perSecond = laneWidth / t.seconds;
  const small = perlNumber(fontSize - 2);
  const step = tickStep(perSecond, fontSize * 7);
  let out = '<g id="axis" font-size="' + small + '">\n';
  const lanes = Math.min(t.lanes, Math.floor(timeMax / t.span + 1e-9));
  for (let i = 0; i < lanes; i++) {
    const x0 = x(i * t.span);
    out += `<line x1="${fixed(x0, 1)}" y1="${y}" x2="${fixed(x0 + laneWidth, 1)}" y2="${y}" stroke="rgb(0,0,0)"/>\n`;
    out += tick(x0, y, 6) + label(x0 + 2, y + fontSize, clock(t, 0), 'start');
    for (let s = step; s < t.seconds - 1e-9; s += step) {
      const tx = x0 + s * perSecond;
      if (laneWidth - (tx - x0) < fontSize * 4) break;
      out += tick(tx, y, 3) + label(tx, y + fontSize, `+${Number(s.toPrecision(6))} s`, 'middle');
    }
  }
  const end = x(lanes * t.span);
  out += tick(end, y, 6);
  const from = Number.isNaN(t.start) ? '' : ` from ${new Date(t.start).toISOString().replace('T', ' ').slice(0, 23)} to ${clock(t, t.seconds)} UTC,`;
  const caption = `time \u2192${from} ${Number(t.seconds.toPrecision(6))} s per lane, ${lanes} lane${lanes === 1 ? '' : 's'} (threads) side by side`;
  out += label(XPAD, y + 2 * fontSize + 2, caption, 'start');
  return `${out}</g>\n`;
}

function tick(x: number, y: number, len: number): string {
  return `<line x1="${fixed(x, 1)}" y1="${y}" x2="${fixed(x, 1)}" y2="${y + len}" stroke="rgb(0,0,0)"/>\n`;
}

function label(x: number, y: number, text: string, anchor: 'start' | 'middle'): string {
  return `<text x="${fixed(x, 2)}" y="${perlNumber(y)}" text-anchor="${anchor}">${escapeText(text)}</text>\n`;
}
