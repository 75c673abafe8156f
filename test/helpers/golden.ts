// Golden files: compare output with a committed expected file, byte for byte.
//
//   checkGolden(t, 'fold/pysample--pid.folded', actual)
//     expected: test/fixtures/expected/fold/pysample--pid.folded
//     actual:   saved to test/results/fold/pysample--pid.folded (path printed)
//
// A mismatch fails with a line-numbered diff of the first differing lines.
// PYFLAME_BLESS=1 rewrites the expected file from the actual output instead
// (review the change with git diff). A missing expected file always fails
// and says how to create it; it is never created silently.

import type { ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runTool } from './run';

/** The project's root: the nearest folder above this file with a package.json. */
export function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = up;
  }
  return dir;
}

export interface GoldenOptions {
  /** Expected file; default test/fixtures/expected/NAME. */
  expected?: string;
  /** Whether PYFLAME_BLESS may rewrite it (false for files made by another program). Default true. */
  blessable?: boolean;
}

/** Compares actual with the expected file; see the header comment. */
export function checkGolden(t: ExecutionContext, name: string, actual: string | Buffer, opts: GoldenOptions = {}): void {
  const root = projectRoot();
  const expectedPath = opts.expected ?? path.join(root, 'test', 'fixtures', 'expected', name);
  const bytes = typeof actual === 'string' ? Buffer.from(actual, 'latin1') : actual;
  const resultPath = path.join(root, 'test', 'results', name);
  fs.mkdirSync(path.dirname(resultPath), { recursive: true });
  fs.writeFileSync(resultPath, bytes);
  t.log(`actual output: ${path.relative(process.cwd(), resultPath)}`);
  const blessable = opts.blessable ?? true;
  if (process.env.PYFLAME_BLESS === '1' && blessable) {
    fs.mkdirSync(path.dirname(expectedPath), { recursive: true });
    fs.writeFileSync(expectedPath, bytes);
    t.log(`blessed ${path.relative(process.cwd(), expectedPath)}`);
    t.pass();
    return;
  }
  if (!fs.existsSync(expectedPath)) {
    t.fail(`missing expected file ${expectedPath}` + (blessable ? ' (create it with PYFLAME_BLESS=1, then review it)' : ''));
    return;
  }
  const expected = fs.readFileSync(expectedPath);
  if (expected.equals(bytes)) {
    t.pass();
    return;
  }
  t.fail(`${path.relative(process.cwd(), expectedPath)} differs from the actual output:\n${lineDiff(expected, bytes, expectedPath, resultPath)}`);
}

/**
 * The differing lines, numbered, up to `max` of them: lines are compared by
 * position, which is what sorted folded output needs (an inserted stack shows
 * as the lines after it moving down).
 */
export function lineDiff(expected: Buffer, actual: Buffer, expectedName = 'expected', actualName = 'actual', max = 12): string {
  const e = expected.toString('latin1').split('\n');
  const a = actual.toString('latin1').split('\n');
  const out: string[] = [];
  let shown = 0;
  let differing = 0;
  const n = Math.max(e.length, a.length);
  for (let i = 0; i < n; i++) {
    if (e[i] === a[i]) continue;
    differing++;
    if (shown++ >= max) continue;
    out.push(`  ${expectedName}:${i + 1}: ${e[i] === undefined ? '(end of file)' : JSON.stringify(e[i])}`);
    out.push(`  ${actualName}:${i + 1}: ${a[i] === undefined ? '(end of file)' : JSON.stringify(a[i])}`);
  }
  out.push(`  ${differing} of ${n} lines differ (expected ${e.length}, actual ${a.length} lines)`);
  return out.join('\n');
}

// ---------------------------------------------------------------------------
// Running the tools as a user would, for tests that compare their output.


export interface Run {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs bin/TOOL with args, stdin fed from a Buffer or string (latin1). */
export async function runBin(tool: string, args: string[], stdin?: Buffer | string): Promise<Run> {
  const r = await runTool(tool, args, { stdin: typeof stdin === 'string' ? Buffer.from(stdin, 'latin1') : stdin });
  return { status: r.code, stdout: r.stdout, stderr: r.stderr };
}

export const runPyfold = (args: string[], stdin?: Buffer | string): Promise<Run> => runBin('pyfold', args, stdin);
