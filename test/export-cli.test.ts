// pyfold --format, --timeline and -o as commands: the formats named in --help
// and the man page, usage errors, binary output refused on a terminal, bad
// input reported as for folded output, and a closed pipe.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FORMATS } from '../src/export/formats';
import { projectRoot, runPyfold } from './helpers/golden';
import { sh } from './helpers/run';

const ROOT = projectRoot();
const SAMP = path.join(ROOT, 'test', 'fixtures', 'fold', 'pysample.samp');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pyfold-formats-'));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('--help and the man page name every format', async (t) => {
  const help = (await runPyfold(['--help'])).stdout.toString();
  const man = fs.readFileSync(path.join(ROOT, 'man', 'pyfold.1'), 'utf8').replace(/\\-/g, '-').replace(/\\f[BIRP]/g, '');
  for (const f of FORMATS) {
    t.true(help.includes(f), `--help lacks ${f}`);
    t.true(man.includes(f), `man/pyfold.1 lacks ${f}`);
  }
  for (const o of ['--format', '--timeline', '--output']) {
    t.true(help.includes(o));
    t.true(man.includes(o), `man/pyfold.1 lacks ${o}`);
  }
});

test('an unknown format is a usage error naming the valid ones', async (t) => {
  const r = await runPyfold(['--format', 'json', SAMP]);
  t.is(r.status, 2);
  t.is(r.stdout.length, 0);
  t.is(r.stderr, `pyfold: unknown --format "json": choose one of ${FORMATS.join(', ')} (see 'pyfold --help')\n`);
  for (const args of [['--format', 'pprof', '--format', 'trace'], ['--timeline', '--format', 'pprof'], ['-o', ''], ['--format']]) {
    const bad = await runPyfold([...args, SAMP]);
    t.is(bad.status, 2, args.join(' '));
    t.is(bad.stdout.length, 0);
    t.is(bad.stderr.split('\n').length, 2, bad.stderr);
  }
});

test('pprof to a terminal is refused with a hint; -o FILE and a redirect work', async (t) => {
  // script(1) gives pyfold a terminal as stdout.
  const cmd = `${process.execPath} ${path.join(ROOT, 'bin', 'pyfold')} --format pprof ${SAMP}`;
  const tty = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'latin1', timeout: 60_000 });
  t.is(tty.status, 2, tty.stdout);
  t.regex(tty.stdout, /pyfold: pprof output is binary: not written to a terminal; use -o FILE or a redirect/);
  t.notRegex(tty.stdout, /\x1f\x8b/); // no gzip bytes
  const file = path.join(tmp, 'app.pb.gz');
  const r = await runPyfold(['--format', 'pprof', '-o', file, SAMP]);
  t.is(r.status, 0);
  t.is(r.stdout.length, 0);
  const redirected = await runPyfold(['--format', 'pprof', SAMP]);
  t.deepEqual(gunzipSync(fs.readFileSync(file)), gunzipSync(redirected.stdout));
  // Text formats still go to a terminal.
  const text = spawnSync('script', ['-qec', `${cmd.replace('pprof', 'speedscope')} | head -c 20`, '/dev/null'], { encoding: 'latin1' });
  t.is(text.status, 0);
});

test('-o to a place that cannot be written is a runtime error', async (t) => {
  const r = await runPyfold(['--format', 'trace', '-o', path.join(tmp, 'no', 'such', 'dir', 'x.json'), SAMP]);
  t.is(r.status, 1);
  t.regex(r.stderr, /^pyfold: cannot write .*x\.json: ENOENT \(check the path\)\n$/);
});

test('garbage lines are counted and reported in every format; only garbage is an error', async (t) => {
  const input = Buffer.concat([fs.readFileSync(SAMP), Buffer.from('garbage here\nmore garbage\n')]);
  for (const f of FORMATS) {
    const r = await runPyfold(['--format', f], input);
    t.is(r.status, 0, f);
    t.regex(r.stderr, /^pyfold: ignored 2 bad lines \(first at stdin:\d+: not a stack, a record header or a frame: "garbage here"\)\n$/, f);
    const only = await runPyfold(['--format', f], 'garbage\n');
    t.is(only.status, 1, f);
    t.is(only.stdout.length, 0, f);
    t.regex(only.stderr, /no stacks in the input/, f);
  }
});

test('empty input: an empty profile in each format, no error', async (t) => {
  for (const f of [...FORMATS, '--timeline']) {
    const r = await runPyfold(f === '--timeline' ? [f] : ['--format', f], Buffer.alloc(0));
    t.is(r.status, 0, f);
    t.is(r.stderr, '', f);
  }
});

test('a closed pipe ends quietly', async (t) => {
  const big = path.join(tmp, 'big.samp');
  fs.writeFileSync(big, fs.readFileSync(SAMP, 'latin1').repeat(2000), 'latin1');
  for (const f of ['speedscope', 'trace']) {
    const r = await sh(`set -o pipefail; bin/pyfold --format ${f} ${big} | head -c 10 >/dev/null`);
    t.is(r.code, 0, f);
    t.is(r.stderr, '', f);
  }
});
