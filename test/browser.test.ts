// The flame graph's interactive script in a real browser: SVGs made by
// bin/pyflamegraph from test/fixtures/browser/app.folded, opened in headless
// Chromium, driven with the mouse and keyboard, and compared with what the
// folded input says they should show.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as b from './helpers/browser';

const APP = path.join(b.FIXTURES, 'app.folded');
const stacks = b.readFolded(APP);
const SEARCHCOLOR = 'rgb(230,0,230)';
const FULL = 1180; // 1200 px wide, 10 px padding either side

const HANDLE = ['MainThread', 'app/main.py:<module>:12', 'app/server.py:serve:40', 'app/views.py:handle:42'];
const SERVE = HANDLE.slice(0, 3);
const JINJA = 'site-packages/jinja2/environment.py:Environment.render_template_with_context:1090';

const run = b.chromiumMissing ? test.serial.skip : test.serial;
if (b.chromiumMissing) console.log(`browser tests skipped: ${b.CHROMIUM} is not installed`);

let browser: b.Browser;
let work: ReturnType<typeof b.scratch>;
const svg = { plain: '', icicle: '' };

test.before(async () => {
  if (b.chromiumMissing) return;
  work = b.scratch();
  svg.plain = path.join(work.dir, 'app.svg');
  svg.icicle = path.join(work.dir, 'app-icicle.svg');
  await b.render(APP, [], svg.plain);
  await b.render(APP, ['--inverted'], svg.icicle);
  browser = await b.launch();
});

test.after.always(async () => {
  await browser?.close();
  work?.remove();
});

test('the script and stylesheet can be embedded verbatim in CDATA and in HTML', (t) => {
  for (const asset of ['flamegraph.js', 'flamegraph.css']) {
    const text = fs.readFileSync(path.join(b.ROOT, 'src/svg/assets', asset), 'utf8');
    t.false(text.includes(']]>'), asset);
    t.notRegex(text, /<\/(script|style)/i, asset);
    // ASCII only, so that it embeds unchanged in an SVG of any --encoding.
    t.notRegex(text, /[^\x00-\x7f]/, asset);
  }
});

/** Every frame path in the input (root first), shortest first. */
function framePaths(): string[][] {
  const seen = new Map<string, string[]>();
  for (const s of stacks) {
    for (let i = 1; i <= s.frames.length; i++) seen.set(s.frames.slice(0, i).join(';'), s.frames.slice(0, i));
  }
  return [...seen.values()].sort((p, q) => p.length - q.length);
}

const nameOf = (title: string): string => title.slice(0, title.lastIndexOf(' ('));
const tip = (framePath: string[]): string => b.tooltip(stacks, framePath);
const ALL = `all (${b.total(stacks).toLocaleString('en-US')} samples, 100%)`;

/** The label a frame should show at its current width (the root's stays empty). */
const expectedLabel = (f: b.FrameState): string => (f.title === ALL ? '' : b.fit(b.pythonLabel(nameOf(f.title)), f.width));

run('hovering a frame shows its name, count and percentage; leaving it clears them', async (t) => {
  const { page, errors, requests } = await b.open(browser, svg.plain);
  for (const title of [ALL, ...framePaths().map(tip)]) {
    await (await b.frame(page, title)).hover();
    t.is(await page.textContent('#details'), `Function: ${title}`);
  }
  await page.mouse.move(600, 5);
  t.is(await page.textContent('#details'), ' ');
  t.deepEqual(errors, []);
  t.deepEqual(requests, []); // nothing loaded from anywhere: fonts, images, scripts
  await page.close();
});

run('clicking a frame zooms into it; Reset Zoom restores the drawing exactly', async (t) => {
  const { page, errors } = await b.open(browser, svg.plain);
  const before = await b.frames(page);
  t.true(await page.locator('#unzoom').isHidden());

  await (await b.frame(page, tip(HANDLE))).click();
  const after = await b.frames(page);
  const RENDER = [...HANDLE, 'app/templates.py:render:8'];
  const insidePaths = [HANDLE, [...HANDLE, 'app/db.py:query:17'], RENDER, [...RENDER, JINJA]];
  const inside = new Map(insidePaths.map((p) => [tip(p), p]));
  const above = new Set([ALL, ...[1, 2, 3].map((n) => tip(HANDLE.slice(0, n)))]);
  for (const f of after) {
    const was = before.find((g) => g.title === f.title)!;
    if (inside.has(f.title)) {
      t.false(f.hidden || f.faded, f.title);
      const share = b.samples(stacks, inside.get(f.title)!) / b.samples(stacks, HANDLE);
      t.true(Math.abs(f.width - FULL * share) < 0.3, `${f.title}: width ${f.width}`);
    } else if (above.has(f.title)) {
      t.false(f.hidden, f.title);
      t.true(f.faded, f.title);
      t.is(f.width, FULL, f.title);
    } else {
      t.true(f.hidden, f.title);
    }
    if (!f.hidden) {
      t.is(f.label, expectedLabel(f), f.title);
      t.true(Math.abs(f.textX - (f.x + 3)) < 0.011, f.title);
      t.is(f.y, was.y, f.title);
    }
  }
  // A long name is cut to its new width, not shown whole.
  const jinja = after.find((f) => f.title === tip([...RENDER, JINJA]))!;
  t.regex(jinja.label, /^Environment\.render_template_w.*\.\.$/);
  t.true(jinja.label.length < 'Environment.render_template_with_context (environment.py:1090)'.length);
  const handle = after.find((f) => f.title === tip(HANDLE))!;
  t.is(handle.x, 10);
  t.is(handle.width, FULL);
  const handleBefore = before.find((f) => f.title === tip(HANDLE))!;
  const state = b.query(page);
  t.deepEqual([parseFloat(state.x!), parseFloat(state.y!)], [handleBefore.x, handleBefore.y]);
  t.true(await page.locator('#unzoom').isVisible());

  // A faded ancestor zooms out to itself; the root zooms out completely.
  const MODULE = HANDLE.slice(0, 2);
  await (await b.frame(page, tip(MODULE))).click();
  const widths = new Map((await b.frames(page)).map((f) => [f.title, f.width]));
  t.is(widths.get(tip(MODULE)), FULL);
  const share = b.samples(stacks, HANDLE) / b.samples(stacks, MODULE);
  t.true(Math.abs(widths.get(tip(HANDLE))! - FULL * share) < 0.3);
  await (await b.frame(page, ALL)).click();
  t.deepEqual(await b.frames(page), before);
  t.deepEqual(b.query(page), {});

  await (await b.frame(page, tip(HANDLE))).click();
  await page.click('#unzoom');
  t.deepEqual(await b.frames(page), before);
  t.deepEqual(b.query(page), {});
  t.true(await page.locator('#unzoom').isHidden());
  t.deepEqual(errors, []);
  await page.close();
});

/** Titles of the frames painted in the search colour. */
async function highlighted(page: b.Opened['page']): Promise<string[]> {
  return (await b.frames(page)).filter((f) => f.fill === SEARCHCOLOR).map((f) => f.title).sort();
}
const titlesMatching = (re: RegExp): string[] =>
  [ALL, ...framePaths().map(tip)].filter((title) => re.test(nameOf(title))).sort();

run('search highlights matching frames and counts each matched stack once', async (t) => {
  const opened = await b.open(browser, svg.plain);
  const { page, errors, answers, dialogs } = opened;
  const original = await b.frames(page);

  answers.push('db\\.py');
  await page.click('#search');
  t.is(dialogs.length, 1);
  t.regex(dialogs[0]!, /^prompt: /);
  t.deepEqual(await highlighted(page), titlesMatching(/db\.py/));
  // query and _execute both match on one stack: its samples count once.
  t.is(await page.textContent('#matched'), b.matched(stacks, /db\.py/));
  t.is(await page.textContent('#matched'), 'Matched: 62.9%');
  t.is(await page.textContent('#search'), 'Reset Search');
  t.deepEqual(b.query(page), { s: 'db\\.py' });

  // Zoomed, the share is of the samples in view.
  await (await b.frame(page, tip(HANDLE))).click();
  t.is(await page.textContent('#matched'), b.matched(stacks, /db\.py/, HANDLE));
  t.deepEqual(await highlighted(page), titlesMatching(/db\.py/));
  await (await b.frame(page, tip([...HANDLE, 'app/db.py:query:17']))).click();
  t.is(await page.textContent('#matched'), 'Matched: 100%');
  await page.click('#unzoom');
  t.is(await page.textContent('#matched'), 'Matched: 62.9%');

  // The button clears the search and gives every frame its colour back.
  await page.click('#search');
  t.deepEqual(await b.frames(page), original);
  t.true(await page.locator('#matched').isHidden());
  t.is(await page.textContent('#search'), 'Search');
  t.deepEqual(b.query(page), {});

  // Ctrl-F and F3 prompt too, and a new term replaces the old one.
  answers.push('^app/(views|templates)');
  await page.keyboard.press('Control+f');
  t.deepEqual(await highlighted(page), titlesMatching(/^app\/(views|templates)/));
  t.is(await page.textContent('#matched'), b.matched(stacks, /^app\/(views|templates)/));
  answers.push('queue|threading');
  await page.keyboard.press('F3');
  t.deepEqual(await highlighted(page), titlesMatching(/queue|threading/));
  t.is(await page.textContent('#matched'), b.matched(stacks, /queue|threading/));
  t.is(dialogs.length, 3);
  // Cancelling the prompt changes nothing.
  await page.keyboard.press('F3');
  t.is(dialogs.length, 4);
  t.is(await page.textContent('#matched'), b.matched(stacks, /queue|threading/));
  t.deepEqual(errors, []);
  await page.close();
});

run('the ic button and Ctrl-I toggle case-insensitive search', async (t) => {
  const { page, errors, answers } = await b.open(browser, svg.plain);
  answers.push('DB\\.PY');
  await page.keyboard.press('Control+f');
  t.is(await page.textContent('#matched'), 'Matched: 0.0%');
  t.deepEqual(await highlighted(page), []);

  await page.click('#ignorecase');
  t.true(await page.locator('#ignorecase.show').isVisible());
  t.deepEqual(await highlighted(page), titlesMatching(/db\.py/i));
  t.is(await page.textContent('#matched'), b.matched(stacks, /db\.py/i));

  await page.keyboard.press('Control+i');
  t.is(await page.locator('#ignorecase.show').count(), 0);
  t.is(await page.textContent('#matched'), 'Matched: 0.0%');
  t.deepEqual(await highlighted(page), []);
  t.deepEqual(errors, []);
  await page.close();
});

run('zoom and search state round-trip through the URL query', async (t) => {
  const first = await b.open(browser, svg.plain);
  first.answers.push('poll|Poll');
  await first.page.click('#search');
  await (await b.frame(first.page, tip(SERVE))).click();
  const shown = await b.frames(first.page);
  const url = new URL(first.page.url());
  t.deepEqual(Object.keys(b.query(first.page)).sort(), ['s', 'x', 'y']);
  await first.page.close();

  const second = await b.open(browser, svg.plain, url.search);
  t.deepEqual(await b.frames(second.page), shown);
  t.is(await second.page.textContent('#matched'), b.matched(stacks, /poll|Poll/, SERVE));
  t.true(await second.page.locator('#unzoom').isVisible());
  t.is(await second.page.textContent('#search'), 'Reset Search');
  t.deepEqual(second.errors, []);
  await second.page.close();

  // Unknown or broken parameters are ignored.
  const third = await b.open(browser, svg.plain, '?x=1e9&y=nope&s=%E0%A4%A&z=1');
  t.true((await b.frames(third.page)).every((f) => !f.hidden && !f.faded));
  t.true(await third.page.locator('#matched').isHidden());
  t.deepEqual(third.errors, []);
  await third.page.close();
});

run('an invalid regexp is reported and leaves the graph usable', async (t) => {
  const { page, errors, answers } = await b.open(browser, svg.plain);
  answers.push('(unclosed');
  await page.click('#search');
  t.is(await page.textContent('#matched'), 'Invalid regexp');
  t.deepEqual(await highlighted(page), []);
  answers.push('serve');
  await page.click('#search');
  t.is(await page.textContent('#matched'), b.matched(stacks, /serve/));
  t.deepEqual(errors, []);
  await page.close();
});

run('zooming into any frame shows exactly its ancestors, faded, and its subtree', async (t) => {
  for (const [file, inverted] of [[svg.plain, false], [svg.icicle, true]] as const) {
    const { page, errors } = await b.open(browser, file);
    const drawn = await b.boxes(page);
    const root = drawn.findIndex((f) => f.width === FULL && drawn.every((g) => (inverted ? g.y >= f.y : g.y <= f.y)));
    for (let z = 0; z < drawn.length; z++) {
      if (z === root) continue;
      await page.locator('#frames > *').nth(z).click({ force: true, position: { x: 0.5, y: 7 } });
      t.deepEqual(await b.zoomStates(page), b.expectedZoom(drawn, z, inverted), `zoomed into frame ${z}`);
      await page.click('#unzoom');
    }
    t.deepEqual(errors, []);
    await page.close();
  }
});

run('an icicle graph zooms with its ancestors above', async (t) => {
  const { page, errors, answers } = await b.open(browser, svg.icicle);
  const before = await b.frames(page);
  await (await b.frame(page, tip(HANDLE))).click();
  const after = await b.frames(page);
  const handle = after.find((f) => f.title === tip(HANDLE))!;
  t.is(handle.width, FULL);
  for (const f of after.filter((g) => !g.hidden)) {
    if (f.faded) t.true(f.y < handle.y, f.title);
    else t.true(f.y >= handle.y, f.title);
    t.is(f.label, expectedLabel(f), f.title);
  }
  t.is(after.filter((f) => f.faded).length, 4);
  t.is(after.filter((f) => !f.hidden && !f.faded).length, 4);
  answers.push('db');
  await page.click('#search');
  t.is(await page.textContent('#matched'), b.matched(stacks, /db/, HANDLE));
  await page.click('#search');
  await page.click('#unzoom');
  t.deepEqual(await b.frames(page), before);
  t.deepEqual(errors, []);
  await page.close();
});
