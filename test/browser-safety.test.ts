// Frame names, titles and notes are data, never code: an SVG made by
// bin/pyflamegraph from names built to break out of XML, CDATA and
// attributes is opened in headless Chromium, hovered, zoomed and searched,
// and nothing injected may run, load or even become an element.

import test from 'ava';
import * as path from 'node:path';
import * as b from './helpers/browser';

const HOSTILE = path.join(b.FIXTURES, 'hostile.folded');
const stacks = b.readFolded(HOSTILE);
const TITLE = '<script>window.__pwned="title",alert("title")</script>';
const SUBTITLE = ']]></text><script>window.__pwned="subtitle"</script><text>';
const NOTES = '--><script>window.__pwned="notes"</script><!--';

const run = b.chromiumMissing ? test.serial.skip : test.serial;
if (b.chromiumMissing) console.log(`browser tests skipped: ${b.CHROMIUM} is not installed`);

let browser: b.Browser;
let work: ReturnType<typeof b.scratch>;
let svg = '';

test.before(async () => {
  if (b.chromiumMissing) return;
  work = b.scratch();
  svg = path.join(work.dir, 'hostile.svg');
  await b.render(HOSTILE, [`--title=${TITLE}`, `--subtitle=${SUBTITLE}`, `--notes=${NOTES}`], svg);
  browser = await b.launch();
});

test.after.always(async () => {
  await browser?.close();
  work?.remove();
});

/** What the page holds that it should not: injected elements, handlers, sentinels. */
function intrusions(page: b.Opened['page']) {
  return page.evaluate(() => {
    const all = Array.from(document.getElementsByTagName('*'));
    return {
      parsed: document.documentElement?.localName === 'svg' && !document.querySelector('parsererror'),
      sentinel: (window as unknown as { __pwned?: unknown }).__pwned ?? null,
      scripts: Array.from(document.getElementsByTagName('script')).filter((s) => /__pwned|alert/.test(s.textContent ?? '')).length,
      handlers: all.flatMap((el) =>
        Array.from(el.attributes)
          .filter((a) => /^on/i.test(a.name) && !(el === document.documentElement && a.name === 'onload'))
          .map((a) => `${el.localName} ${a.name}`)),
      foreign: all.filter((el) => /^(img|iframe|foreignObject|object|embed|svg)$/.test(el.localName) && el !== document.documentElement).length,
    };
  });
}

const clean = { parsed: true, sentinel: null, scripts: 0, handlers: [], foreign: 0 };

run('hostile names, title, subtitle and notes are shown as text and never run', async (t) => {
  const { page, dialogs, errors, answers, requests } = await b.open(browser, svg);
  t.deepEqual(await intrusions(page), clean);
  if (!(await intrusions(page)).parsed) return;
  t.is(await page.textContent('#title'), TITLE);
  t.is(await page.textContent('#subtitle'), SUBTITLE);

  for (const s of stacks) {
    for (let depth = 1; depth <= s.frames.length; depth++) {
      const framePath = s.frames.slice(0, depth);
      const title = b.tooltip(stacks, framePath);
      const g = await b.frame(page, title);
      await g.hover();
      t.is(await page.textContent('#details'), `Function: ${title}`);
      if (depth < 2) continue;
      await g.click();
      // Zoomed to full width, the whole name is the label, as plain text.
      t.is(await g.locator('text').textContent(), b.fit(framePath[depth - 1]!, 1180));
      await page.click('#unzoom');
    }
  }

  answers.push('script|alert|CDATA|on(error|load|click|mouseover)');
  await page.keyboard.press('Control+f');
  t.is(await page.textContent('#matched'), b.matched(stacks, /script|alert|CDATA|on(error|load|click|mouseover)/));
  answers.push('<script>');
  await page.keyboard.press('F3');
  t.is(await page.textContent('#matched'), b.matched(stacks, /<script>/));

  // Give anything that was injected (an image's onerror, a timer) time to fire.
  await page.waitForTimeout(300);
  t.deepEqual(await intrusions(page), clean);
  t.deepEqual(dialogs.filter((d) => !d.startsWith('prompt: ')), []);
  t.is(dialogs.length, 2);
  t.deepEqual(errors, []);
  t.deepEqual(requests, []);
  await page.close();
});

run('hostile state in the URL is searched as text and never run', async (t) => {
  const term = '</script><script>window.__pwned="url"</script>';
  const { page, dialogs, errors } = await b.open(browser, svg, `?s=${encodeURIComponent(term)}&x=%22%5D%3Cscript%3E&y=1`);
  t.true((await intrusions(page)).parsed);
  t.is(await page.textContent('#matched'), b.matched(stacks, new RegExp(term)));
  t.deepEqual(b.query(page).s, term);
  await page.waitForTimeout(300);
  t.deepEqual(await intrusions(page), clean);
  t.deepEqual(dialogs, []);
  t.deepEqual(errors, []);
  await page.close();
});
