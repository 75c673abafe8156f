// Python frames people can read: labels function first by default (and
// flamegraph.pl's with --frame-labels full, the rest of the graph unchanged),
// the python palette on frames pyfold -f and -s rewrote, and differential
// graphs drawn from the before counts.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { type FrameShape, parseSvg } from './fixtures/svg/structure';
import { labelSource } from '../src/svg/labels';
import { pythonKind, relativePathsAre } from '../src/svg/python';

const ROOT = path.resolve(__dirname, '../..');
const RAW = path.join(ROOT, 'test/fixtures/fold/pysample.samp');

function tool(name: string, args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', name), ...args], { input, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const rgb = (f: FrameShape): number[] => f.fill.slice(4, -1).split(',').map(Number);
const kindOfFill = (f: FrameShape): string => {
  const [r, g, b] = rgb(f) as [number, number, number];
  if (r === g && g === b) return 'native';
  if (r >= 230 && b <= 70) return 'own';
  if (b >= 230) return 'stdlib';
  if (g >= 195 && r < g) return 'package';
  return `? ${f.fill}`;
};
const frameName = (f: FrameShape): string => f.title.slice(0, f.title.lastIndexOf(' ('));

test('labelSource: function first, file base name and line; other frames whole', (t) => {
  const cases: [string, string][] = [
    ['/usr/lib/python3/dist-packages/django/core/handlers/base.py:BaseHandler._get_response:181', 'BaseHandler._get_response (base.py:181)'],
    ['/srv/app/cache.py:lookup', 'lookup (cache.py)'],
    ['get (/srv/app/handlers.py:42)', 'get (handlers.py:42)'],
    ['get (/srv/app/handlers.py)', 'get (handlers.py)'],
    ['<frozen importlib._bootstrap>:_find_and_load:1007', '_find_and_load (<frozen importlib._bootstrap>:1007)'],
    ['threading.py:Thread.run:982', 'Thread.run (threading.py:982)'],
    ['[idle]', '[idle]'],
    ['MainThread', 'MainThread'],
    ['native_safe_halt_[k]', 'native_safe_halt_[k]'],
    ['java/lang/Thread:::run', 'java/lang/Thread:::run'],
    ['process 12:"python app.py"', 'process 12:"python app.py"'],
  ];
  for (const [name, label] of cases) {
    t.is(labelSource(name, 'python'), label, name);
    t.is(labelSource(name, 'full'), name, name);
  }
});

test('pythonKind: relative paths are packages in a profile pyfold -s shortened, own code otherwise', (t) => {
  t.is(pythonKind('django/core/handlers/base.py:BaseHandler._get_response:197', 'package'), 'package');
  t.is(pythonKind('django/core/handlers/base.py:BaseHandler._get_response:197'), 'own');
  t.is(pythonKind('threading.py:Thread.run:1010', 'package'), 'stdlib');
  t.is(pythonKind('concurrent/futures/thread.py:_worker', 'package'), 'stdlib');
  t.is(pythonKind('/srv/app/shop/views.py:ProductView.get', 'package'), 'own');
  t.is(pythonKind('/v/lib/python3.12/site-packages/dj/base.py:f'), 'package');
  t.is(pythonKind('[idle]', 'package'), 'native');
  // Shortened: absolute paths, none under site-packages or lib/pythonX.Y.
  t.is(relativePathsAre(['/usr/local/bin/gunicorn:<module>:8;gunicorn/app/base.py:Application.run:72']), 'package');
  // Not shortened: a library path is still whole, or there is no absolute path at all.
  t.is(relativePathsAre(['app/main.py:main:3;/usr/lib/python3.12/threading.py:Thread.run:1']), 'own');
  t.is(relativePathsAre(['MainThread;app/main.py:main:3;app/views.py:handle:42']), 'own');
});

test('python palette on pyfold -s output: Django and gunicorn are packages, threading is stdlib, the shop is own code', (t) => {
  for (const flags of [['-s'], ['-s', '-f'], ['-f'], []]) {
    const folded = tool('pyfold', [...flags, RAW]);
    t.is(folded.code, 0, folded.stderr);
    const svg = tool('pyflamegraph', [], folded.stdout);
    t.is(svg.code, 0, svg.stderr);
    const seen = new Map<string, string>();
    for (const f of parseSvg(svg.stdout).frames) {
      const name = frameName(f);
      if (name === 'all') continue;
      const want = /django|gunicorn\/|redis/.test(name)
        ? 'package'
        : /threading\.py|concurrent\/futures/.test(name)
          ? 'stdlib'
          : /\/srv\/app|\/usr\/local\/bin\/gunicorn/.test(name)
            ? 'own'
            : 'native';
      t.is(kindOfFill(f), want, `pyfold ${flags.join(' ')}: ${name}`);
      seen.set(want, name);
    }
    t.deepEqual([...seen.keys()].sort(), ['native', 'own', 'package', 'stdlib'], `pyfold ${flags.join(' ')}`);
  }
});

test('--frame-labels full: flamegraph.pl label text; geometry and tooltips the same in both modes', (t) => {
  const folded = tool('pyfold', [RAW]).stdout;
  const python = parseSvg(tool('pyflamegraph', [], folded).stdout).frames;
  const full = parseSvg(tool('pyflamegraph', ['--frame-labels', 'full'], folded).stdout).frames;
  t.is(python.length, full.length);
  let differs = 0;
  python.forEach((p, i) => {
    const f = full[i]!;
    t.deepEqual([p.title, p.x, p.y, p.width, p.height, p.fill], [f.title, f.x, f.y, f.width, f.height, f.fill]);
    // flamegraph.pl's label: the whole name cut to floor(width / 7.08) characters, ".." at the end.
    const name = frameName(f);
    const chars = Math.floor(f.width / (12 * 0.59));
    const flamegraphLabel = chars < 3 || name === 'all' ? '' : name.length <= chars ? name : `${name.slice(0, chars - 2)}..`;
    if (Math.abs(f.width - chars * 7.08) > 0.2) t.is(f.label, flamegraphLabel, name); // away from rounding edges
    if (p.label !== f.label) differs++;
  });
  t.true(differs > 0);
  const response = python.find((f) => f.title.startsWith('/srv/app/.venv/lib/python3.12/site-packages/django/core/handlers/base.py:BaseHandler._get_response:197 ('))!;
  t.is(response.label, 'BaseHandler._get_response (base.py:197)');
});

test('--diff-widths before: widths from the before counts, a vanished stack wide and blue; bad choices are usage errors', (t) => {
  const input = 'main;lookup 43 3\nmain;render 50 50\nmain;new 7 47\n';
  const frames = parseSvg(tool('pyflamegraph', ['--diff-widths', 'before'], input).stdout).frames;
  const lookup = frames.find((f) => f.title.startsWith('lookup ('))!;
  t.is(lookup.title, 'lookup (43 samples, 43.00%; -40.00%; before 43 samples, 43.00%; after 3 samples, 3.00%)');
  t.is(lookup.width, 507.4); // 43% of 1180
  t.deepEqual(rgb(lookup), [0, 0, 255]);
  const fresh = frames.find((f) => f.title.startsWith('new ('))!;
  t.is(fresh.title, 'new (7 samples, 7.00%; +40.00%; before 7 samples, 7.00%; after 47 samples, 47.00%)');
  t.deepEqual(rgb(fresh), [255, 0, 0]);
  const after = parseSvg(tool('pyflamegraph', [], input).stdout).frames;
  t.is(after.find((f) => f.title.startsWith('lookup ('))!.width, 35.4); // 3%: a sliver
  for (const args of [['--frame-labels', 'short'], ['--diff-widths', 'both'], ['--diff-tooltips', 'long'], ['--frame-labels']]) {
    const r = tool('pyflamegraph', args, input);
    t.is(r.code, 2, args.join(' '));
    t.is(r.stdout, '');
    t.regex(r.stderr, /^pyflamegraph: .*\(see 'pyflamegraph --help'\)\n$/);
  }
});
