// pyflamegraph's pure parts: number formatting as Perl prints, escaping,
// labels, Python frame kinds, colours, stack merging.

import test from 'ava';
import { diffColor, frameColor, namehash, seededRand } from '../src/svg/color';
import { fixed, perlNumber, withCommas } from '../src/svg/format';
import { StackReader, splitFrames } from '../src/svg/input';
import { compareCodePoints } from '../src/svg/order';
import { StackTable } from '../src/svg/stacks';
import { label } from '../src/svg/layout';
import { markWakers, mergeStacks } from '../src/svg/merge';
import { extraAttrs, parseNameAttr, parsePaletteMap, formatPaletteMap, unsafeUrl } from '../src/svg/nameattr';
import { parseEncoding, parseMinWidth } from '../src/svg/options';
import { looksLikePython, type PythonKind, pythonKind } from '../src/svg/python';
import { cdata, charRefs, commentText, escapeAttr, escapeText, jsString, xmlChars } from '../src/svg/xml';

test('fixed() rounds exact ties to even, as C printf (and flamegraph.pl) do', (t) => {
  t.is(fixed(116.25, 1), '116.2');
  t.is(fixed(116.35, 1), '116.3'); // 116.35 is not a tie in binary: rounds as toFixed does
  t.is(fixed(0.125, 2), '0.12');
  t.is(fixed(0.375, 2), '0.38');
  t.is(fixed(0.5, 0), '0');
  t.is(fixed(1.5, 0), '2');
  t.is(fixed(2.5, 0), '2');
  t.is(fixed(-2.5, 0), '-2');
  t.is(fixed(102.50000000000003, 0), '103');
  t.is(fixed(10, 1), '10.0');
  t.is(fixed(-0.001, 2), '-0.00');
});

test('perlNumber() prints as Perl does (15 significant digits)', (t) => {
  t.is(perlNumber(24), '24');
  t.is(perlNumber(0.1 + 0.2), '0.3');
  t.is(perlNumber(127.5), '127.5');
  t.is(perlNumber(19.625000000000004), '19.625');
});

test('withCommas() groups thousands', (t) => {
  t.is(withCommas('7'), '7');
  t.is(withCommas('1000'), '1,000');
  t.is(withCommas('10101010'), '10,101,010');
  t.is(withCommas('-1234567'), '-1,234,567');
});

test('escaping for text, attributes, CDATA, comments and JavaScript', (t) => {
  t.is(escapeText('a<b>&c]]>"'), 'a&lt;b&gt;&amp;c]]&gt;"');
  t.is(escapeAttr('a"b\t<'), 'a&quot;b&#9;&lt;');
  t.is(xmlChars('a\x00b\x1fc\ufffed\tx\ud800'), 'a\ufffdb\ufffdc\ufffdd\tx\ufffd');
  t.is(xmlChars('𐐀'), '𐐀');
  t.is(cdata('x]]>y'), '<![CDATA[x]]]]><![CDATA[>y]]>');
  t.is(cdata('é λ', 0xff), '<![CDATA[é ]]>&#x3bb;<![CDATA[]]>');
  t.is(charRefs('é λ 𐐀', 0x7f), '&#xe9; &#x3bb; &#x10400;');
  t.is(commentText('a--b-'), 'a- -b- ');
  t.is(commentText('<x>'), '&lt;x&gt;');
  t.is(jsString(`it's </script> ]]> \\ \u2028 é`), "'it\\u0027s \\u003c/script\\u003e \\u005d\\u005d\\u003e \\u005c \\u2028 \\u00e9'");
  t.is(eval(jsString(`it's </script> ]]> \\ \u2028 é`)), `it's </script> ]]> \\ \u2028 é`);
});

test('labels: whole names, or cut with ".." counting characters, none under 3', (t) => {
  t.is(label('handle_request', 20), 'handle_request');
  t.is(label('handle_request', 8), 'handle..');
  t.is(label('handle_request', 3), 'h..');
  t.is(label('handle_request', 2), '');
  t.is(label('𐐀𐐀𐐀𐐀𐐀', 5), '𐐀𐐀𐐀𐐀𐐀');
  t.is(label('𐐀𐐀𐐀𐐀𐐀𐐀', 5), '𐐀𐐀𐐀..');
});

test('Python frame kinds: own code, standard library, packages, native', (t) => {
  const cases: [string, PythonKind][] = [
    ['/srv/app/handlers.py:Handler.get:42', 'own'],
    ['app/views.py:handle_request:42', 'own'],
    ['<string>:<module>:1', 'own'],
    ['/usr/lib/python3.12/threading.py:Thread.run:1010', 'stdlib'],
    ['/home/u/.pyenv/versions/3.11.4/lib/python3.11/json/decoder.py:raw_decode:353', 'stdlib'],
    ['threading.py:run:975', 'stdlib'],
    ['json/decoder.py:decode:337', 'stdlib'],
    ['<frozen importlib._bootstrap>:_find_and_load:1360', 'stdlib'],
    ['C:\\Python312\\Lib\\socket.py:recv:10', 'stdlib'],
    ['/opt/venv/lib/python3.12/site-packages/django/db/models/query.py:_fetch_all:1928', 'package'],
    ['/usr/lib/python3/dist-packages/requests/api.py:get:73', 'package'],
    ['get (/opt/venv/lib/python3.12/site-packages/flask/app.py:880)', 'package'],
    ['handle (app/server.py:17)', 'own'],
    ['[idle]', 'native'],
    ['MainThread', 'native'],
    ['Thread-1 (worker)', 'native'],
    ['time.sleep', 'native'],
    ['do_syscall_64_[k]', 'native'],
    ['libc.so.6:__select:0', 'native'],
  ];
  for (const [frame, kind] of cases) t.is(pythonKind(frame), kind, frame);
});

test('looksLikePython: pyfold and py-spy stacks yes, perf and Java stacks no', (t) => {
  t.true(looksLikePython(['MainThread;/srv/app/a.py:main:3;/srv/app/b.py:f:9', 'worker;threading.py:run:975;[idle]']));
  t.true(looksLikePython(['process 12:"python app.py";main (app.py:3);f (b.py:9)']));
  t.false(looksLikePython(['java;start_thread;JavaMain;Ljava/lang/Thread;::run_[j]', 'swapper;cpu_idle;default_idle_[k]']));
  t.false(looksLikePython([]));
});

test('colours: flamegraph.pl default shades come from Perl srand(sum of code points) + rand()', (t) => {
  t.is(seededRand(97), 0.638651976668374); // perl -e 'srand(97); print rand(1)'
  t.is(seededRand(0), 0.17082803610628972);
  // flamegraph.pl's colours in the conformance SVGs (python.colors-java.svg, python.default.svg).
  t.is(frameColor('hot', 'name', 'threading.py:run:975'), 'rgb(206,5,1)');
  t.is(frameColor('hot', 'name', 'queue.py:get:171'), 'rgb(209,22,5)');
  t.is(frameColor('hot', 'name', 'threading.py:run:975'), frameColor('hot', 'name', 'threading.py:run:975'));
  t.true(namehash('abc') > 0 && namehash('abc') <= 1);
  t.is(namehash('mod`abc'), namehash('abc'));
  t.is(diffColor(5, 10, false), 'rgb(255,105,105)');
  t.is(diffColor(5, 10, true), 'rgb(105,105,255)');
  t.is(diffColor(0, 10, false), 'rgb(255,255,255)');
});

test('python palette: four hues apart', (t) => {
  const rgb = (s: string): number[] => s.slice(4, -1).split(',').map(Number);
  const [or, og, ob] = rgb(frameColor('python', 'name', '/srv/app/a.py:f:1'));
  t.true(or! >= 230 && ob! <= 70 && og! < or!, 'own: orange');
  const [sr, , sb] = rgb(frameColor('python', 'name', '/usr/lib/python3.12/ssl.py:read:1'));
  t.true(sb! >= 230 && sr! <= 160, 'stdlib: blue');
  const [pr, pg, pb] = rgb(frameColor('python', 'name', '/v/lib/python3.12/site-packages/x/y.py:f:1'));
  t.true(pg! >= 195 && pr! < pg! && pb! < pg!, 'packages: green');
  const [nr, ng, nb] = rgb(frameColor('python', 'name', '[idle]'));
  t.true(nr === ng && ng === nb, 'native: grey');
});

test('input parsing: counts, differential lines, reverse, sort order as Perl', (t) => {
  const bad: string[] = [];
  const r = new StackReader({ reverse: false }, (_w, line) => bad.push(line));
  const where = { file: 'x', line: 1 };
  for (const l of ['a;b 3', 'a;b.x 1', 'a;b;c 2', 'x 1.5 2.5', '# meta 5', '', 'junk', ' 4']) r.add(l, where);
  const res = r.finish(false);
  t.deepEqual(bad, ['junk']);
  const text = (i: number): string => res.table.stackText(i) + res.table.tail[i];
  t.deepEqual(res.order.map(text), [' 4', 'a;b 3', 'a;b.x 1', 'a;b;c 2', 'x 1.5 2.5']);
  t.is(res.total, 3 + 1 + 2 + 2.5 + 4);
  t.is(res.table.delta[res.order[4]!], 1);
  const rev = new StackReader({ reverse: true }, () => {});
  rev.add('a;b;c 2', where);
  rev.add('a;b;; 1', where);
  const rres = rev.finish(false);
  t.deepEqual(rres.order.map((i) => rres.table.stackText(i)), ['b;a', 'c;b;a']);
  t.deepEqual(splitFrames('a;;b;;'), ['a', '', 'b']);
  t.true(compareCodePoints('\uffff', '𐐀') < 0); // U+FFFF < U+10400, unlike UTF-16 order
  t.true(compareCodePoints('a', 'ab') < 0);
});

test('merging: adjacent equal stacks merge, a frame seen again after a sibling is new', (t) => {
  const table = (lines: [string, number, number?][]): StackTable => {
    const tb = new StackTable();
    for (const [stack, count, delta] of lines) tb.add(splitFrames(stack), ' ', count, delta ?? NaN);
    return tb;
  };
  const all = (tb: StackTable): number[] => Array.from({ length: tb.size }, (_, i) => i);
  const t1 = table([['a;b', 3], ['a;b.x', 1], ['a;b;c', 2]]);
  const f = mergeStacks(t1, all(t1), { minTime: 0, chain: false });
  const frames = f.name.map((n, i) => `${n}@${f.depth[i]}:${f.start[i]}-${f.end[i]}`).sort();
  t.deepEqual(frames, ['@0:0-6', 'a@1:0-6', 'b.x@2:3-4', 'b@2:0-3', 'b@2:4-6', 'c@3:4-6']);
  t.is(f.maxDepth, 3);
  const t2 = table([['a;b', 99], ['a;c', 1]]);
  const narrow = mergeStacks(t2, all(t2), { minTime: 2, chain: false });
  t.deepEqual(narrow.name.slice().sort(), ['', 'a', 'b']);
  const t3 = table([['a;b', 5, 2], ['a;c', 5, -1]]);
  const diff = mergeStacks(t3, all(t3), { minTime: 0, chain: false });
  const delta = Object.fromEntries(diff.name.map((n, i) => [n, diff.delta[i]]));
  t.deepEqual(delta, { '': 0, a: 0, b: 2, c: -1 });
  t.is(markWakers('off;cpu;--;waker;w2'), 'off;cpu;--;waker_[w];w2_[w]');
  t.is(markWakers('off;cpu'), 'off;cpu;--;');
});

test('side files and option values', (t) => {
  const m = parseNameAttr('main\ttitle=x=y\thref=https://e.com\n', 'f');
  t.deepEqual(m.get('main'), { title: 'x=y', href: 'https://e.com' });
  t.throws(() => parseNameAttr('no tab here\n', 'f'), { message: /f:1: expected/ });
  t.deepEqual(extraAttrs('onclick="x" data-a="1" style=\'c\' href="javascript:1" xlink:href=" java\tscript:2" b:c="3"'), [
    ['data-a', '1'],
    ['style', 'c'],
  ]);
  t.true(unsafeUrl(' JavaScript:alert(1)'));
  t.false(unsafeUrl('https://example.com'));
  const p = parsePaletteMap('b->rgb(1,2,3)\na->#aabbcc\nbad->red"/>\n');
  t.deepEqual([...p], [['b', 'rgb(1,2,3)'], ['a', '#aabbcc']]);
  t.is(formatPaletteMap(p), 'a->#aabbcc\nb->rgb(1,2,3)\n');
  t.deepEqual(parseMinWidth('1%'), { value: 1, percent: true });
  t.deepEqual(parseMinWidth('0.5'), { value: 0.5, percent: false });
  t.throws(() => parseMinWidth('1.2.3'));
  t.is(parseEncoding('iso-8859-1').maxChar, 0xff);
  t.throws(() => parseEncoding('"><x'));
});
