// pyfold --format speedscope (and --format trace) opened by speedscope itself:
// validated against the JSON schema the speedscope package ships, then
// loaded in its app (dist/release/index.html, served over a local HTTP server
// since #profileURL= does not work from file://) in headless Chromium, where
// the Sandwich view must list each frame with the self and total time the
// input gives it, and no error shows. The schema cannot catch leaf-first
// stacks, wrong nesting or samples and weights of different lengths: the app does.

import test from 'ava';
import Ajv from 'ajv';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { writeSpeedscope } from '../src/export/speedscope';
import { modelOf, rawRecords, TWO_THREADS } from './helpers/export';
import { CHROMIUM, chromiumMissing } from './helpers/browser';
import { projectRoot, runPyfold } from './helpers/golden';

const ROOT = projectRoot();
const RELEASE = path.join(ROOT, 'node_modules', 'speedscope', 'dist', 'release');
const SCHEMA = JSON.parse(fs.readFileSync(path.join(RELEASE, 'file-format-schema.json'), 'utf8'));
const RAW = rawRecords(TWO_THREADS);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pyfold-speedscope-'));

const validate = new Ajv({ allErrors: true }).compile(SCHEMA);

test('the file validates against speedscope\'s schema; one sampled profile per thread, stacks root first', (t) => {
  const file = JSON.parse(writeSpeedscope(modelOf(RAW), 'python3 app.py'));
  t.true(validate(file), JSON.stringify(validate.errors));
  t.deepEqual(file.profiles.map((p: { name: string }) => p.name), ['app (pid 4000, tid 4000)', 'worker (pid 4000, tid 4001)']);
  const frames = file.shared.frames as { name: string; file?: string; line?: number }[];
  const names = (stack: number[]): string[] => stack.map((i) => frames[i]!.name);
  const app = file.profiles[0];
  t.is(app.unit, 'milliseconds');
  // Time order: consecutive equal stacks merged, weights in ms.
  t.deepEqual(app.samples.map((s: number[]) => names(s).at(-1)), ['work (/srv/app.py:20)', 'sleepy (/srv/app.py:25)', 'work (/srv/app.py:20)']);
  t.deepEqual(app.weights, [30, 20, 10]);
  t.deepEqual(names(app.samples[0]), ['<module> (/srv/app.py:40)', 'main (/srv/app.py:30)', 'work (/srv/app.py:20)']);
  t.deepEqual([app.startValue, app.endValue], [0, 60]);
  const worker = file.profiles[1];
  t.deepEqual([worker.startValue, worker.endValue], [20, 50]);
  t.deepEqual(worker.weights, [20, 10]);
  t.deepEqual(frames.find((f) => f.name === 'work (/srv/app.py:20)'), { name: 'work (/srv/app.py:20)', file: '/srv/app.py', line: 20 });
  for (const p of file.profiles) t.is(p.samples.length, p.weights.length);
});

test('folded lines give one profile in counts; empty input a valid file with no profiles', async (t) => {
  const folded = JSON.parse(writeSpeedscope(modelOf('a;b 3\na;c 2\na;b 1\n'), 'x'));
  t.true(validate(folded), JSON.stringify(validate.errors));
  t.is(folded.profiles.length, 1);
  t.is(folded.profiles[0].unit, 'none');
  t.deepEqual(folded.profiles[0].weights, [3, 2, 1]);
  const empty = await runPyfold(['--format', 'speedscope'], Buffer.alloc(0));
  t.is(empty.status, 0);
  const file = JSON.parse(empty.stdout.toString());
  t.true(validate(file), JSON.stringify(validate.errors));
  t.deepEqual(file.profiles, []);
});

// ---- in the app ----------------------------------------------------------

const browserTest = chromiumMissing ? test.serial.skip : test.serial;
let server: http.Server;
let base = '';
let browser: Browser | undefined;

/** Serves speedscope's release folder at / and the test's files at /profiles/. */
function serve(): Promise<void> {
  server = http.createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split(/[?#]/)[0]!);
    const file = url.startsWith('/profiles/') ? path.join(tmp, path.basename(url)) : path.join(RELEASE, path.normalize(url === '/' ? '/index.html' : url));
    fs.readFile(file, (err, data) => {
      res.writeHead(err ? 404 : 200, { 'content-type': file.endsWith('.html') ? 'text/html' : file.endsWith('.js') ? 'text/javascript' : 'application/octet-stream' });
      res.end(err ? '' : data);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    resolve();
  }));
}

test.before(async () => {
  if (chromiumMissing) return;
  await serve();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // speedscope draws with WebGL: SwiftShader stands in for a GPU.
    args: ['--no-sandbox', '--enable-unsafe-swiftshader', '--use-angle=swiftshader', '--disable-background-networking', '--no-first-run'],
  });
});

test.after.always(async () => {
  await browser?.close();
  server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Row {
  total: string;
  self: string;
  name: string;
}

/** Opens a profile in the app; returns the page and the errors it showed. */
async function openProfile(name: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(60_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(`${base}/index.html#profileURL=${encodeURIComponent(`${base}/profiles/${name}`)}`);
  await page.getByText('Sandwich').first().waitFor();
  return { page, errors };
}

/**
 * The Sandwich view's table: total, self and name of every frame. The app
 * fills it in a frame or two later, so this reads it until it shows `expected`
 * (or 30 s have gone), and returns what it shows then.
 */
async function sandwich(page: Page, expected: Row[]): Promise<Row[]> {
  await page.getByText('Sandwich').first().click();
  await page.getByText('Symbol Name').first().waitFor();
  let found: Row[] = [];
  for (let i = 0; i < 300 && JSON.stringify(found) !== JSON.stringify(expected); i++) {
    if (i > 0) await page.waitForTimeout(100);
    const text = await page.evaluate(() => document.body.innerText);
    found = [...text.matchAll(/^(\S+) \([^)]*\)\n\t(\S+) \([^)]*\)\n\t(.+)$/gm)]
      .map((m) => ({ total: m[1]!, self: m[2]!, name: m[3]! }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }
  return found;
}

const APP_ROWS: Row[] = [
  { name: '<module> (/srv/app.py:40)', total: '60.00ms', self: '0.00ns' },
  { name: 'main (/srv/app.py:30)', total: '60.00ms', self: '0.00ns' },
  { name: 'sleepy (/srv/app.py:25)', total: '20.00ms', self: '20.00ms' },
  { name: 'work (/srv/app.py:20)', total: '40.00ms', self: '40.00ms' },
];

const WORKER_ROWS: Row[] = [
  { name: '[idle]', total: '20.00ms', self: '20.00ms' },
  { name: 'crunch (/srv/w.py:9)', total: '10.00ms', self: '10.00ms' },
  { name: 'loop (/srv/w.py:5)', total: '30.00ms', self: '0.00ns' },
];

async function noErrors(page: Page, errors: string[]): Promise<string[]> {
  const text = await page.evaluate(() => document.body.innerText);
  for (const bad of ['Unrecognized format', 'Something went wrong']) if (text.includes(bad)) errors.push(bad);
  return errors;
}

browserTest('speedscope opens the speedscope file: Sandwich shows each frame\'s self and total time', async (t) => {
  fs.writeFileSync(path.join(tmp, 'two.speedscope.json'), (await runPyfold(['--format', 'speedscope'], RAW)).stdout);
  const { page, errors } = await openProfile('two.speedscope.json');
  await page.getByText('app (pid 4000, tid 4000) (1/2)').first().waitFor();
  t.deepEqual(await sandwich(page, APP_ROWS), APP_ROWS);
  // The other thread: `n` goes to the next profile.
  await page.keyboard.press('n');
  await page.getByText('worker (pid 4000, tid 4001) (2/2)').first().waitFor();
  t.deepEqual(await sandwich(page, WORKER_ROWS), WORKER_ROWS);
  t.deepEqual(await noErrors(page, errors), []);
  await page.close();
});

browserTest('speedscope opens the trace file: the same times per frame, gaps left out', async (t) => {
  fs.writeFileSync(path.join(tmp, 'two.trace.json'), (await runPyfold(['--format', 'trace'], RAW)).stdout);
  const { page, errors } = await openProfile('two.trace.json');
  await page.getByText('app (pid 4000), app (tid 4000) (1/2)').first().waitFor();
  t.deepEqual(await sandwich(page, APP_ROWS), APP_ROWS);
  await page.keyboard.press('n');
  await page.getByText('app (pid 4000), worker (tid 4001) (2/2)').first().waitFor();
  t.deepEqual(await sandwich(page, WORKER_ROWS), WORKER_ROWS);
  t.deepEqual(await noErrors(page, errors), []);
  await page.close();
});
