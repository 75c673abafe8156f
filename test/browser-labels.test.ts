// What a person sees on a Python frame: by default its label puts the
// function first ("BaseHandler._get_response (base.py:181)") where
// flamegraph.pl shows the start of its path ("/usr/lib/python3/dist-p.."),
// cut to the frame's width as drawn and again after a zoom, while the
// tooltip, the details line and search keep the whole frame. With
// --frame-labels full the labels are flamegraph.pl's. Widths in the fixture:
// 1180 px for 100 samples, 7.08 px per character (12 px x 0.59).

import test from 'ava';
import * as path from 'node:path';
import * as b from './helpers/browser';

const DJANGO = path.join(b.FIXTURES, 'django.folded');
const SYNC = '/usr/lib/python3/dist-packages/gunicorn/workers/sync.py:SyncWorker.handle_request:178';
const RESPONSE = '/usr/lib/python3/dist-packages/django/core/handlers/base.py:BaseHandler._get_response:181';
const WRITE = '/usr/lib/python3/dist-packages/gunicorn/http/wsgi.py:Response.write:330';

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

async function rendered(args: string[], name: string): Promise<string> {
  const out = path.join(work.dir, `${name}.svg`);
  await b.render(DJANGO, args, out);
  return out;
}

const byName = (frames: b.FrameState[], name: string): b.FrameState => {
  const f = frames.find((g) => g.title.startsWith(`${name} (`));
  if (!f) throw new Error(`no frame ${name}`);
  return f;
};

run('python labels: the function and file:line at a known width, cut and re-fitted on zoom; tooltip and search keep the frame', async (t) => {
  const { page, errors, answers } = await b.open(browser, await rendered([], 'python'));
  let frames = await b.frames(page);
  // 25 of 100 samples: 295 px, 41 characters; the whole label (39) fits.
  const response = byName(frames, RESPONSE);
  t.is(response.width, 295);
  t.is(response.label, 'BaseHandler._get_response (base.py:181)');
  t.is(byName(frames, '/srv/app/shop/views.py:ProductView.get:42').label, 'ProductView.get (views.py:42)');
  // 16 samples: 188.8 px, 26 characters: cut, the function still readable.
  const write = byName(frames, WRITE);
  t.is(write.width, 188.8);
  t.is(write.label, 'Response.write (wsgi.py:..');
  t.is(byName(frames, '/usr/lib/python3.11/threading.py:Thread.run:982').label, 'Thread.run (threading.py:982)');
  // The whole frame in the tooltip and the details line.
  await (await b.frame(page, `${RESPONSE} (25 samples, 25.00%)`)).hover();
  t.is(await page.textContent('#details'), `Function: ${RESPONSE} (25 samples, 25.00%)`);
  // Zoomed into handle_request (41 samples over 1180 px), Response.write is 460.5 px: its whole label.
  await (await b.frame(page, `${SYNC} (41 samples, 41.00%)`)).click();
  frames = await b.frames(page);
  t.is(byName(frames, WRITE).label, 'Response.write (wsgi.py:330)');
  t.is(byName(frames, SYNC).label, 'SyncWorker.handle_request (sync.py:178)');
  await page.click('#unzoom');
  t.is(byName(await b.frames(page), WRITE).label, 'Response.write (wsgi.py:..');
  // Search matches the whole frame, path included.
  answers.push('dist-packages/django');
  await page.click('#search');
  t.is(await page.textContent('#matched'), 'Matched: 25.0%');
  t.deepEqual(errors, []);
  await page.close();
});

run('--frame-labels full: the labels flamegraph.pl draws, also after a zoom', async (t) => {
  const { page, errors } = await b.open(browser, await rendered(['--frame-labels', 'full'], 'full'));
  let frames = await b.frames(page);
  t.is(byName(frames, RESPONSE).label, '/usr/lib/python3/dist-packages/django/c..');
  t.is(byName(frames, WRITE).label, '/usr/lib/python3/dist-pa..');
  await (await b.frame(page, `${SYNC} (41 samples, 41.00%)`)).click();
  frames = await b.frames(page);
  t.is(byName(frames, WRITE).label, b.fit(WRITE, byName(frames, WRITE).width));
  t.deepEqual(errors, []);
  await page.close();
});
