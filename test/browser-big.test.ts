// A big profile stays usable: 100,000 distinct Python-like stacks, 10 to 60
// frames deep (seeded, so every run draws the same graph), rendered by
// bin/pyflamegraph and opened in headless Chromium. Each operation is timed
// inside the page until the change has been painted, against a bound far
// above what it takes (a frozen page takes far longer), and its result is
// checked against the input.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as b from './helpers/browser';

const STACKS = 100_000;
const OPEN_LIMIT_MS = 30_000;
const STEP_LIMIT_MS = 5_000;

const run = b.chromiumMissing ? test.serial.skip : test.serial;
if (b.chromiumMissing) console.log(`browser tests skipped: ${b.CHROMIUM} is not installed`);

let browser: b.Browser;
let work: ReturnType<typeof b.scratch>;
let svg = '';
let stacks: b.Stack[] = [];

test.before(async () => {
  if (b.chromiumMissing) return;
  work = b.scratch();
  const folded = path.join(work.dir, 'big.folded');
  fs.writeFileSync(folded, b.bigProfile(STACKS, 20261125));
  stacks = b.readFolded(folded);
  svg = path.join(work.dir, 'big.svg');
  await b.render(folded, [], svg);
  browser = await b.launch();
});

test.after.always(async () => {
  await browser?.close();
  work?.remove();
});

/** Clicks the element at a selector, in the page. */
const click = (selector: string): void => {
  document.querySelector(selector)!.dispatchEvent(new MouseEvent('click', { bubbles: true }));
};

run(`a ${STACKS.toLocaleString('en-US')}-stack flame graph opens, zooms and searches without freezing`, async (t) => {
  t.is(stacks.length, STACKS);
  const started = Date.now();
  const opened = await b.open(browser, svg);
  const openMs = Date.now() - started;
  const { page, errors, answers, requests } = opened;
  t.true(openMs < OPEN_LIMIT_MS, `opening took ${openMs} ms`);

  // The widest frame three levels above the root: a big subtree to zoom into.
  const target = await page.evaluate(() => {
    const gs = Array.from(document.getElementById('frames')!.children);
    const rects = gs.map((g) => g.querySelector('rect')!);
    const ys = rects.map((r) => parseFloat(r.getAttribute('y')!));
    const bottom = ys.reduce((a, y) => Math.max(a, y), -Infinity);
    let best = -1;
    let widest = 0;
    rects.forEach((r, i) => {
      const w = parseFloat(r.getAttribute('width')!);
      if (ys[i] === bottom - 3 * 16 && w > widest) [best, widest] = [i, w];
    });
    gs.forEach((g, i) => g.setAttribute('data-test-index', String(i)));
    return { index: best, count: gs.length, title: gs[best]!.querySelector('title')!.textContent! };
  });
  t.true(target.count > 5000, `only ${target.count} frames`);
  t.log(`${target.count} frames; opened in ${openMs} ms; zooming into ${target.title}`);
  const selector = `#frames > [data-test-index="${target.index}"]`;

  const drawn = await b.boxes(page);
  const steps: Array<[string, number]> = [];
  const step = async (name: string, action: (arg: string) => void, arg: string) => {
    const ms = await b.timeInPage(page, action, arg);
    steps.push([name, Math.round(ms)]);
    t.true(ms < STEP_LIMIT_MS, `${name} took ${ms} ms`);
  };

  await step('zoom', click, selector);
  t.is(await page.locator(`${selector} rect`).getAttribute('width'), '1180.00');
  const states = await b.zoomStates(page);
  t.deepEqual(states, b.expectedZoom(drawn, target.index, false));
  t.true(states.filter((s) => s === 'hidden').length > target.count / 10);
  await page.locator(selector).hover();
  t.is(await page.textContent('#details'), `Function: ${target.title}`);

  await step('reset zoom', click, '#unzoom');
  t.is(await page.locator('#frames > .hide').count(), 0);

  answers.push('^Thread-2 \\(poller\\)$');
  await step('search a thread', click, '#search');
  t.is(await page.textContent('#matched'), b.matched(stacks, /^Thread-2 \(poller\)$/));

  await step('clear search', click, '#search');
  answers.push('\\.py:');
  await step('search all frames', click, '#search');
  const lit = await page.locator('#frames rect[fill="rgb(230,0,230)"]').count();
  t.is(lit, target.count - 1 - 4); // all but the root and the four threads
  t.is(await page.textContent('#matched'), b.matched(stacks, /\.py:/));

  await step('zoom while searching', click, selector);
  await step('clear search while zoomed', click, '#search');
  await step('reset zoom again', click, '#unzoom');

  t.log(steps.map(([name, ms]) => `${name} ${ms} ms`).join(', '));
  t.deepEqual(errors, []);
  t.deepEqual(requests, []);
  await page.close();
});
