// Reading a target whose stacks change under the reader (no stop, as with
// --nonblocking): capture() and resolve() must never throw, never hang, and
// never decode garbage; torn reads end as per-thread errors or '?' frames.

import test from 'ava';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { openPython } from '../src/sample/python';
import { findInterpreters, isCoreVersion } from './helpers/interpreters';
import { ProcessMemory } from '../src/sample/memory';

const churn = path.join(__dirname, '../../test/fixtures/python/churn.py');
/** One interpreter per line-table / frame family keeps this file quick. */
const FAMILIES = ['2.7', '3.6', '3.10', '3.11', '3.12', '3.13'];
const pythons = findInterpreters().filter((p) => p.source === 'pyenv' && FAMILIES.includes(p.minor));

test('interpreters for the churn test', (t) => {
  if (process.env.CI === 'true') t.true(pythons.some(isCoreVersion), 'a pyenv CPython 3.8–3.13 is required under CI');
  t.log(pythons.map((p) => p.label).join(', '));
  t.pass();
});

for (const py of pythons) {
  test.serial(`changing stacks read without stopping ${py.label}`, async (t) => {
    const child = spawn(py.path, [churn], { stdio: ['ignore', 'pipe', 'inherit'] });
    t.teardown(() => child.kill('SIGKILL'));
    await new Promise((r) => child.stdout.once('data', r));
    const mem = new ProcessMemory(child.pid!);
    const p = openPython(child.pid!, mem);
    let captures = 0;
    let threads = 0;
    let clean = 0;
    let slowest = 0;
    const names = new Set<string>();
    const until = Date.now() + 600;
    while (Date.now() < until) {
      const t0 = process.hrtime.bigint();
      const stacks = p.capture().map((r) => p.resolve(r));
      slowest = Math.max(slowest, Number(process.hrtime.bigint() - t0) / 1e6);
      captures++;
      for (const s of stacks) {
        threads++;
        if (!s.error) clean++;
        for (const f of s.frames) {
          if (f.file === '?') continue;
          t.true(f.file.endsWith('.py') && f.name.length > 0 && f.line >= 0, `plausible frame ${JSON.stringify(f)}`);
          names.add(f.name.replace(/^.*\./, ''));
        }
      }
      await new Promise((r) => setImmediate(r));
    }
    t.log(`${captures} captures, ${threads} thread stacks, ${threads - clean} with errors, slowest ${slowest.toFixed(1)} ms`);
    t.true(captures >= 50);
    t.true(clean >= threads * 0.8, `${clean} of ${threads} stacks clean`);
    for (const n of ['rec', 'gen', 'worker', 'main']) t.true(names.has(n), `saw ${n}`);
  });
}
