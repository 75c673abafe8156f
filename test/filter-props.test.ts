// Properties of pyfilter over generated profiles: selection partitions the
// input, reshaping conserves samples, and neither depends on input order or
// on where the input is split into chunks.

import test from 'ava';
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { DEFAULT_OPTIONS, type FilterOptions, LineFilter } from '../src/filter/filter';
import { FrameMatcher } from '../src/filter/match';
import { isIdle } from '../src/filter/reshape';
import { parseFolded } from '../src/tool';

const BIN = path.resolve(__dirname, '../../bin/pyfilter');
const asRead = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

// Few distinct frames, so stacks collide and merge; some look like counts, some
// are non-ASCII (as read: UTF-8 bytes in latin1 chars), some are idle markers.
const frame = fc.constantFrom(
  'main', 'a.py:f:1', 'a.py:f:2', 'b.py:g:7', 'wrap', 'frame 12', '[idle]', '(idle)', asRead('rec_é'), asRead('Ωmega'), 'x\xff',
);
const stack = fc.array(frame, { minLength: 1, maxLength: 6 }).map((fs) => fs.join(';'));
const count = fc.oneof(fc.nat(1000).map(String), fc.nat(10000).map((n) => String(n / 100)));
const line = fc.tuple(stack, count).map(([s, c]) => `${s} ${c}`);
const pattern = fc.constantFrom('^main$', 'f', 'é', '^a\\.py:f:\\d$', '.', 'zzz', '\\d', 'e 1', '^\\(idle\\)$', 'Ω');
const patterns = fc.array(pattern, { minLength: 1, maxLength: 2 });

/** Options that reshape, so output is merged. */
const reshaping: fc.Arbitrary<Partial<FilterOptions>> = fc
  .record(
    {
      root: patterns,
      hide: patterns,
      prune: patterns,
      collapseRecursion: fc.boolean(),
      excludeIdle: fc.boolean(),
    },
    { requiredKeys: [] },
  )
  .filter((o) => Boolean(o.root || o.hide || o.prune || o.collapseRecursion));

const withOpts = (o: Partial<FilterOptions>): FilterOptions => ({ ...DEFAULT_OPTIONS, ...o });

function filterAll(o: Partial<FilterOptions>, lines: string[]): string {
  const f = new LineFilter(withOpts(o));
  return lines.map((l) => f.push(l)).join('') + [...f.finish()].join('');
}

const total = (text: string): number =>
  text.split('\n').filter(Boolean).reduce((sum, l) => sum + parseFolded(l)!.count, 0);

test('-e RE and -v -e RE partition the input, each line going whole to one side, in order', (t) => {
  fc.assert(
    fc.property(fc.array(line), patterns, (lines, res) => {
      const keep = new LineFilter(withOpts({ regexp: res }));
      const drop = new LineFilter(withOpts({ regexp: res, invert: true }));
      for (const l of lines) {
        const outs = [keep.push(l), drop.push(l)];
        if (outs.filter((o) => o === `${l}\n`).length !== 1 || outs.includes('') === false) return false;
      }
      return true;
    }),
  );
  t.pass();
});

test('-x drops exactly the lines whose leaf is an idle marker', (t) => {
  fc.assert(
    fc.property(fc.array(line), (lines) => {
      const f = new LineFilter(withOpts({ excludeIdle: true }));
      return lines.every((l) => f.push(l) === (isIdle(parseFolded(l)!.stack) ? '' : `${l}\n`));
    }),
  );
  t.pass();
});

test('reshaped output is sorted, has each stack once, and does not depend on input order', (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(line, fc.nat())), reshaping, (keyed, o) => {
      const lines = keyed.map(([l]) => l);
      const shuffled = [...keyed].sort((a, b) => a[1] - b[1]).map(([l]) => l);
      const out = filterAll(o, lines);
      const stacks = out.split('\n').filter(Boolean).map((l) => parseFolded(l)!.stack);
      const sorted = [...stacks].sort();
      return out === filterAll(o, shuffled) && stacks.every((s, i) => s === sorted[i] && s !== stacks[i - 1]);
    }),
  );
  t.pass();
});

test('--prune and --collapse-recursion keep every sample; --hide only those with a frame left', (t) => {
  fc.assert(
    fc.property(fc.array(line), patterns, fc.boolean(), (lines, res, collapse) => {
      const all = total(lines.join('\n'));
      const near = (a: number, b: number): boolean => Math.abs(a - b) < 1e-6;
      const hide = new FrameMatcher(res);
      const kept = lines.filter((l) => parseFolded(l)!.stack.split(';').some((f) => !hide.test(f)));
      return (
        near(total(filterAll({ prune: res, collapseRecursion: collapse }, lines)), all) &&
        near(total(filterAll({ hide: res }, lines)), total(kept.join('\n')))
      );
    }),
  );
  t.pass();
});

test('reshaping twice is reshaping once', (t) => {
  fc.assert(
    fc.property(fc.array(line), reshaping, (lines, o) => {
      // Not again: --root would re-root at a deeper match, and -x judges the
      // leaf as read, which --prune may have made an idle marker.
      const { root: _root, excludeIdle: _x, ...again } = o;
      const once = filterAll(o, lines);
      return filterAll(again, once.split('\n').filter(Boolean)) === once;
    }),
  );
  t.pass();
});

/** Runs bin/pyfilter, writing the input in the given pieces, one at a time. */
function pyfilterChunked(args: string[], pieces: Buffer[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args]);
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      code === 0 ? resolve(Buffer.concat(out).toString('latin1')) : reject(new Error(`pyfilter ${args.join(' ')}: exit ${code} ${signal}: ${err}`)),
    );
    const next = (i: number): void => {
      if (i === pieces.length) {
        child.stdin.end();
        return;
      }
      child.stdin.write(pieces[i]);
      setTimeout(() => next(i + 1), 2);
    };
    next(0);
  });
}

test('the output does not depend on where the input is split into chunks', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(line, { minLength: 1, maxLength: 30 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      fc.constantFrom<string[]>(['-x', '-e', 'f'], ['-v', '-e', 'é'], ['--hide', 'wrap', '--collapse-recursion'], ['--prune', '\\d']),
      fc.boolean(),
      async (lines, cuts, args, crlf) => {
        const input = Buffer.from(lines.join(crlf ? '\r\n' : '\n'), 'latin1');
        const at = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
        const pieces = [0, ...at].map((start, i) => input.subarray(start, [...at, input.length][i]));
        const whole = await pyfilterChunked(args, [input]);
        const chunked = await pyfilterChunked(args, pieces);
        const core = filterAll(
          args[0] === '-x' ? { excludeIdle: true, regexp: ['f'] } : args[0] === '-v' ? { regexp: ['é'], invert: true }
            : args[0] === '--hide' ? { hide: ['wrap'], collapseRecursion: true } : { prune: ['\\d'] },
          lines,
        );
        if (whole !== chunked || whole !== core) {
          throw new Error(`pieces ${JSON.stringify(pieces.map((p) => p.toString('latin1')))}: whole ${JSON.stringify(whole)}, chunked ${JSON.stringify(chunked)}, core ${JSON.stringify(core)}`);
        }
      },
    ),
    { numRuns: 12 },
  );
  t.pass();
});
