// What the options and input kinds do to the picture, and the document shape
// the interactive script relies on, checked on real bin/pyflamegraph output.

import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTool } from './helpers/run';
import { type FrameShape, parseSvg } from './fixtures/svg/structure';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/pyflamegraph');
const APP = path.join(ROOT, 'test/fixtures/svg/app.folded');

async function run(args: string[], input = '', cwd = ROOT, bin = BIN): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = await runTool(bin, args, { stdin: input, cwd });
  return { code: r.code, stdout: r.stdout.toString(), stderr: r.stderr };
}

const rgb = (f: FrameShape): number[] => f.fill.slice(4, -1).split(',').map(Number);
const named = (frames: FrameShape[], name: string): FrameShape[] => frames.filter((f) => f.title.startsWith(`${name} (`));

test('document shape: root attributes, style, configuration script, interactive script, controls, frames', async (t) => {
  const r = await run([APP]);
  t.is(r.code, 0);
  const svg = r.stdout;
  t.regex(svg, /^<\?xml version="1.0" standalone="no"\?>\n<!DOCTYPE svg /);
  t.regex(svg, /\n<svg version="1.1" width="1200" height="\d+" onload="init\(evt\)" viewBox="0 0 1200 \d+" xmlns="http:\/\/www.w3.org\/2000\/svg" xmlns:xlink="http:\/\/www.w3.org\/1999\/xlink">\n/);
  const order = ['<style type="text/css">', '<script type="text/ecmascript"><![CDATA[\nvar nametype = ', '<script type="text/ecmascript">',
    '<text id="title"', '<text id="details"', '<text id="unzoom" x="10.00" y="24" class="hide">Reset Zoom</text>',
    '<text id="search"', '>Search</text>', '<text id="ignorecase"', '>ic</text>', '<text id="matched"', '<g id="frames">\n<g><title>all ('];
  let at = 0;
  for (const s of order) {
    const i = svg.indexOf(s, at);
    t.true(i >= at, `${s} after the previous part`);
    at = i + 1;
  }
  for (const v of ["var nametype = 'Function:';", 'var fontsize = 12;', 'var fontwidth = 0.59;', 'var xpad = 10;',
    'var inverted = false;', "var searchcolor = 'rgb(230,0,230)';", 'var fluiddrawing = false;', 'var truncate_text_right = true;']) {
    t.true(svg.includes(v), v);
  }
  const js = fs.readFileSync(path.join(ROOT, 'src/svg/assets/flamegraph.js'), 'utf8');
  t.true(svg.includes(js.replace(/\]\]>/g, ']]]]><![CDATA[>')), 'flamegraph.js embedded whole');
  // Every frame: <g><title/><rect x y width height fill rx ry/><text x y [data-label]>label</text></g>
  const frames = svg.slice(svg.indexOf('<g id="frames">') + 16, svg.lastIndexOf('</g>\n</svg>')).split('\n').filter(Boolean);
  for (const f of frames) {
    t.regex(f, /^<g><title>[^<]*<\/title><rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+" fill="rgb\(\d+,\d+,\d+\)" rx="2" ry="2"\/><text x="[\d.]+" y="[\d.]+"(?: data-label="[^"<]*")?>[^<]*<\/text><\/g>$/);
  }
  t.is(frames.length, parseSvg(svg).frames.length);
});

test('python palette by default on Python stacks: own, stdlib, packages and native apart', async (t) => {
  const frames = parseSvg((await run([APP])).stdout).frames;
  for (const f of named(frames, '/srv/app/handlers.py:Handler.get:42')) t.true(rgb(f)[0]! >= 230 && rgb(f)[2]! <= 70, 'own: orange');
  for (const f of named(frames, '/usr/lib/python3.12/threading.py:Thread.run:1010')) t.true(rgb(f)[2]! >= 230, 'stdlib: blue');
  for (const f of named(frames, '/opt/venv/lib/python3.12/site-packages/psycopg2/extras.py:DictCursor.execute:146')) {
    t.true(rgb(f)[1]! >= 195 && rgb(f)[0]! < rgb(f)[1]!, 'package: green');
  }
  for (const f of [...named(frames, '[idle]'), ...named(frames, 'python3')]) t.true(new Set(rgb(f)).size === 1, 'native: grey');
  // --colors hot takes over, and a non-Python input gets hot by default.
  const hot = parseSvg((await run(['--colors', 'hot', APP])).stdout).frames;
  for (const f of hot) t.true(rgb(f)[0]! >= 205 && rgb(f)[2]! <= 55, `${f.fill} is hot`);
  const perf = parseSvg((await run([], 'swapper;start_kernel;cpu_idle 50\njava;start_thread;JavaMain 50\n')).stdout).frames;
  for (const f of perf) t.true(rgb(f)[0]! >= 205 && rgb(f)[2]! <= 55, `${f.fill} is hot`);
});

test('differential input: widths from the second count, red grew, blue shrank; --negate swaps', async (t) => {
  const input = 'main;grow 10 30\nmain;shrink 30 10\nmain;same 5 5\n';
  const frames = parseSvg((await run([], input)).stdout).frames;
  const [grow] = named(frames, 'grow');
  const [shrink] = named(frames, 'shrink');
  const [same] = named(frames, 'same');
  t.is(grow!.title, 'grow (30 samples, 66.67%; +44.44%; before 10 samples, 22.22%; after 30 samples, 66.67%)');
  t.is(shrink!.title, 'shrink (10 samples, 22.22%; -44.44%; before 30 samples, 66.67%; after 10 samples, 22.22%)');
  t.is(same!.title, 'same (5 samples, 11.11%; 0.00%; before 5 samples, 11.11%; after 5 samples, 11.11%)');
  const short = parseSvg((await run(['--diff-tooltips', 'short'], input)).stdout).frames;
  t.is(named(short, 'grow')[0]!.title, 'grow (30 samples, 66.67%; +44.44%)');
  t.deepEqual(rgb(grow!), [255, 0, 0]);
  t.deepEqual(rgb(shrink!), [0, 0, 255]);
  t.deepEqual(rgb(same!), [255, 255, 255]);
  const neg = parseSvg((await run(['--negate'], input)).stdout).frames;
  t.is(named(neg, 'grow')[0]!.title, 'grow (30 samples, 66.67%; -44.44%; before 10 samples, 22.22%; after 30 samples, 66.67%)');
  t.deepEqual(rgb(named(neg, 'grow')[0]!), [0, 0, 255]);
});

test('--flamechart keeps input order; the default sorts and merges', async (t) => {
  const input = 'main;b 1\nmain;a 1\nmain;b 1\n';
  const order = (svg: string): string[] =>
    parseSvg(svg).frames.filter((f) => /^[ab] /.test(f.title)).sort((x, y) => x.x - y.x).map((f) => f.title);
  t.deepEqual(order((await run([], input)).stdout), ['a (1 samples, 33.33%)', 'b (2 samples, 66.67%)']);
  const chart = await run(['--flamechart'], input);
  t.deepEqual(order(chart.stdout), ['b (1 samples, 33.33%)', 'a (1 samples, 33.33%)', 'b (1 samples, 33.33%)']);
  t.is(parseSvg(chart.stdout).texts.get('title')![2], 'Flame Chart');
});

test('--inverted puts the root on top; --reverse merges at the leaves', async (t) => {
  const input = 'a;x;leaf 2\nb;y;leaf 3\n';
  const ice = parseSvg((await run(['--inverted'], input)).stdout);
  t.is(ice.texts.get('title')![2], 'Icicle Graph');
  const root = named(ice.frames, 'all')[0]!;
  t.is(root.y, 36);
  t.true(ice.frames.every((f) => f.y >= root.y));
  const rev = parseSvg((await run(['--reverse'], input)).stdout).frames;
  t.deepEqual(named(rev, 'leaf').map((f) => f.title), ['leaf (5 samples, 100.00%)']);
});

test('--minwidth, --total, --factor, --countname, --width, --height, --fontsize', async (t) => {
  const input = 'main;big 990\nmain;small 10\n';
  t.is(named(parseSvg((await run(['--minwidth', '2%'], input)).stdout).frames, 'small').length, 0);
  t.is(named(parseSvg((await run(['--minwidth', '5'], input)).stdout).frames, 'small').length, 1);
  t.is(named(parseSvg((await run(['--minwidth', '12'], input)).stdout).frames, 'small').length, 0);
  const total = parseSvg((await run(['--total', '2000'], input)).stdout).frames;
  t.is(named(total, 'main')[0]!.width, 590);
  t.is(named(total, 'all')[0]!.title, 'all (2,000 samples, 100%)');
  const low = await run(['--total', '500'], input);
  t.regex(low.stderr, /--total 500 is less than the actual total 1000, so ignored/);
  t.is(named(parseSvg((await run(['--factor', '0.5', '--countname', 'ms'], input)).stdout).frames, 'big')[0]!.title, 'big (495 ms, 99.00%)');
  const big = parseSvg((await run(['--width', '600', '--height', '20', '--fontsize', '10'], input)).stdout);
  t.is(big.width, 600);
  t.is(big.height, 3 * 20 + 30 + 30);
  t.is(named(big.frames, 'main')[0]!.height, 19);
});

test('--cp reads and extends palette.map in the current directory', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pyflamegraph-cp-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'palette.map'), 'main->rgb(1,2,3)\n');
  const r = await run(['--cp', '--colors', 'hot'], 'main;f 5\n', dir);
  t.is(r.code, 0);
  t.deepEqual(rgb(named(parseSvg(r.stdout).frames, 'main')[0]!), [1, 2, 3]);
  const map = fs.readFileSync(path.join(dir, 'palette.map'), 'utf8');
  t.regex(map, /^->rgb\(\d+,\d+,\d+\)\nf->rgb\(\d+,\d+,\d+\)\nmain->rgb\(1,2,3\)\n$/);
  const again = await run(['--cp', '--random'], 'main;f 5\n', dir);
  t.is(again.stdout.match(/fill="rgb\([^"]*\)"/g)!.join(), r.stdout.match(/fill="rgb\([^"]*\)"/g)!.join(), 'same colours from the map');
});

test('missing interactive script: exit 1 with a clear message', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pyflamegraph-noassets-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.cpSync(path.join(ROOT, 'dist/src'), path.join(dir, 'dist/src'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'bin'), path.join(dir, 'bin'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  const r = await run([], 'a;b 1\n', dir, path.join(dir, 'bin/pyflamegraph'));
  t.is(r.code, 1);
  t.is(r.stdout, '');
  t.regex(r.stderr, /^pyflamegraph: cannot read .*src\/svg\/assets\/flamegraph\.js: the interactive script is missing \(reinstall pyflamegraph\)\n$/);
});
