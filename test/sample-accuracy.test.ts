// Accuracy on every interpreter found: test/targets/shares.py spends 60%, 30%
// and 10% of its time in three functions and measures what it really spent
// (on a busy machine that drifts from the nominal shares by a point or two);
// pysample's samples must give each measured share within ±3 points.

import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeInterpreters, findInterpreters, isCoreVersion } from './helpers/interpreters';
import { parseRaw } from './helpers/raw';
import { Limit, pysample, TARGETS } from './helpers/sampling';

const CI = process.env.CI === 'true';
const pythons = findInterpreters();
const limit = new Limit(2);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pysample-accuracy-'));
test.after.always(() => fs.rmSync(work, { recursive: true, force: true }));

test('accuracy: a 3.8–3.13 CPython is present', (t) => {
  t.log(describeInterpreters(pythons));
  if (!pythons.some(isCoreVersion) && CI) t.fail('no CPython 3.8–3.13 found');
  t.pass();
});

const NAMES = ['sixty', 'thirty', 'ten'] as const;
const NOMINAL = { sixty: 60, thirty: 30, ten: 10 };

// At least this many samples in the three functions: the standard error of a
// 60% share is then under 1 point, so ±3 points is a 3-sigma bound.
const ENOUGH = 2500;

for (const py of pythons) {
  test(`shares 60/30/10 within ±3 points: ${py.label}`, async (t) => {
    await limit.run(async () => {
      const counts = { sixty: 0, thirty: 0, ten: 0 };
      const spent = { sixty: 0, thirty: 0, ten: 0 };
      // A busy machine may not give pysample every sample it asks for: run
      // again and pool until there are enough.
      for (let run = 0; run < 4 && counts.sixty + counts.thirty + counts.ten < ENOUGH; run++) {
        const report = path.join(work, `${py.version}-${py.source}-${run}.txt`);
        const out = path.join(work, `${py.version}-${py.source}-${run}.raw`);
        const r = await pysample(['-r', '0.002', '-o', out, '-t', py.path, path.join(TARGETS, 'shares.py'), '6', report]);
        t.is(r.code, 0, r.stderr);
        t.log(r.stderr.trim());
        for (const rec of parseRaw(fs.readFileSync(out, 'utf8')).records) {
          // The function the thread is in: the innermost of the three on its stack.
          const f = rec.frames.find((fr) => (NAMES as readonly string[]).includes(fr.name));
          if (f) counts[f.name as keyof typeof counts]++;
        }
        for (const line of fs.readFileSync(report, 'utf8').trim().split('\n')) {
          const [name, secs] = line.split(' ');
          spent[name as keyof typeof spent] += Number(secs);
        }
      }
      const total = counts.sixty + counts.thirty + counts.ten;
      t.true(total >= ENOUGH, `${total} samples in the three functions`);
      const spentTotal = spent.sixty + spent.thirty + spent.ten;
      for (const n of NAMES) {
        const sampled = (100 * counts[n]) / total;
        const measured = (100 * spent[n]) / spentTotal;
        t.log(`${n}: sampled ${sampled.toFixed(1)}%, measured by the program ${measured.toFixed(1)}%, nominal ${NOMINAL[n]}%`);
        t.true(Math.abs(sampled - measured) <= 3, `${n}: sampled ${sampled.toFixed(1)}% vs ${measured.toFixed(1)}% measured`);
      }
    });
  });
}
