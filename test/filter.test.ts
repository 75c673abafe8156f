// pyfilter's pure core: matching, the stack rewrites, and the line filter.

import test from 'ava';
import fc from 'fast-check';
import { DEFAULT_OPTIONS, type FilterOptions, LineFilter, NOT_FOLDED, StackFilter } from '../src/filter/filter';
import { FrameMatcher, PatternError, frameText } from '../src/filter/match';
import { collapseRecursion, functionOf, hideFrames, isIdle, pruneBelow, reRoot } from '../src/filter/reshape';

const utf8AsRead = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
const opts = (o: Partial<FilterOptions>): FilterOptions => ({ ...DEFAULT_OPTIONS, ...o });
const run = (o: Partial<FilterOptions>, lines: string[]): string[] => {
  const f = new LineFilter(opts(o));
  const out = lines.map((l) => f.push(l)).join('') + [...f.finish()].join('');
  return out.split('\n').filter(Boolean);
};

test('isIdle: only a leaf that is exactly [idle] or (idle)', (t) => {
  t.true(isIdle('app.py:main:3;[idle]'));
  t.true(isIdle('python3;app.py:main:3;[idle]'));
  t.true(isIdle('[idle]'));
  t.true(isIdle('(idle)'));
  t.false(isIdle('[idle];app.py:main:3'));
  t.false(isIdle('python3;threading.py:Condition.wait:355'));
  t.false(isIdle('python3;threading.py:Thread.idle_loop:99'));
  t.false(isIdle('swapper;cpu_idle'));
  t.false(isIdle('a;[idle] '));
  t.false(isIdle('a;x[idle]'));
});

test('FrameMatcher: a Unicode pattern matches the UTF-8 bytes of a frame read as latin1', (t) => {
  const frame = utf8AsRead('app.py:rec_é:3');
  t.is(frame.length, 'app.py:rec_é:3'.length + 1);
  const m = new FrameMatcher(['rec_é']);
  t.true(m.test(frame));
  t.true(new FrameMatcher(['rec_.:']).test(frame), '. is one character, not one byte');
  t.false(new FrameMatcher(['rec_..:']).test(frame));
  t.true(new FrameMatcher(['^app\\.py:.*é:3$']).test(frame));
  t.true(new FrameMatcher(['😀']).test(utf8AsRead('f😀')));
  t.true(new FrameMatcher(['^f.$']).test(utf8AsRead('f😀')), 'u flag: . spans an astral character');
  t.is(frameText(utf8AsRead('ü')), 'ü');
});

test('FrameMatcher: invalid UTF-8 in a frame neither throws nor matches a real character', (t) => {
  const frame = 'a\xffb';
  t.false(new FrameMatcher(['ÿ']).test(frame));
  t.true(new FrameMatcher(['^a\\uFFFDb$']).test(frame));
  t.true(new FrameMatcher(['^a.b$']).test(frame));
});

test('FrameMatcher: anchors apply to one frame; any pattern may match', (t) => {
  const m = new FrameMatcher(['^main$', 'zzz']);
  t.true(m.any(['x', 'main', 'y']));
  t.false(m.any(['x;main', 'mainly']));
  t.is(m.outermost(['a', 'main', 'b', 'main']), 1);
  t.is(new FrameMatcher(['a;b']).outermost(['a', 'b']), -1, 'a pattern never spans frames');
  t.true(new FrameMatcher([]).isEmpty);
});

test('FrameMatcher: a bad pattern is a PatternError naming the pattern', (t) => {
  const err = t.throws(() => new FrameMatcher(['ok', 'x(']), { instanceOf: PatternError });
  t.regex(err!.message, /^bad regular expression "x\(": Unterminated group$/);
  t.throws(() => new FrameMatcher(['a{']), { instanceOf: PatternError }, 'u flag is strict');
});

test('reRoot: the outermost match becomes the root; no match drops the stack', (t) => {
  const m = new FrameMatcher(['^h']);
  t.deepEqual(reRoot(['main', 'h1', 'x', 'h2', 'y'], m), ['h1', 'x', 'h2', 'y']);
  t.deepEqual(reRoot(['h', 'x'], m), ['h', 'x']);
  t.is(reRoot(['main', 'x'], m), null);
});

test('hideFrames: removes every match, keeps the order of the rest', (t) => {
  const m = new FrameMatcher(['wrap']);
  t.deepEqual(hideFrames(['main', 'wrap', 'f', 'wrapper', 'g'], m), ['main', 'f', 'g']);
  t.deepEqual(hideFrames(['wrap'], m), []);
});

test('pruneBelow: keeps the outermost match as the leaf; no match leaves the stack alone', (t) => {
  const m = new FrameMatcher(['^sql']);
  t.deepEqual(pruneBelow(['main', 'sql.execute', 'sql.cursor', 'socket.recv'], m), ['main', 'sql.execute']);
  t.deepEqual(pruneBelow(['main', 'x'], m), ['main', 'x']);
});

test('functionOf: drops the line number of pyfold, pyflame, austin and py-spy frames', (t) => {
  t.is(functionOf('/srv/app.py:fib:12'), '/srv/app.py:fib');
  t.is(functionOf('fib (calc.py:3)'), 'fib (calc.py)');
  t.is(functionOf('[idle]'), '[idle]');
  t.is(functionOf('memcpy'), 'memcpy');
  t.is(functionOf('f (x.py:)'), 'f (x.py:)');
  t.is(functionOf('12'), '12');
});

test('functionOf: agrees with the regular expression it stands for', (t) => {
  const chars = fc.constantFrom(':', ')', '(', '1', '9', '0', 'a', ' ', ';');
  fc.assert(
    fc.property(fc.array(chars, { maxLength: 8 }).map((c) => c.join('')), (frame) => {
      return functionOf(frame) === frame.replace(/:\d+(\)?)$/, '$1');
    }),
  );
  t.pass();
});

test('collapseRecursion: one frame per run of direct recursion, the innermost kept', (t) => {
  t.deepEqual(collapseRecursion(['main', 'rec', 'rec', 'rec', 'helper']), ['main', 'rec', 'helper']);
  t.deepEqual(collapseRecursion(['main', 'c.py:fib:3', 'c.py:fib:3', 'c.py:fib:2']), ['main', 'c.py:fib:2']);
  t.deepEqual(collapseRecursion(['a', 'b', 'a', 'b']), ['a', 'b', 'a', 'b'], 'indirect recursion stays');
  t.deepEqual(collapseRecursion(['c.py:fib:3', 'd.py:fib:3']), ['c.py:fib:3', 'd.py:fib:3'], 'same name, other file');
  t.deepEqual(collapseRecursion([]), []);
});

test('StackFilter: selecting only returns the very stack; reshaping merges', (t) => {
  const sel = new StackFilter(opts({ excludeIdle: true, regexp: ['b'], focus: ['a'] }));
  t.false(sel.merges);
  t.is(sel.apply('a;b;c'), 'a;b;c');
  t.is(sel.apply('a;b;[idle]'), null);
  t.is(sel.apply('a;c'), null);
  t.is(sel.apply('x;b'), null);
  for (const o of [{ root: ['a'] }, { hide: ['a'] }, { prune: ['a'] }, { collapseRecursion: true }]) {
    t.true(new StackFilter(opts(o)).merges, JSON.stringify(o));
  }
});

test('StackFilter: -v inverts -e only, --focus still applies', (t) => {
  const f = new StackFilter(opts({ regexp: ['json'], invert: true, focus: ['^handler$'] }));
  t.is(f.apply('main;handler;db'), 'main;handler;db');
  t.is(f.apply('main;handler;json.dumps'), null);
  t.is(f.apply('main;worker'), null);
});

test('StackFilter: the documented order, whatever the order of options', (t) => {
  // -x looks at the leaf as read, before --prune could change it.
  t.is(new StackFilter(opts({ excludeIdle: true, prune: ['wait'] })).apply('main;wait;[idle]'), null);
  // -e looks at the frames as read, before --hide removes them.
  t.is(new StackFilter(opts({ regexp: ['wrap'], hide: ['wrap'] })).apply('main;wrap;f'), 'main;f');
  // --root before --hide: the root frame itself may then be hidden.
  t.is(new StackFilter(opts({ root: ['^h$'], hide: ['^h$'] })).apply('main;h;x'), 'x');
  // --hide before --collapse-recursion: a hidden wrapper between recursive calls lets them collapse.
  const f = new StackFilter(opts({ hide: ['^wrapper$'], collapseRecursion: true }));
  t.is(f.apply('main;fib;wrapper;fib;wrapper;fib;add'), 'main;fib;add');
  // --prune before --collapse-recursion.
  t.is(new StackFilter(opts({ prune: ['^fib$'], collapseRecursion: true })).apply('main;fib;fib;add'), 'main;fib');
  // A stack left with no frame is dropped.
  t.is(new StackFilter(opts({ hide: ['.'] })).apply('a;b'), null);
});

test('LineFilter: selection passes lines unchanged and in input order', (t) => {
  const lines = ['z;b 1', 'a;b\t2', 'a;c 3', 'a;b  4.5  '];
  t.deepEqual(run({ regexp: ['^b$'] }, lines), ['z;b 1', 'a;b\t2', 'a;b  4.5  ']);
  t.deepEqual(run({}, lines), lines);
});

test('LineFilter: reshaping merges counts and sorts by byte order', (t) => {
  const lines = ['m;é;wrap;x 1', 'm;z;x 0.1', 'm;wrap;z;x 0.2', 'm;é;x 2'].map(utf8AsRead);
  const out = run({ hide: ['wrap'] }, lines);
  t.deepEqual(out, ['m;z;x 0.3', 'm;é;x 3'].map(utf8AsRead), 'z (0x7A) sorts before é (0xC3 0xA9)');
});

test('LineFilter: skips comments and blank lines, reports other lines without a count', (t) => {
  const bad: string[] = [];
  const f = new LineFilter(DEFAULT_OPTIONS, (line, reason) => bad.push(`${reason}|${line}`));
  const out = ['# austin: 3.6', '', '   ', 'a;b 1', 'a;b', 'a;b x', ' 5', 'a;b 1e3'].map((l) => f.push(l));
  t.deepEqual(out, ['', '', '', 'a;b 1\n', '', '', '', '']);
  t.deepEqual(bad, [`${NOT_FOLDED}|a;b`, `${NOT_FOLDED}|a;b x`, `${NOT_FOLDED}| 5`, `${NOT_FOLDED}|a;b 1e3`]);
  t.is(f.stacks, 1);
});

test('LineFilter: a frame ending in a blank and digits is not a count', (t) => {
  t.deepEqual(run({ hide: ['^h$'] }, ['a;frame 12;h 3', 'a;frame 12 4']), ['a;frame 12 7']);
});

test('LineFilter: -x on pyflame, pyfold and stackcollapse-perf.pl shapes', (t) => {
  const lines = [
    '(idle) 120',
    'python3;app.py:main:3;[idle] 5',
    'app.py:main:3;[idle] 5',
    'python3;app.py:main:3;app.py:work:7 2',
    'app.py:main:3;threading.py:Thread.idle_loop:9 1',
  ];
  t.deepEqual(run({ excludeIdle: true }, lines), lines.slice(3));
});
