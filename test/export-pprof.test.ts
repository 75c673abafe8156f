// pyfold --format pprof, read back by the real consumer: Go's `go tool pprof`
// (Debian's golang-go, default options, as users run it) must show exactly
// the stacks, counts, file names and lines that pyfold folds from the same
// input; pprof-format's decoder must see the same structure; and folded ->
// pprof -> folded is the identity (fast-check).

import test from 'ava';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writePprof } from '../src/export/pprof';
import { foldText } from '../src/fold/fold';
import { decodePprof, foldedOf, modelOf } from './helpers/export';
import { projectRoot, runPyfold } from './helpers/golden';

const ROOT = projectRoot();
const SAMP = path.join(ROOT, 'test', 'fixtures', 'fold', 'pysample.samp');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pyfold-pprof-'));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

const goMissing = spawnSync('go', ['version']).status !== 0;
/** go tool pprof is a prerequisite that may be absent outside CI; .ci/run installs golang-go. */
const goTest = goMissing && process.env.CI !== 'true' ? test.skip : test;

/** Runs `go tool pprof ARGS FILE` offline, with a scratch HOME; stdout. */
function pprof(args: string[], file: string): string {
  const r = spawnSync('go', ['tool', 'pprof', ...args, file], {
    encoding: 'utf8',
    env: { ...process.env, HOME: tmp, PPROF_TMPDIR: tmp, GOFLAGS: '-mod=mod' },
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`go tool pprof ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

async function pprofFile(name: string, args: string[], stdin?: Buffer): Promise<string> {
  const file = path.join(tmp, name);
  const r = await runPyfold([...args, '--format', 'pprof', '-o', file], stdin);
  if (r.status !== 0) throw new Error(`pyfold exited ${r.status}: ${r.stderr}`);
  return file;
}

/** A map's entries in a fixed order, for comparisons that ignore insertion order. */
const entries = (m: Map<string, number>): [string, number][] => [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));

/** Folded text as a map stack -> count. */
function counts(folded: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of folded.split('\n').filter(Boolean)) {
    const i = line.lastIndexOf(' ');
    m.set(line.slice(0, i), (m.get(line.slice(0, i)) ?? 0) + Number(line.slice(i + 1)));
  }
  return m;
}

/**
 * `-raw` as folded stacks: its Samples section (`count value: loc loc ...`,
 * leaf first) resolved through its Locations section (`1: 0x0 M=1 NAME FILE:LINE s=0(...)`)
 * into pysample frames FILE:NAME:LINE, or NAME where there is no file.
 */
function rawStacks(raw: string): Map<string, number> {
  const locs = new Map<string, string>();
  const locSection = raw.slice(raw.indexOf('\nLocations\n'), raw.indexOf('\nMappings\n'));
  for (const m of locSection.matchAll(/^\s+(\d+): 0x0 M=\d+ (.*) (\S*):(\d+) s=0/gm)) {
    locs.set(m[1]!, m[3] === '' ? m[2]! : `${m[3]}:${m[2]}:${m[4]}`);
  }
  const out = new Map<string, number>();
  const sampleSection = raw.slice(raw.indexOf('\nSamples:\n'), raw.indexOf('\nLocations\n'));
  for (const m of sampleSection.matchAll(/^\s+(\d+)(?:\s+\d+)?: ([\d ]+)$/gm)) {
    const stack = m[2]!.trim().split(' ').map((id) => locs.get(id)!).reverse().join(';');
    out.set(stack, (out.get(stack) ?? 0) + Number(m[1]));
  }
  return out;
}

goTest('go tool pprof -raw shows the stacks, counts, files and lines that pyfold folds', async (t) => {
  const file = await pprofFile('samp.pb.gz', [SAMP]);
  const expected = counts(foldText(fs.readFileSync(SAMP)).text);
  const raw = pprof(['-raw'], file);
  t.deepEqual(entries(rawStacks(raw)), entries(expected));
  t.regex(raw, /^PeriodType: cpu nanoseconds$/m);
  t.regex(raw, /^Period: 10000000$/m);
  t.regex(raw, /^samples\/count cpu\/nanoseconds$/m);
  // Thread, process and idle as labels; <module> keeps its name (pprof's demangler would empty it).
  t.regex(raw, /idle:\[true\] pid:\[9876\] thread_name:\[python3\] tid:\[9880\]/);
  t.regex(raw, / <module> \/usr\/local\/bin\/gunicorn:8 /);
});

goTest('go tool pprof -traces lists each stack leaf first, with its time, labels and <module>', async (t) => {
  const file = await pprofFile('traces.pb.gz', [SAMP]);
  const out = pprof(['-traces'], file);
  const blocks = out.split(/^-+\+-+$/m).slice(1).map((b) => b.trim()).filter(Boolean);
  const seen = new Map<string, number>();
  for (const b of blocks) {
    const lines = b.split('\n');
    const first = lines.findIndex((l) => /^\s*\d+ms\s/.test(l));
    const ms = Number(/(\d+)ms/.exec(lines[first]!)![1]);
    const funcs = [lines[first]!.replace(/^\s*\d+ms\s+/, ''), ...lines.slice(first + 1).map((l) => l.trim())];
    const key = funcs.reverse().join(';');
    seen.set(key, (seen.get(key) ?? 0) + ms);
  }
  // pyfold's stacks with each frame cut to its function name, 10 ms per sample.
  const expected = new Map<string, number>();
  for (const [stack, n] of counts(foldText(fs.readFileSync(SAMP)).text)) {
    const key = stack.split(';').map((f) => /^.+:(.+):\d+$/.exec(f)?.[1] ?? f).join(';');
    expected.set(key, (expected.get(key) ?? 0) + n * 10);
  }
  t.deepEqual(entries(seen), entries(expected));
  t.true([...seen.keys()].some((k) => k.startsWith('<module>;')));
});

goTest('go tool pprof -top -sample_index=samples counts each leaf function', async (t) => {
  const file = await pprofFile('top.pb.gz', [SAMP]);
  const out = pprof(['-top', '-sample_index=samples'], file);
  const flat = new Map<string, number>();
  for (const m of out.matchAll(/^\s+(\d+)\s+[\d.]+%\s+[\d.]+%\s+\d+\s+[\d.]+%\s+(.+)$/gm)) {
    if (Number(m[1]) > 0) flat.set(m[2]!, Number(m[1]));
  }
  const expected = new Map<string, number>();
  for (const [stack, n] of counts(foldText(fs.readFileSync(SAMP)).text)) {
    const leaf = stack.slice(stack.lastIndexOf(';') + 1);
    const func = /^.+:(.+):\d+$/.exec(leaf)?.[1] ?? leaf;
    expected.set(func, (expected.get(func) ?? 0) + n);
  }
  t.deepEqual(entries(flat), entries(expected));
  t.regex(out, /Total samples = 7\b/);
});

goTest('folded lines (merged cron windows) become a count-only profile go tool pprof reads', async (t) => {
  const input = Buffer.from('a.py:main:1;a.py:work:5 3\nc;<module> 2\n', 'latin1');
  const file = await pprofFile('folded.pb.gz', [], Buffer.concat([input, input]));
  const raw = pprof(['-raw'], file);
  t.deepEqual(entries(rawStacks(raw)), [['a.py:main:1;a.py:work:5', 6], ['c;<module>', 4]]);
  t.regex(raw, /^samples\/count$/m);
  t.notRegex(raw, /cpu\/nanoseconds/);
});

goTest('empty input gives an empty profile that go tool pprof reads', async (t) => {
  const file = await pprofFile('empty.pb.gz', [], Buffer.alloc(0));
  const raw = pprof(['-raw'], file);
  t.regex(raw, /^Samples:\nsamples\/count\nLocations/m);
});

test('the library decodes the structure: sample types, period, times, labels, functions, lines', (t) => {
  const model = modelOf(fs.readFileSync(SAMP), false);
  const { profile, samples, str } = decodePprof(writePprof(model).bytes);
  t.deepEqual(profile.sampleType.map((v) => `${str(v.type)}/${str(v.unit)}`), ['samples/count', 'cpu/nanoseconds']);
  t.is(Number(profile.period), 10_000_000);
  t.is(Number(profile.timeNanos), Date.parse('2026-11-25T18:54:43.123Z') * 1e6);
  t.is(Number(profile.durationNanos), (Date.parse('2026-11-25T18:59:43.130Z') - Date.parse('2026-11-25T18:54:43.123Z')) * 1e6);
  for (const s of samples) t.is(s.values[1], s.values[0]! * 10_000_000);
  const idle = samples.filter((s) => s.labels.idle === 'true');
  t.true(idle.length > 0);
  for (const s of idle) t.is(s.frames[s.frames.length - 1], '[idle]');
  for (const s of samples) t.deepEqual(Object.keys(s.labels).filter((k) => ['pid', 'tid', 'thread_name'].includes(k)).sort(), ['pid', 'thread_name', 'tid']);
  // Function: name and file (system_name: the frame); location: the line.
  const fns = profile.function.filter((f) => str(f.name) === 'ProductView.get');
  t.deepEqual(fns.map((f) => str(f.filename)), ['/srv/app/shop/views.py', '/srv/app/shop/views.py']);
  const ids = new Set(fns.map((f) => Number(f.id)));
  const lines = profile.location.filter((l) => ids.has(Number(l.line[0]!.functionId))).map((l) => Number(l.line[0]!.line));
  t.deepEqual(lines.sort(), [42, 43]);
  t.is(foldedOf(samples), foldText(fs.readFileSync(SAMP)).text);
});

/** Frames of the shapes pyfold meets: pysample's, py-spy's, native names, idle, non-ASCII. */
const frame = fc.oneof(
  fc.tuple(fc.constantFrom('/srv/app/a.py', '<string>', '/usr/lib/python3.12/json/decoder.py', 'wörk.py'), fc.constantFrom('<module>', 'f', 'C.m', '<listcomp>', 'λ'), fc.nat(2000))
    .map(([p, f, l]) => `${p}:${f}:${l}`),
  fc.tuple(fc.constantFrom('get', '<module>'), fc.constantFrom('/x/y.py', 'z.py'), fc.nat(99)).map(([f, p, l]) => `${f} (${p}:${l})`),
  fc.constantFrom('[idle]', 'main', 'std::vector<int>::push_back', '_ZN3foo3barEv', 'python3', 'a:b:007', 'x:y'),
);
const folded = fc
  .array(fc.tuple(fc.array(frame, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 1000 })), { minLength: 1, maxLength: 30 })
  .map((lines) => lines.map(([fs_, n]) => `${fs_.join(';')} ${n}\n`).join(''));

test('folded -> pprof -> folded is the identity up to order', (t) => {
  fc.assert(
    fc.property(folded, (text) => {
      const input = Buffer.from(text, 'utf8');
      const expected = foldText(input).text;
      const { samples } = decodePprof(writePprof(modelOf(input, false)).bytes);
      return Buffer.from(foldedOf(samples), 'utf8').toString('latin1') === expected;
    }),
    { numRuns: 300 },
  );
  t.pass();
});
