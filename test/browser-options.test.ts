// The interactive script under pyflamegraph's other shapes of graph: other
// sizes, fonts and names for counts and frames, a differential graph, a flame
// chart (the same frame twice on one row), and --nameattr tooltips and links.

import test from 'ava';
import * as path from 'node:path';
import * as b from './helpers/browser';

const fixture = (name: string): string => path.join(b.FIXTURES, name);
const APP = fixture('app.folded');
const app = b.readFolded(APP);
const HANDLE = ['MainThread', 'app/main.py:<module>:12', 'app/server.py:serve:40', 'app/views.py:handle:42'];

const run = b.chromiumMissing ? test.serial.skip : test.serial;
if (b.chromiumMissing) console.log(`browser tests skipped: ${b.CHROMIUM} is not installed`);

let browser: b.Browser;
let work: ReturnType<typeof b.scratch>;

test.before(async () => {
  if (b.chromiumMissing) return;
  work = b.scratch();
  browser = await b.launch();
});

test.after.always(async () => {
  await browser?.close();
  work?.remove();
});

async function rendered(input: string, args: string[], name: string): Promise<string> {
  const out = path.join(work.dir, `${name}.svg`);
  await b.render(input, args, out);
  return out;
}

const nameOf = (title: string): string => title.slice(0, title.lastIndexOf(' ('));

run('width, row height, font size and width, count name and name type', async (t) => {
  const args = ['--width=800', '--height=20', '--fontsize=14', '--fontwidth=0.6', '--countname=ms', '--nametype=Frame:'];
  const { page, errors, answers } = await b.open(browser, await rendered(APP, args, 'sizes'));
  const title = b.tooltip(app, HANDLE, 'ms');
  const handle = await b.frame(page, title);
  await handle.hover();
  t.is(await page.textContent('#details'), `Frame: ${title}`);
  await handle.click();
  const shown = (await b.frames(page)).filter((f) => !f.hidden);
  t.is(shown.find((f) => f.title === title)!.width, 780);
  for (const f of shown.filter((g) => !g.title.startsWith('all ('))) {
    t.is(f.label, b.fit(b.pythonLabel(nameOf(f.title)), f.width, 14, 0.6), f.title);
  }
  answers.push('db');
  await page.click('#search');
  t.is(await page.textContent('#matched'), b.matched(app, /db/, HANDLE));
  t.deepEqual(errors, []);
  await page.close();
});

run('a differential graph: tooltips carry the change, shares come from the second count', async (t) => {
  const input = fixture('diff.folded');
  const { page, errors, answers } = await b.open(browser, await rendered(input, [], 'diff'));
  const lines = b.readFolded(input).map((s) => {
    // readFolded took "before after" apart at the last space: the frames end in the before count.
    const last = s.frames.length - 1;
    const [name, before] = s.frames[last]!.split(' ');
    return { frames: [...s.frames.slice(0, last), name!], before: Number(before), after: s.count };
  });
  const totalAfter = lines.reduce((sum, l) => sum + l.after, 0);
  const totalBefore = lines.reduce((sum, l) => sum + l.before, 0);
  const tip = (framePath: string[]): string => {
    const under = lines.filter((l) => framePath.every((f, i) => l.frames[i] === f));
    const after = under.reduce((sum, l) => sum + l.after, 0);
    const before = under.reduce((sum, l) => sum + l.before, 0);
    // As in flamegraph.pl, the change is the frame's own: stacks that end there.
    const own = under.filter((l) => l.frames.length === framePath.length);
    const delta = own.reduce((sum, l) => sum + l.after - l.before, 0);
    const pct = (n: number) => ((100 * n) / totalAfter).toFixed(2);
    // Then each side's inclusive count and its share of that side's samples.
    const sides = `before ${before} samples, ${((100 * before) / totalBefore).toFixed(2)}%; after ${after} samples, ${pct(after)}%`;
    return `${framePath[framePath.length - 1]} (${after} samples, ${pct(after)}%; ${delta > 0 ? '+' : ''}${pct(delta)}%; ${sides})`;
  };
  for (const framePath of [['main'], ['main', 'parse'], ['main', 'parse', 'tokenize'], ['main', 'eval', 'call']]) {
    await (await b.frame(page, tip(framePath))).hover();
    t.is(await page.textContent('#details'), `Function: ${tip(framePath)}`);
  }
  answers.push('^(tokenize|call)$');
  await page.click('#search');
  t.is(await page.textContent('#matched'), 'Matched: 80.0%'); // (150 + 90) of 300
  await (await b.frame(page, tip(['main', 'eval']))).click();
  t.is(await page.textContent('#matched'), 'Matched: 100%');
  t.is((await b.frames(page)).find((f) => f.title === tip(['main', 'eval', 'call']))!.width, 1180);
  t.deepEqual(errors, []);
  await page.close();
});

run('a flame chart zooms into one of two frames with the same name and tooltip', async (t) => {
  const svg = await rendered(fixture('chart.folded'), ['--flamechart'], 'chart');
  const { page, errors, answers } = await b.open(browser, svg);
  const reads = (await b.frames(page)).filter((f) => f.title.startsWith('read ('));
  t.is(reads.length, 2);
  const second = reads.reduce((a, f) => (f.x > a.x ? f : a));
  const index = await page.evaluate(
    (x) => Array.from(document.querySelectorAll('#frames rect')).findIndex((r) => parseFloat(r.getAttribute('x')!) === x),
    second.x,
  );
  await page.locator('#frames > *').nth(index).click();
  const zoomed = await b.frames(page);
  const readsAfter = zoomed.filter((f) => f.title.startsWith('read ('));
  t.deepEqual(readsAfter.map((f) => f.hidden).sort(), [false, true]);
  t.is(readsAfter.find((f) => !f.hidden)!.width, 1180);
  t.deepEqual(zoomed.filter((f) => f.title.startsWith('parse (') && !f.hidden).map((f) => f.width), [1180]);

  // The URL names the second frame, not the first.
  const again = await b.open(browser, svg, new URL(page.url()).search);
  t.deepEqual(await b.frames(again.page), zoomed);
  await again.page.close();

  answers.push('^read$');
  await page.click('#search');
  t.is(await page.textContent('#matched'), 'Matched: 100%');
  await page.click('#unzoom');
  t.is(await page.textContent('#matched'), 'Matched: 66.7%'); // 20 of 30
  t.deepEqual([...errors, ...again.errors], []);
  await page.close();
});

run('--nameattr: a custom tooltip is shown and searched; a link is followed, Ctrl-click zooms', async (t) => {
  const svg = await rendered(APP, [`--nameattr=${fixture('nameattr.txt')}`], 'nameattr');
  const { page, errors, answers } = await b.open(browser, svg);
  const links = page.locator('#frames > a');
  t.is(await links.count(), 2);
  await links.first().hover();
  t.is(await page.textContent('#details'), 'Function: Database query (custom)');

  // Without counts in those tooltips the share comes from widths: 30,000 + 25,000 of 100,000.
  answers.push('^Database');
  await page.click('#search');
  t.is(await page.textContent('#matched'), 'Matched: 55.0%');

  await links.first().click();
  t.is(new URL(page.url()).hash, '#db-docs');
  t.is(await page.locator('#frames > .hide').count(), 0);
  await links.first().click({ modifiers: ['Control'] });
  t.true((await page.locator('#frames > .hide').count()) > 0);
  t.is(await links.first().locator('rect').getAttribute('width'), '1180.00');
  t.deepEqual(errors, []);
  await page.close();
});

run('non-ASCII names, written as character references by --encoding=US-ASCII, are cut by character', async (t) => {
  const input = fixture('unicode.folded');
  const stacks = b.readFolded(input);
  const { page, errors } = await b.open(browser, await rendered(input, ['--encoding=US-ASCII', '--fontsize=40', '--height=48'], 'unicode'));
  for (const s of stacks) {
    const title = b.tooltip(stacks, s.frames);
    await (await b.frame(page, title)).hover();
    t.is(await page.textContent('#details'), `Function: ${title}`);
  }
  await (await b.frame(page, b.tooltip(stacks, ['main']))).click();
  for (const f of (await b.frames(page)).filter((g) => !g.hidden && !g.title.startsWith('all ('))) {
    t.is(f.label, b.fit(nameOf(f.title), f.width, 40), f.title);
    t.false(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(f.label), `half a surrogate pair in ${f.label}`);
  }
  t.true((await b.frames(page)).some((f) => f.label.endsWith('..') && /\u{10400}/u.test(f.label)));
  t.deepEqual(errors, []);
  await page.close();
});
