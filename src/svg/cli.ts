// pyflamegraph: the command line around render(). Translates options, reads
// the input and side files, writes the SVG and the diagnostics.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Argv } from 'yargs';
import { BadLines, type Output, readLines, runTool, type ToolSpec, ToolError } from '../tool';
import { PALETTES } from './color';
import { StackReader } from './input';
import { FRAME_LABELS } from './labels';
import { formatPaletteMap, parseNameAttr, parsePaletteMap } from './nameattr';
import * as opt from './options';
import { render } from './render';
import { type Assets, errorDocument } from './svg';
import { charRefs } from './xml';

interface Args {
  _: (string | number)[];
  title: string;
  subtitle: string;
  width: string | number;
  height: string | number;
  minwidth: string;
  fonttype: string;
  fontsize: string | number;
  fontwidth: string | number;
  countname: string;
  nametype: string;
  colors?: string;
  bgcolors: string;
  hash: boolean;
  random: boolean;
  cp: boolean;
  reverse: boolean;
  inverted: boolean;
  flamechart: boolean;
  negate: boolean;
  notes: string;
  total?: string | number;
  factor: string | number;
  nameattr?: string;
  encoding?: string;
  'frame-labels': string;
  'diff-widths': string;
  'diff-tooltips': string;
}

const USAGE = `$0 [options] [FILE...] > graph.svg

Reads folded stacks ("frame;frame;frame count", from pyfold, pyfilter, stackcollapse-*.pl,
inferno, py-spy or austin) from the FILEs or stdin ("-") and writes an interactive SVG flame
graph: hover for details, click to zoom, Ctrl-F to search. Takes flamegraph.pl's options and
draws the same graph. Python frames are labelled function first ("BaseHandler._get_response
(base.py:181)"); the tooltip and search keep the whole frame. Lines with two counts ("stack before
after", from pydiff or difffolded.pl) make a differential graph: widths from "after" (or
--diff-widths before), red where it grew, blue where it shrank.`;

const D = opt.DEFAULTS;

function options(y: Argv): Argv<Args> {
  return y
    .strict(false)
    .strictOptions()
    .parserConfiguration({ 'parse-positional-numbers': false, 'duplicate-arguments-array': false })
    .option('title', { type: 'string', default: '', describe: 'heading (default "Flame Graph", "Icicle Graph" or "Flame Chart")' })
    .option('subtitle', { type: 'string', default: '', describe: 'second heading, under the title' })
    .option('width', { requiresArg: true, default: D.width, describe: 'image width in pixels' })
    .option('height', { requiresArg: true, default: D.frameHeight, describe: 'height of each frame row in pixels' })
    .option('minwidth', { type: 'string', default: '0.1', describe: 'leave out frames narrower than this: pixels, or N% of the total' })
    .option('fonttype', { type: 'string', default: D.fontType, describe: 'font family' })
    .option('fontsize', { requiresArg: true, default: D.fontSize, describe: 'font size in pixels' })
    .option('fontwidth', { requiresArg: true, default: D.fontWidth, describe: 'average character width, relative to the font size (label truncation)' })
    .option('countname', { type: 'string', default: D.countName, describe: 'what the counts are, in tooltips' })
    .option('nametype', { type: 'string', default: D.nameType, describe: 'what the frames are, in the details line' })
    .option('colors', { alias: 'color', type: 'string', describe: `palette: ${PALETTES.join(', ')} (default python for Python stacks, else hot)` })
    .option('bgcolors', { type: 'string', default: '', describe: 'background: yellow, blue, green, grey or #rrggbb (default by palette)' })
    .option('hash', { type: 'boolean', default: false, describe: 'shade by a hash of the name (similar names, similar shades)' })
    .option('random', { type: 'boolean', default: false, describe: 'random shades, different on every run (default: one shade per name, the same every run)' })
    .option('cp', { type: 'boolean', default: false, describe: 'consistent palette: reuse and extend ./palette.map' })
    .option('reverse', { type: 'boolean', default: false, describe: 'reverse every stack before merging (merge at the leaves)' })
    .option('inverted', { type: 'boolean', default: false, describe: 'icicle graph: root at the top' })
    .option('flamechart', { type: 'boolean', default: false, describe: 'flame chart: keep input order (time), do not merge stacks; a time axis for pyfold --timeline input' })
    .option('negate', { type: 'boolean', default: false, describe: 'differential: swap red and blue' })
    .option('notes', { type: 'string', default: '', describe: 'text for a NOTES comment in the SVG' })
    .option('total', { requiresArg: true, describe: 'count that spans the full width, if more than the sum of the counts' })
    .option('factor', { requiresArg: true, default: D.factor, describe: 'multiply the counts shown in tooltips' })
    .option('nameattr', { type: 'string', describe: 'file of extra attributes per function: NAME<TAB>attr=value... (title, href, id, class, target)' })
    .option('encoding', { type: 'string', describe: 'output encoding, declared in the XML header: UTF-8 (default), ISO-8859-1, US-ASCII' })
    .option('frame-labels', { type: 'string', requiresArg: true, default: D.frameLabels, describe: 'label text: python (Python frames as "function (file.py:line)", others whole) or full (the whole name, as flamegraph.pl)' })
    .option('diff-widths', { type: 'string', requiresArg: true, default: D.diffWidths, describe: 'differential input: widths from the after or the before counts (before: what shrank is wide and blue)' })
    .option('diff-tooltips', { type: 'string', requiresArg: true, default: D.diffTooltips, describe: "differential input: full (both sides' inclusive counts and shares) or short (flamegraph.pl's)" })
    .epilogue(examples()) as unknown as Argv<Args>;
}

// Shown as "command" over "  what it does", so long commands are not wrapped into columns.
const EXAMPLES: [string, string][] = [
  ['pyfold app.raw | $0 > app.svg', 'flame graph of a pysample recording'],
  ['$0 --title "Flame Graph: api" --subtitle "5 min, 100 Hz" app.folded > app.svg', 'headings'],
  ['$0 --inverted app.folded > icicle.svg', 'icicle graph, root at the top'],
  ['$0 --reverse --inverted app.folded > leaves.svg', 'merged at the leaves: who calls the hot functions'],
  ['$0 --flamechart app.folded > chart.svg', 'flame chart: stacks in input (time) order'],
  ['pydiff -f before.raw after.raw | $0 > diff.svg', 'differential graph: widths from after, red grew, blue shrank'],
  ['pydiff -f before.raw after.raw | $0 --diff-widths before > shrank.svg', 'widths from before: what shrank (or vanished) is wide and blue'],
  ['difffolded.pl before.folded after.folded | $0 --diff-tooltips short > diff.svg', "FlameGraph's script, flamegraph.pl's tooltips; --negate swaps the colours"],
  ['$0 --frame-labels full app.folded > app.svg', "labels as flamegraph.pl draws them (the whole frame, cut to fit)"],
  ['$0 --colors python --minwidth 1% app.folded > app.svg', 'Python palette, frames under 1% left out'],
  ['$0 --colors java --hash perf.folded > perf.svg', 'a flamegraph.pl palette, shades by name hash'],
  ['$0 --width 800 --height 20 --bgcolors "#f0f0f0" app.folded > small.svg', 'image width, row height, flat background'],
  ['$0 --fontsize 14 --fontwidth 0.6 --fonttype "DejaVu Sans" app.folded > big.svg', 'font (labels are cut to fit)'],
  ['$0 --countname bytes --nametype Allocation: --factor 1024 mem.folded > mem.svg', 'units: tooltips in bytes'],
  ['$0 --cp --random --notes "build 42" app.folded > app.svg', 'random shades kept in ./palette.map across runs'],
  ['$0 --total 60000 --nameattr attrs.tsv --encoding ISO-8859-1 app.folded > app.svg', 'fixed scale, per-function links, Latin-1 output'],
];

function examples(): string {
  const lines = EXAMPLES.map(([cmd, what]) => `  ${cmd.replace(/\$0/g, 'pyflamegraph')}\n      ${what}`);
  return `Examples:\n${lines.join('\n')}`;
}

/** The options object for render(), checked; UsageError when something is off. */
export function toOptions(a: Args): opt.SvgOptions {
  return {
    title: a.title,
    subtitle: a.subtitle,
    width: opt.checkInteger('width', a.width),
    frameHeight: opt.checkInteger('height', a.height),
    minWidth: opt.parseMinWidth(a.minwidth),
    fontType: opt.parseFontType(a.fonttype),
    fontSize: opt.checkPositive('fontsize', a.fontsize),
    fontWidth: opt.checkPositive('fontwidth', a.fontwidth),
    countName: a.countname,
    nameType: a.nametype,
    palette: a.colors === undefined ? null : opt.parsePalette(a.colors),
    bgColors: opt.parseBgColors(a.bgcolors),
    shade: a.hash ? 'hash' : a.random ? 'random' : 'name',
    reverse: a.reverse,
    inverted: a.inverted,
    flamechart: a.flamechart,
    negate: a.negate,
    notes: a.notes,
    total: a.total === undefined ? null : opt.checkPositive('total', a.total),
    factor: opt.checkPositive('factor', a.factor),
    encoding: opt.parseEncoding(a.encoding),
    frameLabels: opt.parseChoice('frame-labels', a['frame-labels'], FRAME_LABELS),
    diffWidths: opt.parseChoice('diff-widths', a['diff-widths'], ['after', 'before'] as const),
    diffTooltips: opt.parseChoice('diff-tooltips', a['diff-tooltips'], ['full', 'short'] as const),
  };
}

/** The interactive script and stylesheet, shipped in src/svg/assets/. */
export function loadAssets(dir = path.resolve(__dirname, '../../../src/svg/assets')): Assets {
  const load = (file: string): string => {
    try {
      return fs.readFileSync(path.join(dir, file), 'utf8');
    } catch {
      throw new ToolError(`cannot read ${path.join(dir, file)}: the interactive script is missing (reinstall pyflamegraph)`);
    }
  };
  return { js: load('flamegraph.js'), css: load('flamegraph.css') };
}

function readSideFile(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ToolError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? err} (check the path)`);
  }
}

/** Writes SVG text in the output encoding (Output takes one byte per char). */
function encoder(out: Output, maxChar: number): (s: string) => void {
  if (maxChar < 0x10ffff) return (s) => out.write(charRefs(s, maxChar));
  return (s) => out.write(/[^\x00-\x7f]/.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s);
}

const PALETTE_FILE = 'palette.map';

async function run(a: Args, out: Output): Promise<void> {
  const o = toOptions(a);
  const assets = loadAssets();
  const nameAttr = a.nameattr ? parseNameAttr(readSideFile(a.nameattr, '--nameattr file'), a.nameattr) : new Map();
  const paletteMap = a.cp
    ? parsePaletteMap(fs.existsSync(PALETTE_FILE) ? readSideFile(PALETTE_FILE, 'palette') : '')
    : null;
  const bad = new BadLines('pyflamegraph');
  const reader = new StackReader({ reverse: o.reverse, diffWidths: o.diffWidths }, (where, line, reason) => bad.add(where, line, reason));
  await readLines(a._.map(String), (line, where) => reader.add(line, where), { encoding: 'utf8', bad });
  bad.report();
  const read = reader.finish(o.flamechart);
  const emit = encoder(out, o.encoding.maxChar);
  if (read.total === 0) {
    emit(errorDocument(o));
    await out.end();
    const why = read.table.size ? 'all counts are 0' : 'no line of the form "frame;frame;... count"';
    throw new ToolError(`no valid input: ${why} (wrote an SVG that says so)`);
  }
  const report = render(read, o, assets, { nameAttr, paletteMap });
  for (const w of report.warnings) process.stderr.write(`pyflamegraph: warning: ${w}\n`);
  for (const chunk of report.chunks) {
    emit(chunk);
    await out.drain(); // a slow reader of a pipe holds us back instead of filling memory
  }
  if (paletteMap) {
    try {
      fs.writeFileSync(PALETTE_FILE, formatPaletteMap(paletteMap));
    } catch (err) {
      throw new ToolError(`cannot write ${PALETTE_FILE}: ${(err as NodeJS.ErrnoException).code ?? err} (check the directory)`);
    }
  }
}

export const spec: ToolSpec<Args> = { name: 'pyflamegraph', usage: USAGE, options, run };

export function main(): void {
  runTool(spec);
}
