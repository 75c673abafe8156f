// pyfold's speed on a large raw file in pysample's format, and, when
// FLAMEGRAPH_DIR points at a FlameGraph checkout, stackcollapse-perf.pl's on
// the same file in the same run. Goal: pyfold >= 20x faster, peak RSS < 200 MB.
//
//   npm run bench                                   # or: node dist/bench/run.js fold
//   FLAMEGRAPH_DIR=/tmp/FlameGraph node dist/bench/run.js fold
//
// The input is generated once into bench/data/ (seeded, so every run and
// every machine gets the same bytes) and reused.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

// ---------------------------------------------------------------------------
// Seeded generator of Python-like raw stacks.

/** mulberry32: small, fast, seeded PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SITE = '/srv/app/.venv/lib/python3.12/site-packages';
const STDLIB = '/usr/local/lib/python3.12';
const FILES = [
  `${STDLIB}/threading.py`, `${STDLIB}/socketserver.py`, `${STDLIB}/selectors.py`, `${STDLIB}/ssl.py`,
  `${STDLIB}/socket.py`, `${STDLIB}/json/encoder.py`, `${STDLIB}/json/decoder.py`, `${STDLIB}/logging/__init__.py`,
  `${STDLIB}/concurrent/futures/thread.py`, `${STDLIB}/http/client.py`, `${STDLIB}/re/__init__.py`,
  `${SITE}/gunicorn/workers/sync.py`, `${SITE}/gunicorn/arbiter.py`, `${SITE}/django/core/handlers/base.py`,
  `${SITE}/django/core/handlers/wsgi.py`, `${SITE}/django/db/models/query.py`, `${SITE}/django/db/backends/utils.py`,
  `${SITE}/django/template/base.py`, `${SITE}/django/utils/deprecation.py`, `${SITE}/sqlalchemy/orm/session.py`,
  `${SITE}/sqlalchemy/engine/base.py`, `${SITE}/psycopg2/extras.py`, `${SITE}/requests/sessions.py`,
  `${SITE}/requests/adapters.py`, `${SITE}/urllib3/connectionpool.py`, `${SITE}/redis/client.py`,
  `${SITE}/redis/connection.py`, `${SITE}/pydantic/main.py`, `${SITE}/celery/app/trace.py`,
  '/srv/app/shop/views.py', '/srv/app/shop/models.py', '/srv/app/shop/serializers.py', '/srv/app/shop/pricing.py',
  '/srv/app/shop/search.py', '/srv/app/shop/tasks.py', '/srv/app/shop/middleware.py', '/srv/app/shop/cache.py',
];
const FUNCS = [
  'run', '_bootstrap_inner', '_bootstrap', 'handle', 'handle_request', 'get_response', '_get_response', 'inner',
  '__call__', 'dispatch', 'get', 'post', 'list', 'retrieve', 'execute', '_execute', 'fetchall', 'iterator',
  '_fetch_all', 'render', 'render_annotated', 'encode', 'iterencode', 'decode', 'raw_decode', 'send', 'urlopen',
  '_make_request', 'getresponse', 'recv_into', 'readinto', 'select', 'wait', 'acquire', 'emit', 'format',
  'validate', 'model_validate', 'price_for', 'apply_discounts', 'search_products', 'score', 'tokenize',
  'serialize', 'to_representation', 'process_request', 'process_response', 'cached', 'get_connection',
  'Session.execute', 'Connection._execute_context', 'StrictRedis.get', 'Worker.handle_request', '<module>',
  '<listcomp>', '<genexpr>', '<lambda>',
];

export interface GenOptions {
  seed: number;
  /** Distinct Python stacks (idle variants come on top). */
  stacks: number;
  /** Distinct functions the frames come from (each with a few lines). */
  functions: number;
  samples: number;
  minDepth: number;
  maxDepth: number;
  /** Share of records that are idle. */
  idle: number;
  /** Distinct stacks idle threads wait in (select, Condition.wait, recv: a few places). */
  idleStacks: number;
  threads: number;
}

interface Frame {
  addr: string;
  text: string;
}

/**
 * Builds distinct stacks as paths through one random call tree, so they share
 * prefixes as real ones do, from a fixed set of code locations (a service
 * with thousands of stacks has a few thousand functions and lines, not one
 * per sample).
 */
function makeStacks(o: GenOptions, rand: () => number): Frame[][] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const functions = Array.from({ length: o.functions }, () => ({
    file: pick(FILES),
    func: pick(FUNCS),
    addr: (0x7f5e2c000000 + Math.floor(rand() * 0xffffff) * 16).toString(16),
    first: 1 + Math.floor(rand() * 900),
  }));
  const frame = (): Frame => {
    const f = pick(functions);
    return { addr: f.addr, text: `${f.file}:${f.func}:${f.first + Math.floor(rand() * 4)}` };
  };
  const roots = [frame(), frame(), frame()];
  const stacks: Frame[][] = [];
  const seen = new Set<string>();
  let prev: Frame[] = [roots[0]!];
  while (stacks.length < o.stacks) {
    const depth = o.minDepth + Math.floor(rand() * (o.maxDepth - o.minDepth + 1));
    // Share a prefix with the previous stack (a sibling in the call tree), then diverge.
    const keep = Math.min(prev.length, Math.floor(rand() * depth));
    const s = keep > 0 ? prev.slice(0, keep) : [pick(roots)];
    while (s.length < depth) s.push(frame());
    const key = s.map((f) => f.text).join(';');
    if (seen.has(key)) continue;
    seen.add(key);
    stacks.push(s);
    prev = s;
  }
  return stacks;
}

/** Writes the raw file; returns the number of records. */
export function generateRaw(file: string, o: GenOptions): number {
  const rand = rng(o.seed);
  const stacks = makeStacks(o, rand);
  const waiting = stacks.slice(0, o.idleStacks);
  const fd = fs.openSync(file, 'w');
  const tids = Array.from({ length: o.threads }, (_, i) => 9877 + i * 3);
  const comms = ['python3', 'gunicorn_worke', 'ThreadPoolExec', 'redis_pool'];
  let t = 1732560883.0;
  let parts: string[] = [];
  let size = 0;
  const flush = (): void => {
    fs.writeSync(fd, parts.join(''));
    parts = [];
    size = 0;
  };
  parts.push('# pysample: raw stacks, format 1 (man 5 pysample)\n# pid: 9876\n# command: gunicorn shop.wsgi\n# python: 3.12.1\n# interval: 0.01\n');
  for (let i = 0; i < o.samples; i++) {
    // Skewed choice: a few hot stacks, a long tail.
    const idle = rand() < o.idle;
    const pool = idle ? waiting : stacks;
    const s = pool[Math.floor(Math.pow(rand(), 3) * pool.length)]!;
    const ti = Math.floor(rand() * tids.length);
    t += 0.0001;
    let rec = `${comms[ti % comms.length]} 9876/${tids[ti]} [${idle ? 'idle' : 'gil'}] ${t.toFixed(6)}: 1 cpu-clock:\n`;
    if (idle) rec += '\t0 [idle] (python)\n';
    for (let j = s.length - 1; j >= 0; j--) rec += `\t${s[j]!.addr} ${s[j]!.text} (python)\n`;
    rec += '\n';
    parts.push(rec);
    size += rec.length;
    if (size > 1 << 20) flush();
  }
  parts.push(`# samples: ${o.samples}\n`);
  flush();
  fs.closeSync(fd);
  return o.samples;
}

// ---------------------------------------------------------------------------
// Timing.

export const BENCH_INPUT: GenOptions = {
  seed: 42,
  stacks: 3000,
  functions: 1500,
  samples: 100_000,
  minDepth: 10,
  maxDepth: 60,
  idle: 0.3,
  idleStacks: 50,
  threads: 12,
};

interface Run {
  seconds: number;
  /** User + system CPU time: steadier than wall time on a machine others are using. */
  cpu: number;
  peakMB: number;
  status: number | null;
}

/** Runs a command with stdout to /dev/null under /usr/bin/time, for wall time and peak RSS. */
function timed(cmd: string, args: string[]): Run {
  const start = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'maxrss_kb=%M cpu=%U+%S', cmd, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const m = /maxrss_kb=(\d+) cpu=([\d.]+)\+([\d.]+)/.exec(r.stderr ?? '');
  return { seconds, cpu: m ? Number(m[2]) + Number(m[3]) : NaN, peakMB: m ? Number(m[1]) / 1024 : NaN, status: r.status };
}

function main(): void {
  const root = path.resolve(__dirname, '..', '..');
  const dataDir = path.join(root, 'bench', 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  const o = BENCH_INPUT;
  const file = path.join(dataDir, `fold-seed${o.seed}-${o.stacks}x${o.samples}.samp`);
  if (!fs.existsSync(file)) {
    process.stdout.write(`generating ${path.relative(root, file)} ...\n`);
    generateRaw(file, o);
  }
  const mb = fs.statSync(file).size / 1e6;
  process.stdout.write(
    `input: ${path.relative(root, file)}, ${mb.toFixed(0)} MB, ${o.samples} samples, ${o.stacks} distinct stacks (${o.idleStacks} of them also idle) from ${o.functions} functions, depth ${o.minDepth}-${o.maxDepth}\n`,
  );
  const pyfold = path.join(root, 'bin', 'pyfold');
  timed(process.execPath, [pyfold, file]); // warm the page cache
  const runs = [1, 2, 3].map(() => timed(process.execPath, [pyfold, file]));
  const best = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const peak = Math.max(...runs.map((r) => r.peakMB));
  if (runs.some((r) => r.status !== 0)) {
    process.stdout.write('pyfold failed\n');
    process.exitCode = 1;
    return;
  }
  process.stdout.write(
    `pyfold: ${best.seconds.toFixed(2)} s wall (best of 3), ${(mb / best.seconds).toFixed(0)} MB/s, ${best.cpu.toFixed(2)} s CPU, peak RSS ${peak.toFixed(0)} MB (goal < 200 MB)\n`,
  );
  // The fixed cost inside that figure: Node starting and pyfold loading, on an empty input.
  const empty = [1, 2, 3].map(() => timed(process.execPath, [pyfold, '/dev/null'])).reduce((a, b) => (b.cpu < a.cpu ? b : a));
  process.stdout.write(`pyfold on an empty input: ${empty.seconds.toFixed(3)} s wall, ${empty.cpu.toFixed(3)} s CPU\n`);
  if (process.env.NODE_EXTRA_CA_CERTS) {
    process.stdout.write('note: NODE_EXTRA_CA_CERTS is set, so every Node start loads that certificate bundle (part of the figures above)\n');
  }
  const fg = process.env.FLAMEGRAPH_DIR;
  if (!fg) {
    process.stdout.write('set FLAMEGRAPH_DIR to a FlameGraph checkout to compare with stackcollapse-perf.pl\n');
    return;
  }
  const perl = timed('perl', [path.join(fg, 'stackcollapse-perf.pl'), file]);
  if (perl.status !== 0) {
    process.stdout.write('stackcollapse-perf.pl failed\n');
    process.exitCode = 1;
    return;
  }
  const ratio = perl.seconds / best.seconds;
  const cpuRatio = perl.cpu / best.cpu;
  process.stdout.write(
    `stackcollapse-perf.pl: ${perl.seconds.toFixed(2)} s wall, ${(mb / perl.seconds).toFixed(1)} MB/s, ${perl.cpu.toFixed(2)} s CPU, peak RSS ${perl.peakMB.toFixed(0)} MB\n` +
      `ratio: pyfold is ${ratio.toFixed(1)}x faster by wall time, ${cpuRatio.toFixed(1)}x by CPU time (goal >= 20x)\n`,
  );
  // Both ratios must reach the goal: wall time flatters pyfold when other jobs slow the longer run.
  if (ratio < 20 || cpuRatio < 20 || peak >= 200) process.exitCode = 1;
}

if (require.main === module) main();
