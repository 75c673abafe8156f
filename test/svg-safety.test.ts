// Any frame name and any option value gives well-formed XML (checked with
// xmllint) that carries no script of its own: `</script><script>`, `]]>`,
// quotes, control characters and invalid UTF-8 in frames, --title,
// --subtitle, --notes, --countname, --nametype and --nameattr values.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Ran, runTool } from './helpers/run';
import * as vm from 'node:vm';
import fc from 'fast-check';
import { parseSvg } from './fixtures/svg/structure';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/pyflamegraph');
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'pyflamegraph-safety-'));
test.after.always(() => fs.rmSync(TMP, { recursive: true, force: true }));

const run = (args: string[], input: Buffer | string): Promise<Ran> => runTool(BIN, args, { stdin: input, cwd: TMP });

/** xmllint's verdict on a document: '' when well-formed, else its complaint. */
function xmllint(doc: Buffer): string {
  const file = path.join(TMP, `doc-${process.hrtime.bigint()}.svg`);
  fs.writeFileSync(file, doc);
  const r = spawnSync('xmllint', ['--noout', '--nonet', file], { encoding: 'utf8' });
  fs.rmSync(file);
  return r.status === 0 ? '' : r.stderr || `xmllint exit ${r.status}`;
}

/** The document's <script> elements and its only on* attribute (onload="init(evt)"). */
function checkNoInjection(t: { is: (a: unknown, b: unknown, m?: string) => void; deepEqual: (a: unknown, b: unknown, m?: string) => void }, svg: string): void {
  t.is((svg.match(/<script\b/g) ?? []).length, 2, 'exactly two script elements');
  t.deepEqual([...svg.matchAll(/\s(on[a-z]+)="/gi)].map((m) => m[1]), ["onload"], 'one event handler: onload');
  t.is((svg.match(/<!\[CDATA\[/g) ?? []).length, (svg.match(/\]\]>/g) ?? []).length, 'CDATA sections balanced');
}

const evil = [
  '</script><script>alert(1)</script>',
  ']]><script>alert(2)</script><![CDATA[',
  '<![CDATA[',
  '"quoted" & \'single\'',
  '<module>',
  '<lambda>',
  'tab\there',
  'ctl\x01\x02\x07\x0b\x0c\x1b\x7f',
  '--> <!-- comment',
  '\ufffe\uffff',
  '\u2028\u2029',
  '${x}`y`\\',
  'é λ 𐐀 日本語',
];

test('hostile frame names: well-formed, no injected script, names shown as text', async (t) => {
  if (!hasXmllint) {
    if (process.env.CI === 'true') t.fail('xmllint is missing (apt-get install libxml2-utils)');
    else t.pass('xmllint missing: skipped');
    return;
  }
  const lines = evil.map((name, i) => `main;${name};leaf${i} ${10 + i}`).join('\n');
  // invalid UTF-8 bytes and an overlong/surrogate encoding inside a frame
  const input = Buffer.concat([Buffer.from(`${lines}\nmain;bad`), Buffer.from([0xff, 0xfe, 0xc0, 0xaf, 0xed, 0xa0, 0x80]), Buffer.from(';x 5\n')]);
  const r = await run(['--colors', 'hot'], input);
  t.is(r.code, 0, r.stderr);
  t.is(xmllint(r.stdout), '');
  const svg = r.stdout.toString('utf8');
  checkNoInjection(t, svg);
  const titles = parseSvg(svg).frames.map((f) => f.title);
  t.true(titles.some((x) => x.startsWith('</script><script>alert(1)</script> (')));
  t.true(titles.some((x) => x.startsWith(']]><script>alert(2)</script><![CDATA[ (')));
  t.true(titles.some((x) => x.startsWith('ctl\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\x7f (')), 'control characters become U+FFFD');
  t.true(titles.some((x) => x.startsWith('bad\ufffd')), 'invalid UTF-8 becomes U+FFFD');
  t.true(titles.some((x) => x.startsWith('é λ 𐐀 日本語 (')));
});

test('hostile option values: well-formed, no injected script, configuration intact', async (t) => {
  if (!hasXmllint) {
    if (process.env.CI === 'true') t.fail('xmllint is missing (apt-get install libxml2-utils)');
    else t.pass('xmllint missing: skipped');
    return;
  }
  const nasty = `x</script><script>alert(3)</script>]]>'"\\\u2028--> ctl\x01`;
  const attrs = path.join(TMP, 'attrs.tsv');
  fs.writeFileSync(
    attrs,
    [
      `main\ttitle=${nasty}\tclass=c" onclick="alert(4)\tid=i'd`,
      'leaf\thref=javascript:alert(5)\tg_extra=onmouseover="alert(6)" data-x="ok"',
      'other\thref=https://example.com/?a=1&b="2"\ttarget=_blank\ta_extra=onclick=alert(7) rel="noopener"',
    ].join('\n'),
  );
  const r = await run(
    ['--title', nasty, '--subtitle', nasty, '--notes', nasty, '--countname', nasty, '--nametype', nasty, '--nameattr', attrs],
    'main;leaf 5\nmain;other 3\n',
  );
  t.is(r.code, 0, r.stderr);
  t.is(xmllint(r.stdout), '');
  const svg = r.stdout.toString('utf8');
  checkNoInjection(t, svg);
  const shape = parseSvg(svg);
  const clean = nasty.replace('\x01', '\ufffd');
  t.is(shape.texts.get('title')![2], clean);
  t.is(shape.texts.get('subtitle')![2], clean);
  t.true(shape.frames.some((f) => f.title === clean), 'nameattr title replaces the tooltip');
  t.true(shape.frames.some((f) => f.title.startsWith(`leaf (5 ${clean}, `)), 'countname in tooltips');
  t.false(/javascript:/.test(svg), 'javascript: link dropped');
  t.regex(svg, /<a xlink:href="https:\/\/example.com\/\?a=1&amp;b=&quot;2&quot;" target="_blank" rel="noopener">/);
  t.regex(svg, /<g id="i'd" class="c&quot; onclick=&quot;alert\(4\)">/);
  t.regex(svg, /<g data-x="ok">/);
  // The configuration script runs and holds exactly the given values.
  const config = /<script type="text\/ecmascript"><!\[CDATA\[([\s\S]*?)\]\]><\/script>/.exec(svg)![1]!;
  const ctx: Record<string, unknown> = {};
  vm.runInNewContext(config, ctx);
  t.is(ctx.nametype, nasty); // a JS string: \u escapes carry even control characters
  t.is(ctx.fontsize, 12);
  t.is(ctx.inverted, false);
  t.is(ctx.searchcolor, 'rgb(230,0,230)');
  // The notes comment holds the text (made comment-safe), nothing after it.
  const notes = /<!-- NOTES: ([\s\S]*?) -->/.exec(svg)![1]!;
  t.false(notes.includes('--'));
  t.true(notes.includes(`x&lt;/script&gt;&lt;script&gt;alert(3)&lt;/script&gt;]]&gt;'"`));
});

test('the error SVG of empty input is well-formed too, whatever the options', async (t) => {
  if (!hasXmllint) {
    if (process.env.CI === 'true') t.fail('xmllint is missing (apt-get install libxml2-utils)');
    else t.pass('xmllint missing: skipped');
    return;
  }
  const nasty = `</text><script>alert(8)</script>]]>--\x01`;
  const r = await run(['--title', nasty, '--notes', nasty, '--fonttype', 'DejaVu Sans'], '');
  t.is(r.code, 1);
  t.is(xmllint(r.stdout), '');
  t.false(/<script/.test(r.stdout.toString('utf8')));
  t.regex(r.stdout.toString('utf8'), /ERROR: No valid input provided/);
});

test('property: any frame names give well-formed XML with the names intact', async (t) => {
  if (!hasXmllint) {
    if (process.env.CI === 'true') t.fail('xmllint is missing (apt-get install libxml2-utils)');
    else t.pass('xmllint missing: skipped');
    return;
  }
  const frame = fc.string({ unit: fc.oneof(fc.constantFrom('<', '>', '&', '"', "'", ']', '\x00', '\x1f', '\ufffe', '-', ' '), fc.integer({ min: 0, max: 0x10ffff }).filter((c) => c < 0xd800 || c > 0xdfff).map((c) => String.fromCodePoint(c))), minLength: 1, maxLength: 12 })
    .filter((s) => !/[;\n\r]/.test(s) && !/\s\d*\.?\d*$/.test(s) && s.trim() === s);
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(frame, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 25 }), async (stacks) => {
      const input = stacks.map((s, i) => `${s.join(';')} ${i + 1}`).join('\n');
      const r = await run(['--colors', 'hot', '--minwidth', '0'], input);
      t.is(r.code, 0, r.stderr);
      t.is(xmllint(r.stdout), '');
      const svg = r.stdout.toString('utf8');
      checkNoInjection(t, svg);
      const shown = new Set(parseSvg(svg).frames.map((f) => f.title.replace(/ \(\d[\d,]* samples, [\d.]+%\)$/, '')));
      const sanitize = (s: string): string =>
        s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g, '\ufffd').replace(/_\[[kwij]\]$/, '');
      for (const s of stacks) for (const f of s) t.true(shown.has(sanitize(f)), `frame ${JSON.stringify(f)} shown`);
    }),
    { numRuns: 15 },
  );
});

test('--encoding ISO-8859-1 and US-ASCII: declared, well-formed, the same text', async (t) => {
  if (!hasXmllint) {
    if (process.env.CI === 'true') t.fail('xmllint is missing (apt-get install libxml2-utils)');
    else t.pass('xmllint missing: skipped');
    return;
  }
  const input = 'main;café;λx;𐐀 5\nmain;plain 3\n';
  const utf8 = parseSvg((await run(['--title', 'naïve λ'], input)).stdout.toString('utf8'));
  for (const enc of ['ISO-8859-1', 'US-ASCII']) {
    const r = await run(['--title', 'naïve λ', '--encoding', enc], input);
    t.is(r.code, 0, r.stderr);
    t.is(xmllint(r.stdout), '', enc);
    const text = r.stdout.toString('latin1');
    t.true(text.startsWith(`<?xml version="1.0" encoding="${enc}" standalone="no"?>`));
    if (enc === 'US-ASCII') t.false(/[^\x00-\x7f]/.test(text), 'only ASCII bytes');
    const shape = parseSvg(text);
    t.deepEqual(shape.frames.map((f) => f.title), utf8.frames.map((f) => f.title), enc);
    t.is(shape.texts.get('title')![2], 'naïve λ');
  }
});
