// Headless Chromium for the flame graph browser tests: launching Debian's
// chromium through playwright-core, rendering folded fixtures with
// bin/pyflamegraph, opening the SVGs with dialogs and errors recorded, and the
// folded-input arithmetic the tests compare the page against.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ROOT = path.resolve(__dirname, '../../..');
export const FIXTURES = path.join(ROOT, 'test/fixtures/browser');

/** Chromium is a prerequisite that may truly be absent outside CI; in CI it must be there. */
export const chromiumMissing = !fs.existsSync(CHROMIUM) && process.env.CI !== 'true';

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Starts chromium with a fresh profile and nothing that talks to the network. */
export async function launch(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing (install Debian's chromium package: apt-get install -y chromium)`);
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pyflamegraph-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 1100 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A scratch directory for rendered SVGs, removed by the returned function. */
export function scratch(): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pyflamegraph-browser-'));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Runs bin/pyflamegraph on a folded file and writes the SVG to out. */
export function render(input: string, args: string[], out: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fd = fs.openSync(out, 'w');
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/pyflamegraph'), ...args, input], {
      stdio: ['ignore', fd, 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      fs.closeSync(fd);
      if (code === 0) resolve();
      else reject(new Error(`pyflamegraph ${args.join(' ')} ${input} exited ${code}: ${stderr.trim()}`));
    });
  });
}

export interface Opened {
  page: Page;
  /** Every dialog the page opened, as "type: message". */
  dialogs: string[];
  /** Console errors and uncaught exceptions. */
  errors: string[];
  /** Answers for the next prompt() calls, in order; a prompt with none left is dismissed. */
  answers: string[];
  /** URLs the page requested besides the SVG itself: there should be none, local or remote. */
  requests: string[];
}

/** Opens an SVG file (with an optional "?query") in a new tab. */
export async function open(browser: Browser, file: string, query = ''): Promise<Opened> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(15_000);
  const opened: Opened = { page, dialogs: [], errors: [], answers: [], requests: [] };
  page.on('request', (r) => {
    if (!r.isNavigationRequest()) opened.requests.push(r.url());
  });
  page.on('dialog', (d) => {
    opened.dialogs.push(`${d.type()}: ${d.message()}`);
    const answer = opened.answers.shift();
    void (d.type() === 'prompt' && answer !== undefined ? d.accept(answer) : d.dismiss());
  });
  page.on('console', (m) => {
    if (m.type() === 'error') opened.errors.push(m.text());
  });
  page.on('pageerror', (e) => opened.errors.push(e.message));
  await page.goto(pathToFileURL(file).href + query, { waitUntil: 'load', timeout: 120_000 });
  return opened;
}

export interface FrameState {
  title: string;
  x: number;
  y: number;
  width: number;
  label: string;
  textX: number;
  fill: string;
  hidden: boolean;
  faded: boolean;
}

/** Every frame as the page shows it now (for small graphs). */
export function frames(page: Page): Promise<FrameState[]> {
  return page.evaluate(() =>
    Array.from(document.getElementById('frames')!.children).map((g) => {
      const rect = g.querySelector('rect')!;
      const text = g.querySelector('text');
      const num = (el: Element | null, a: string) => parseFloat(el?.getAttribute(a) ?? 'NaN');
      return {
        title: g.querySelector('title')?.textContent ?? '',
        x: num(rect, 'x'),
        y: num(rect, 'y'),
        width: num(rect, 'width'),
        label: text?.textContent ?? '',
        textX: num(text, 'x'),
        fill: rect.getAttribute('fill') ?? '',
        hidden: getComputedStyle(g).display === 'none',
        faded: getComputedStyle(g).opacity !== '1',
      };
    }),
  );
}

/** The frame whose tooltip is exactly title. */
export async function frame(page: Page, title: string): Promise<Locator> {
  const index = await page.evaluate(
    (t) => Array.from(document.getElementById('frames')!.children).findIndex((g) => g.querySelector('title')?.textContent === t),
    title,
  );
  if (index < 0) throw new Error(`no frame titled ${JSON.stringify(title)}`);
  return page.locator('#frames > *').nth(index);
}

/** The query string of the page's current URL, decoded into an object. */
export function query(page: Page): Record<string, string> {
  return Object.fromEntries(new URL(page.url()).searchParams);
}

export interface Box {
  x: number;
  y: number;
  width: number;
}

/** Every frame's rectangle as drawn, in document order (read before zooming). */
export function boxes(page: Page): Promise<Box[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('#frames > * > rect')).map((r) => ({
      x: parseFloat(r.getAttribute('x')!),
      y: parseFloat(r.getAttribute('y')!),
      width: parseFloat(r.getAttribute('width')!),
    })),
  );
}

export type ZoomState = 'shown' | 'faded' | 'hidden';

/** How each frame is shown now: by its class, in document order. */
export function zoomStates(page: Page): Promise<ZoomState[]> {
  return page.evaluate(() =>
    Array.from(document.getElementById('frames')!.children).map((g) =>
      g.classList.contains('hide') ? 'hidden' : g.classList.contains('parent') ? 'faded' : 'shown'),
  );
}

/**
 * flamegraph.pl's rule for zooming into frame z, from geometry alone: frames
 * on rows nearer the root that span z are its ancestors (faded); frames on
 * z's row or beyond that start within z are its subtree (shown); the rest
 * are hidden.
 */
export function expectedZoom(drawn: Box[], z: number, inverted: boolean): ZoomState[] {
  const target = drawn[z]!;
  const fudge = 0.0001;
  return drawn.map((f) => {
    const nearerRoot = inverted ? f.y < target.y : f.y > target.y;
    if (nearerRoot) return f.x <= target.x && f.x + f.width + fudge >= target.x + target.width ? 'faded' : 'hidden';
    return f.x < target.x || f.x + fudge >= target.x + target.width ? 'hidden' : 'shown';
  });
}

// ---- the folded input, as the graph should show it --------------------------

export interface Stack {
  frames: string[];
  count: number;
}

export function readFolded(file: string): Stack[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const at = line.lastIndexOf(' ');
      return { frames: line.slice(0, at).split(';'), count: Number(line.slice(at + 1)) };
    });
}

export function total(stacks: Stack[]): number {
  return stacks.reduce((sum, s) => sum + s.count, 0);
}

const startsWith = (frames: string[], prefix: string[]) => prefix.every((f, i) => frames[i] === f);

/** Samples of the frame at path (root first, without "all"). */
export function samples(stacks: Stack[], framePath: string[]): number {
  return total(stacks.filter((s) => startsWith(s.frames, framePath)));
}

/** flamegraph.pl's tooltip for the frame at path. */
export function tooltip(stacks: Stack[], framePath: string[], countname = 'samples'): string {
  const n = samples(stacks, framePath);
  const name = framePath[framePath.length - 1]!;
  return `${name} (${n.toLocaleString('en-US')} ${countname}, ${((100 * n) / total(stacks)).toFixed(2)}%)`;
}

/**
 * "Matched: N%" as it should read: the samples of the stacks under the zoomed
 * frame (all stacks when not zoomed) in which some frame, or "all", matches,
 * each stack counted once.
 */
export function matched(stacks: Stack[], re: RegExp, zoomedPath: string[] = []): string {
  const inView = stacks.filter((s) => startsWith(s.frames, zoomedPath));
  const hit = inView.filter((s) => ['all', ...s.frames].some((f) => re.test(f)));
  const share = total(hit) / total(inView);
  return `Matched: ${share === 1 ? '100' : (100 * share).toFixed(1)}%`;
}

/**
 * The text pyflamegraph's default labels start from: a Python frame
 * PATH/FILE.py:FUNCTION:LINE reads "FUNCTION (FILE.py:LINE)"; anything else is
 * its whole name, as flamegraph.pl labels it.
 */
export function pythonLabel(name: string): string {
  const m = /^(?:.*\/)?([^/]+\.py):([^:]*):(\d+)$/.exec(name);
  return m ? `${m[2]} (${m[1]}:${m[3]})` : name;
}

/** A label as flamegraph.pl fits it: fontwidth x fontsize per character, ".." when cut. */
export function fit(name: string, width: number, fontsize = 12, fontwidth = 0.59): string {
  const chars = Math.floor(width / (fontsize * fontwidth));
  const cs = Array.from(name);
  if (chars < 3) return '';
  return chars >= cs.length ? name : cs.slice(0, chars - 2).join('') + '..';
}

/**
 * Runs action(arg) in the page and returns its elapsed time in ms, measured in
 * the page until two animation frames later, so that style, layout and paint
 * of the change are included.
 */
export function timeInPage<A>(page: Page, action: (arg: A) => void, arg: A): Promise<number> {
  return page.evaluate(
    async ({ source, arg }) => {
      const run = new Function(`return (${source});`)() as (arg: unknown) => void;
      const t0 = performance.now();
      run(arg);
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      return performance.now() - t0;
    },
    { source: action.toString(), arg: arg as unknown },
  );
}

/**
 * A seeded profile of `count` distinct Python-like stacks, 10 to 60 frames
 * deep (a thread name, then pyflame-style PATH:FUNCTION:LINE frames drawn from
 * a fixed call graph, so stacks share prefixes as real ones do), folded.
 */
export function bigProfile(count: number, seed: number): string {
  let state = seed >>> 0;
  const rand = (): number => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const below = (n: number, skew = 1): number => Math.floor(rand() ** skew * n);
  const pick = (xs: string[]): string => xs[below(xs.length)]!;
  const places = ['app/', 'app/api/', 'python3.12/', 'site-packages/'];
  const modules = ['core', 'db', 'http', 'json', 'models', 'views', 'cache', 'auth', 'utils', 'tasks', 'io'];
  const verbs = ['load', 'parse', 'handle', 'query', 'render', 'fetch', 'send', 'encode', 'decode', 'update', 'lookup', 'run'];
  const nouns = ['request', 'row', 'page', 'user', 'item', 'batch', 'token', 'config', 'event', 'stream'];
  const fns = Array.from({ length: 3000 }, () =>
    `${pick(places)}${pick(modules)}/${pick(modules)}.py:${pick(verbs)}_${pick(nouns)}:${1 + below(900)}`);
  const callees = fns.map(() => Array.from({ length: 2 + below(5) }, () => below(fns.length)));
  const threads = ['MainThread', 'Thread-1 (worker)', 'Thread-2 (poller)', 'ThreadPoolExecutor-0_0'];
  const entries = threads.map(() => below(fns.length));
  const seen = new Set<string>();
  const lines: string[] = [];
  while (lines.length < count) {
    const thread = below(threads.length, 2);
    const depth = 10 + below(51);
    let f = entries[thread]!;
    const frames = [threads[thread]!, fns[f]!];
    while (frames.length < depth) {
      const next = callees[f]!;
      f = next[below(next.length, 2)]!;
      frames.push(fns[f]!);
    }
    const stack = frames.join(';');
    if (seen.has(stack)) continue;
    seen.add(stack);
    lines.push(`${stack} ${1 + below(100, 3)}`);
  }
  return lines.join('\n') + '\n';
}
