// pydiff: two recordings in, a differential profile out: difffolded.pl's
// `stack before after` lines for pyflamegraph or flamegraph.pl, or with
// --top a report of the frames whose share changed most. Both sides are read
// and checked whole before anything is written, so a refused input never
// leaves half an output behind.

import * as fs from 'node:fs';
import type { Argv } from 'yargs';
import { inputName, optionNumber, runTool, ToolError, UsageError, type Output, type ToolSpec } from '../tool';
import { diffStacks, formatDiffLine, stripHex } from './diff';
import { checkSameKind, readProfile, type Profile } from './profile';
import { formatJson, formatText, formatTsv, topChanges } from './top';

interface Args {
  _: (string | number)[];
  functions: boolean;
  'short-paths': boolean;
  normalize: boolean;
  'strip-hex': boolean;
  top?: string | number;
  format?: string;
}

const FORMATS = ['text', 'tsv', 'json'] as const;
const DEFAULT_TOP = 20;

export const spec: ToolSpec<Args> = {
  name: 'pydiff',
  usage:
    'Usage: pydiff [options] BEFORE AFTER\n\n' +
    'Compares two recordings (raw pysample or perf script stacks, or folded lines) and writes\n' +
    'difffolded.pl\'s differential lines "stack before after" for pyflamegraph or flamegraph.pl\n' +
    '(red: grew, blue: shrank), or with --top the frames whose share of all samples changed most.',
  options: (y: Argv) =>
    y
      .strict(false)
      .strictOptions()
      .parserConfiguration({ 'parse-positional-numbers': false, 'duplicate-arguments-array': false })
      .option('functions', { alias: 'f', type: 'boolean', default: false, describe: 'Python frames: drop line numbers, so a function compares with itself after an edit moved its lines' })
      .option('short-paths', { alias: 's', type: 'boolean', default: false, describe: 'Python frames: cut paths after site-packages/, dist-packages/ or lib/pythonX.Y/ (as pyfold -s)' })
      .option('normalize', { alias: 'n', type: 'boolean', default: false, describe: 'scale the before counts to the after total (difffolded.pl -n)' })
      .option('strip-hex', { type: 'boolean', default: false, describe: 'replace hex numbers (addresses) with 0x... (difffolded.pl -s)' })
      .option('top', { requiresArg: true, describe: `report the N frames whose inclusive share changed most, instead of the differential lines (default N ${DEFAULT_TOP} with --format)` })
      .option('format', { type: 'string', requiresArg: true, describe: 'report format: text (default), tsv or json; implies --top' })
      .epilogue(examples()) as unknown as Argv<Args>,
  run,
};

// Shown as "command" over "  what it does", so long commands are not wrapped into columns.
const EXAMPLES: [string, string][] = [
  ['pydiff -f before.raw after.raw | pyflamegraph > diff.svg', 'differential flame graph: widths from after, red grew, blue shrank'],
  ['pydiff -f before.raw after.raw | pyflamegraph --diff-widths before > shrank.svg', 'widths from before: what shrank is wide and blue'],
  ['pydiff -f --top 10 before.raw after.raw', 'did my change help? the 10 largest changes of share'],
  ['pydiff -f --format tsv before.folded after.folded', 'the same report, tab-separated (json: --format json)'],
  ['pydiff -n --strip-hex a.folded b.folded | flamegraph.pl > diff.svg', 'difffolded.pl -n -s'],
];

function examples(): string {
  return `Examples:\n${EXAMPLES.map(([cmd, what]) => `  ${cmd}\n      ${what}`).join('\n')}`;
}

/** Reads a whole input as latin1 text (one char per byte, as pyfold reads it). */
function readWhole(name: string): string {
  try {
    return fs.readFileSync(name === '-' ? 0 : name).toString('latin1');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a directory' : e.code ?? e.message;
    throw new ToolError(`cannot read ${inputName(name)}: ${why} (check the path)`);
  }
}

function checkTop(v: string | number | undefined, format: string | undefined): number | null {
  if (v === undefined) return format === undefined ? null : DEFAULT_TOP;
  const n = optionNumber(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--top needs a positive whole number, not "${v}"`);
  return n;
}

async function run(args: Args, out: Output): Promise<void> {
  const files = args._.map(String);
  if (files.length !== 2) {
    throw new UsageError(files.length < 2 ? 'give two recordings: BEFORE AFTER' : `give two recordings, not ${files.length}: BEFORE AFTER`);
  }
  if (files[0] === '-' && files[1] === '-') throw new UsageError('only one of BEFORE and AFTER can be stdin (-)');
  if (args.format !== undefined && !(FORMATS as readonly string[]).includes(args.format)) {
    throw new UsageError(`--format takes ${FORMATS.join(', ')}, not ${JSON.stringify(args.format)}`);
  }
  const top = checkTop(args.top, args.format);
  const fold = { functions: args.functions, shortPaths: args['short-paths'] };
  const sides: Profile[] = files.map((f) => readProfile(inputName(f), readWhole(f), fold));
  const [before, after] = sides as [Profile, Profile];
  checkSameKind(before, after);
  for (const p of sides) {
    if (p.badLines > 0) process.stderr.write(`pydiff: ignored ${p.badLines} bad line${p.badLines === 1 ? '' : 's'} in ${p.name} (fold it with pyfold to see the first)\n`);
  }
  if (top !== null) {
    const strip = (p: Profile): Profile => (args['strip-hex'] ? { ...p, stacks: stripHex(p.stacks) } : p);
    const report = topChanges(strip(before), strip(after), top);
    const format = args.format ?? 'text';
    out.write(format === 'json' ? formatJson(report) : format === 'tsv' ? formatTsv(report) : formatText(report));
    return;
  }
  const lines = diffStacks(before.stacks, after.stacks, { normalize: args.normalize, stripHex: args['strip-hex'] });
  for (let i = 0; i < lines.length; i++) {
    out.write(formatDiffLine(lines[i]!));
    if (i % 1024 === 1023) await out.drain();
  }
}

export function main(): void {
  runTool(spec);
}
