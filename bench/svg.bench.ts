// pyflamegraph's speed, peak memory and SVG size on a large folded profile,
// and, when FLAMEGRAPH_DIR points at a FlameGraph checkout, flamegraph.pl's
// on the same file in the same run, with the ratios.
// Goals: >= 10x faster, peak RSS <= 1/4 of flamegraph.pl's, SVG no larger.
//
//   npm run bench                                  # or: node dist/bench/run.js svg
//   FLAMEGRAPH_DIR=/tmp/FlameGraph node dist/bench/run.js svg
//
// The input (100,000 distinct Python-like stacks, 10-60 frames deep, frames
// "path:function:line") is generated once into bench/data/ from a fixed seed,
// so every run and every machine gets the same bytes.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** xorshift32: small seeded PRNG; returns [0, 1). */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

export interface ProfileShape {
  seed: number;
  stacks: number;
  minDepth: number;
  maxDepth: number;
}

export const PROFILE: ProfileShape = { seed: 7, stacks: 100_000, minDepth: 10, maxDepth: 60 };

const APP = ['api', 'billing', 'catalog', 'orders', 'search', 'users', 'reports', 'jobs'];
const SITE = '/opt/venv/lib/python3.12/site-packages';
const STD = '/usr/lib/python3.12';
const PKGS = ['django/core/handlers', 'django/db/models', 'sqlalchemy/orm', 'requests', 'urllib3', 'redis', 'pydantic', 'celery/app', 'jinja2', 'numpy/core'];
const STDMODS = ['threading', 'socket', 'ssl', 'json/decoder', 'json/encoder', 'logging/__init__', 'selectors', 'queue', 're/_compiler', 'asyncio/base_events'];
const VERBS = ['get', 'load', 'save', 'handle', 'render', 'parse', 'validate', 'compute', 'fetch', 'send', 'dispatch', 'encode', 'decode', 'run', 'process', 'resolve'];
const NOUNS = ['request', 'order', 'item', 'user', 'price', 'query', 'row', 'page', 'token', 'batch', 'result', 'cache', 'event', 'record'];

/** A pool of functions ("path:function") in own code, the standard library and packages. */
function functions(rand: () => number, n: number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    const file =
      r < 0.5
        ? `/srv/app/${pick(APP)}/${pick(NOUNS)}_${Math.floor(rand() * 20)}.py`
        : r < 0.75
          ? `${SITE}/${pick(PKGS)}/${pick(NOUNS)}.py`
          : `${STD}/${pick(STDMODS)}.py`;
    const noun = pick(NOUNS);
    const cls = rand() < 0.4 ? `${noun[0]!.toUpperCase()}${noun.slice(1)}Service.` : '';
    out.push(`${file}:${cls}${pick(VERBS)}_${pick(NOUNS)}`);
  }
  return out;
}

/**
 * Distinct stacks as random walks through one call graph: each function
 * calls a few fixed others (at fixed lines), so stacks share prefixes as
 * real ones do. Writes "frame;frame;... count" lines in random order.
 */
export function generateFolded(file: string, o: ProfileShape): void {
  const rand = prng(o.seed);
  const funcs = functions(rand, 6000);
  const callees = funcs.map(() => Array.from({ length: 2 + Math.floor(rand() * 4) }, () => Math.floor(rand() * funcs.length)));
  const lines = funcs.map(() => Array.from({ length: 6 }, () => 1 + Math.floor(rand() * 800)));
  const roots = ['MainThread', 'Thread-1 (worker)', 'Thread-2 (worker)', 'ThreadPoolExecutor-0_0', 'Thread-3 (heartbeat)'];
  const seen = new Set<string>();
  const fd = fs.openSync(file, 'w');
  let buf = '';
  while (seen.size < o.stacks) {
    const depth = o.minDepth + Math.floor(rand() * (o.maxDepth - o.minDepth + 1));
    let f = Math.floor(rand() * 40); // a few entry points
    const frames = [roots[Math.floor(rand() * rand() * roots.length)]!];
    for (let d = 1; d < depth; d++) {
      const k = Math.floor(rand() * rand() * callees[f]!.length); // skewed: first callees are hot
      frames.push(`${funcs[f]}:${lines[f]![k]}`);
      f = callees[f]![k]!;
    }
    frames.push(`${funcs[f]}:${lines[f]![0]}`);
    const stack = frames.join(';');
    if (seen.has(stack)) continue;
    seen.add(stack);
    buf += `${stack} ${1 + Math.floor(rand() ** 4 * 300)}\n`;
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf);
      buf = '';
    }
  }
  fs.writeSync(fd, buf);
  fs.closeSync(fd);
}

interface Run {
  seconds: number;
  /** user + system CPU time: steadier than wall time on a busy machine. */
  cpu: number;
  peakMB: number;
  bytes: number;
  status: number | null;
}

/** Runs a command with stdout to `out`, under /usr/bin/time for peak RSS. */
function timed(cmd: string, args: string[], out: string): Run {
  const fd = fs.openSync(out, 'w');
  const start = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'maxrss_kb=%M cpu=%U+%S', cmd, ...args], {
    stdio: ['ignore', fd, 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, PERL_HASH_SEED: '0', PERL_PERTURB_KEYS: '0' },
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  fs.closeSync(fd);
  const m = /maxrss_kb=(\d+) cpu=([\d.]+)\+([\d.]+)/.exec(r.stderr ?? '');
  return {
    seconds,
    cpu: m ? Number(m[2]) + Number(m[3]) : NaN,
    peakMB: m ? Number(m[1]) / 1024 : NaN,
    bytes: fs.statSync(out).size,
    status: r.status,
  };
}

const frameCount = (file: string): number => (fs.readFileSync(file, 'latin1').match(/<title>/g) ?? []).length;

/** The tooltips of all frames, sorted: equal lists mean the same frames, counts and percentages. */
const tooltips = (file: string): string[] =>
  [...fs.readFileSync(file, 'latin1').matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]!).sort();

function main(): void {
  const root = path.resolve(__dirname, '..', '..');
  const data = path.join(root, 'bench', 'data');
  fs.mkdirSync(data, { recursive: true });
  const o = PROFILE;
  const input = path.join(data, `svg-seed${o.seed}-${o.stacks}.folded`);
  if (!fs.existsSync(input)) {
    process.stdout.write(`generating ${path.relative(root, input)} ...\n`);
    generateFolded(input, o);
  }
  const mb = fs.statSync(input).size / 1e6;
  process.stdout.write(`input: ${path.relative(root, input)}, ${mb.toFixed(0)} MB, ${o.stacks} distinct stacks, depth ${o.minDepth}-${o.maxDepth}\n`);

  const ours = path.join(data, 'svg-pyflamegraph.svg');
  const bin = path.join(root, 'bin', 'pyflamegraph');
  timed(process.execPath, [bin, input], ours); // warm the page cache
  const runs = [1, 2, 3].map(() => timed(process.execPath, [bin, input], ours));
  if (runs.some((r) => r.status !== 0)) {
    process.stdout.write('pyflamegraph failed\n');
    process.exitCode = 1;
    return;
  }
  const best = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const peak = Math.max(...runs.map((r) => r.peakMB));
  process.stdout.write(
    `pyflamegraph: ${best.seconds.toFixed(2)} s (best of 3; CPU ${best.cpu.toFixed(2)} s), peak RSS ${peak.toFixed(0)} MB, ` +
      `SVG ${(best.bytes / 1e6).toFixed(1)} MB, ${frameCount(ours)} frames\n`,
  );

  const fg = process.env.FLAMEGRAPH_DIR;
  if (!fg) {
    process.stdout.write('set FLAMEGRAPH_DIR to a FlameGraph checkout to compare with flamegraph.pl\n');
    return;
  }
  const theirs = path.join(data, 'svg-flamegraph-pl.svg');
  const perl = timed('perl', [path.join(fg, 'flamegraph.pl'), input], theirs);
  if (perl.status !== 0) {
    process.stdout.write('flamegraph.pl failed\n');
    process.exitCode = 1;
    return;
  }
  const mine = tooltips(ours);
  const same = JSON.stringify(mine) === JSON.stringify(tooltips(theirs));
  process.stdout.write(`frames: ${same ? `the same ${mine.length} tooltips in both` : 'DIFFERENT from flamegraph.pl'}\n`);
  const speed = perl.seconds / best.seconds;
  const memory = peak / perl.peakMB;
  const size = best.bytes / perl.bytes;
  process.stdout.write(
    `flamegraph.pl: ${perl.seconds.toFixed(2)} s (CPU ${perl.cpu.toFixed(2)} s), peak RSS ${perl.peakMB.toFixed(0)} MB, ` +
      `SVG ${(perl.bytes / 1e6).toFixed(1)} MB, ${frameCount(theirs)} frames\n` +
      `ratios: ${speed.toFixed(1)}x faster (CPU time: ${(perl.cpu / best.cpu).toFixed(1)}x; goal >= 10x), ${(memory * 100).toFixed(0)}% of its peak memory (goal <= 25%), ` +
      `SVG ${(size * 100).toFixed(0)}% of its size (goal <= 100%)\n`,
  );
  if (!same || speed < 10 || memory > 0.25 || size > 1) process.exitCode = 1;
}

if (require.main === module) main();
