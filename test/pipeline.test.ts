// The tools together, as the README runs them:
//   pyfold app.raw | pyfilter -x | pyflamegraph > app.svg
// The SVG must be well-formed XML (xmllint) and hold exactly the frames of the
// busy samples, with their counts, and no idle frame.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/filter');

interface Run {
  statuses: number[];
  svg: string;
  stderr: string;
}

/** Runs a bash pipeline of bin/ tools from the project root; collects every stage's status. */
function pipeline(commands: string): Run {
  for (const stage of ['fold', 'filter', 'svg']) {
    const cli = path.join(ROOT, `dist/src/${stage}/cli.js`);
    if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: build with npx tsc -p .`);
  }
  const r = spawnSync('bash', ['-c', `${commands}; echo "\${PIPESTATUS[*]}" >&2`], { cwd: ROOT, encoding: 'utf8' });
  const lines = r.stderr.trimEnd().split('\n');
  return { statuses: lines.pop()!.split(' ').map(Number), svg: r.stdout, stderr: lines.join('\n') };
}

/** Well-formedness by libxml2, the reference XML parser. */
function xmllint(t: { fail(msg: string): void; is(a: unknown, b: unknown, msg?: string): void }, svg: string): void {
  const r = spawnSync('xmllint', ['--noout', '-'], { input: svg, encoding: 'utf8' });
  if (r.error) {
    t.fail(`xmllint not runnable (${r.error.message}); install it: apt-get install libxml2-utils`);
    return;
  }
  t.is(r.stderr, '', 'xmllint reports nothing');
  t.is(r.status, 0, 'the SVG is well-formed XML');
}

const unescape = (s: string): string =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** Frame name → samples, from the SVG's tooltips `<title>NAME (N samples, P%)</title>`. */
function frames(svg: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of svg.matchAll(/<title>([^<]*) \(([\d,.]+) samples?, [\d.]+%\)<\/title>/g)) {
    const name = unescape(m[1]!);
    out.set(name, (out.get(name) ?? 0) + Number(m[2]!.replace(/,/g, '')));
  }
  return out;
}

const BUSY: [string, number][] = [
  ['all', 4],
  ['/srv/app/server.py:<module>:80', 3],
  ['/srv/app/server.py:serve:17', 3],
  ['/srv/app/handlers.py:Handler.get:42', 1],
  ['/srv/app/handlers.py:Handler.get:44', 2],
  ['/srv/app/handlers.py:render:61', 2],
  ['/srv/app/worker.py:loop:12', 1],
  ['/usr/lib/python3.12/threading.py:Thread.idle_loop:99', 1],
];

test('pyfold | pyfilter -x | pyflamegraph: a well-formed SVG of the busy samples only', (t) => {
  const raw = path.join(FIXTURES, 'idle.raw');
  const r = pipeline(`bin/pyfold ${raw} | bin/pyfilter -x | bin/pyflamegraph`);
  t.deepEqual(r.statuses, [0, 0, 0], r.stderr);
  t.notRegex(r.stderr, /pyfold|pyfilter/, 'no complaint from pyfold or pyfilter');
  xmllint(t, r.svg);
  t.deepEqual([...frames(r.svg)].sort(), [...BUSY].sort());
  t.false(r.svg.includes('[idle]'), 'no idle frame anywhere in the SVG');
  t.false(r.svg.includes('Condition.wait'), 'nor the frames only idle stacks had');
  t.false(r.svg.includes('accept:30'));
});

test('the same pipeline without -x keeps the idle stacks, so -x is what removed them', (t) => {
  const r = pipeline(`bin/pyfold ${path.join(FIXTURES, 'idle.raw')} | bin/pyfilter | bin/pyflamegraph`);
  t.deepEqual(r.statuses, [0, 0, 0], r.stderr);
  xmllint(t, r.svg);
  const f = frames(r.svg);
  t.is(f.get('all'), 7);
  t.is(f.get('[idle]'), 3);
  t.is(f.get('/usr/lib/python3.12/threading.py:Condition.wait:355'), 2);
});

test("stackcollapse-perf.pl's output | pyfilter -x | pyflamegraph: the process root stays, idle goes", (t) => {
  const r = pipeline(`cat ${path.join(FIXTURES, 'stackcollapse-perf.folded')} | bin/pyfilter -x | bin/pyflamegraph`);
  t.deepEqual(r.statuses, [0, 0, 0], r.stderr);
  xmllint(t, r.svg);
  t.deepEqual([...frames(r.svg)].sort(), [...BUSY, ['python3', 4] as [string, number]].sort());
  t.false(r.svg.includes('[idle]'));
});

test('py-spy output | pyfold | pyfilter --collapse-recursion | pyflamegraph: one frame for the recursion', (t) => {
  const r = pipeline(`bin/pyfold ${path.join(FIXTURES, 'py-spy.folded')} | bin/pyfilter -x --collapse-recursion | bin/pyflamegraph`);
  t.deepEqual(r.statuses, [0, 0, 0], r.stderr);
  xmllint(t, r.svg);
  const f = frames(r.svg);
  t.is(f.get('all'), 17);
  t.is(f.get('fib (calc.py:2)'), 5, 'fractional counts summed: 4.5 + 0.5');
  t.false(f.has('fib (calc.py:3)'), 'the recursive frames collapsed into the innermost');
  t.is(f.get('get (handlers.py:42)'), 12);
});
