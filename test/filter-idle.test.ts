// `pyfilter -x` on the idle markers as the folders leave them: one pysample
// profile (fixtures/filter/idle.raw) folded by pyfold and by FlameGraph's
// stackcollapse-perf.pl, and pyflame's own idle line.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/filter');

function pyfilterLines(args: string[]): { code: number | null; out: string[]; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/pyfilter'), ...args], { encoding: 'latin1' });
  return { code: r.status, out: r.stdout.split('\n').filter(Boolean), stderr: r.stderr };
}

const BUSY = [
  '/srv/app/server.py:<module>:80;/srv/app/server.py:serve:17;/srv/app/handlers.py:Handler.get:42 1',
  '/srv/app/server.py:<module>:80;/srv/app/server.py:serve:17;/srv/app/handlers.py:Handler.get:44;/srv/app/handlers.py:render:61 2',
  // Running, although its function is called idle_loop: kept.
  '/srv/app/worker.py:loop:12;/usr/lib/python3.12/threading.py:Thread.idle_loop:99 1',
];

for (const [name, root] of [
  ['pyfold.folded', ''],
  ['stackcollapse-perf.folded', 'python3;'],
] as const) {
  test(`-x drops exactly the idle stacks of ${name}`, (t) => {
    const file = path.join(FIXTURES, name);
    const all = fs.readFileSync(file, 'latin1').split('\n').filter(Boolean);
    t.is(all.filter((l) => l.includes(';[idle] ')).length, 2, 'the fixture has idle stacks to drop');
    const r = pyfilterLines(['-x', file]);
    t.is(r.code, 0);
    t.is(r.stderr, '');
    t.deepEqual(r.out, BUSY.map((l) => root + l));
    // The idle ones are exactly what -x left out.
    const idle = all.filter((l) => !r.out.includes(l));
    t.deepEqual(idle.map((l) => l.slice(l.lastIndexOf(';') + 1)), ['[idle] 1', '[idle] 2']);
  });
}

test('-x drops pyflame\'s "(idle) N" line', (t) => {
  const r = pyfilterLines(['-x', path.join(FIXTURES, 'pyflame.txt')]);
  t.is(r.code, 0);
  t.deepEqual(r.out, [
    '/srv/app/server.py:<module>:80;/srv/app/server.py:serve:17;/srv/app/handlers.py:Handler.get:42 30',
    '/srv/app/worker.py:loop:12;/usr/lib/python3.12/threading.py:Thread.idle_loop:99 5',
  ]);
});

test('-x keeps the stacks of austin and py-spy, which carry no idle marker', (t) => {
  for (const name of ['austin.txt', 'py-spy.folded']) {
    const file = path.join(FIXTURES, name);
    const stacks = fs.readFileSync(file, 'latin1').split('\n').filter((l) => l && !l.startsWith('#'));
    t.deepEqual(pyfilterLines(['-x', file]).out, stacks, name);
  }
});

test('-x with a reshaping option: idle is judged on the leaf as read', (t) => {
  const r = pyfilterLines(['-x', '--prune', ':loop:', path.join(FIXTURES, 'stackcollapse-perf.folded')]);
  t.deepEqual(r.out, [
    'python3;/srv/app/server.py:<module>:80;/srv/app/server.py:serve:17;/srv/app/handlers.py:Handler.get:42 1',
    'python3;/srv/app/server.py:<module>:80;/srv/app/server.py:serve:17;/srv/app/handlers.py:Handler.get:44;/srv/app/handlers.py:render:61 2',
    'python3;/srv/app/worker.py:loop:12 1',
  ]);
});
