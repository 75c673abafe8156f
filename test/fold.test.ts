// pyfold's core on pysample records, folded lines from other samplers, and
// the line shapes where a frame could be misread. Inputs and the
// stackcollapse-perf.pl outputs they are checked against are in
// test/fixtures/fold (see its README).

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { foldChunks, foldText } from '../src/fold/fold';
import { Folder } from '../src/fold/folder';
import { Scanner } from '../src/fold/scan';
import { BadLines } from '../src/tool';
import { shortPath } from '../src/fold/python';
import { checkGolden, projectRoot } from './helpers/golden';

const FIX = path.join(projectRoot(), 'test', 'fixtures', 'fold');
const fixture = (name: string): Buffer => fs.readFileSync(path.join(FIX, name));
const expected = (name: string): string => path.join(FIX, 'expected', name);
const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

/** Drops the first frame of every stack and merges: perl's output without its process root. */
function withoutRoot(folded: string): string {
  const m = new Map<string, number>();
  for (const l of lines(folded)) {
    const sp = l.lastIndexOf(' ');
    const stack = l.slice(l.indexOf(';') + 1, sp);
    m.set(stack, (m.get(stack) ?? 0) + Number(l.slice(sp + 1)));
  }
  return [...m.keys()].sort().map((k) => `${k} ${m.get(k)}\n`).join('');
}

test('pysample records fold like stackcollapse-perf.pl, without its process root', (t) => {
  const out = foldText(fixture('pysample.samp'));
  t.is(out.bad.count, 0);
  t.is(out.text, withoutRoot(fixture('pysample.perl.folded').toString('latin1')));
  checkGolden(t, 'fold/pysample.folded', out.text, { expected: expected('pysample.folded') });
});

test('--pid and --tid add the COMM-PID[/TID] root exactly as the script does', (t) => {
  t.is(foldText(fixture('pysample.samp'), { pid: true }).text, fixture('pysample.perl-pid.folded').toString('latin1'));
  t.is(foldText(fixture('pysample.samp'), { tid: true }).text, fixture('pysample.perl-tid.folded').toString('latin1'));
});

test('idle records end in [idle] after pyfold and after stackcollapse-perf.pl', (t) => {
  const idle = (text: string): string[] => lines(text).filter((l) => l.includes('Condition.wait') || l.includes('read_response'));
  for (const text of [foldText(fixture('pysample.samp')).text, fixture('pysample.perl.folded').toString('latin1')]) {
    t.is(idle(text).length, 2);
    for (const l of idle(text)) t.regex(l, /;\[idle\] \d+$/);
  }
});

test('--thread puts a frame naming the thread at the root', (t) => {
  const out = lines(foldText(fixture('pysample.samp'), { thread: true }).text);
  t.deepEqual(
    out.map((l) => l.slice(0, l.indexOf(';'))),
    ['[X_ tid 9882]', '[python3 tid 9876]', '[python3 tid 9876]', '[python3 tid 9880]', '[worker_2 tid 9881]'],
  );
  const withPid = lines(foldText(fixture('pysample.samp'), { thread: true, pid: true }).text);
  t.true(withPid.every((l) => /^[^;]+-9876;\[[^\]]+ tid \d+\];/.test(l)));
});

test('--functions drops line numbers and merges the lines of a function', (t) => {
  const out = foldText(fixture('pysample.samp'), { functions: true }).text;
  t.true(lines(out).some((l) => l.endsWith('/srv/app/shop/views.py:ProductView.get 3')));
  t.false(/:\d+[; ]/.test(out.replace(/ \d+\n/g, '\n')));
  checkGolden(t, 'fold/pysample--functions--short-paths.folded', foldText(fixture('pysample.samp'), { functions: true, shortPaths: true }).text, {
    expected: expected('pysample--functions--short-paths.folded'),
  });
});

test('--short-paths cuts after site-packages/, dist-packages/ or lib/pythonX.Y/', (t) => {
  t.is(shortPath('/srv/app/.venv/lib/python3.12/site-packages/django/core/handlers/base.py'), 'django/core/handlers/base.py');
  t.is(shortPath('/usr/lib/python3/dist-packages/redis/connection.py'), 'redis/connection.py');
  t.is(shortPath('/usr/local/lib/python3.12/concurrent/futures/thread.py'), 'concurrent/futures/thread.py');
  t.is(shortPath('/usr/lib64/python3.9/threading.py'), 'threading.py');
  t.is(shortPath('/opt/python/lib/python3.13t/threading.py'), 'threading.py');
  t.is(shortPath('/a/site-packages/b/site-packages/c.py'), 'c.py');
  t.is(shortPath('/srv/app/shop/views.py'), '/srv/app/shop/views.py');
  t.is(shortPath('/usr/local/bin/gunicorn'), '/usr/local/bin/gunicorn');
  const out = foldText(fixture('pysample.samp'), { shortPaths: true }).text;
  t.true(out.includes('gunicorn/workers/sync.py:SyncWorker.handle_request:178;django/core/handlers/base.py:BaseHandler._get_response:197'));
  t.true(out.includes('threading.py:Condition.wait:355;[idle]'));
});

test('folded lines are merged: counts summed, fractions too, sorted by bytes', (t) => {
  const out = foldText('b;c 2\na;b 1.5\nB 1\na;b 2.25\nb;c 3\n').text;
  t.is(out, 'B 1\na;b 3.75\nb;c 5\n');
});

test("py-spy's raw lines fold, and --functions/--short-paths apply to their frames", (t) => {
  const input =
    'process 412:"python app.py";<module> (/srv/app/app.py:10);main (/srv/app/app.py:4);get (/usr/lib/python3.12/site-packages/requests/api.py:73) 3\n' +
    'process 412:"python app.py";<module> (/srv/app/app.py:10);main (/srv/app/app.py:5);get (/usr/lib/python3.12/site-packages/requests/api.py:73) 2\n';
  t.is(lines(foldText(input).text).length, 2);
  t.is(
    foldText(input, { functions: true, shortPaths: true }).text,
    'process 412:"python app.py";<module> (/srv/app/app.py);main (/srv/app/app.py);get (requests/api.py) 5\n',
  );
});

test("austin's lines fold: # metadata skipped, full-mode metrics count their time", (t) => {
  const input =
    '# austin: 3.6.0\n# interval: 100\n# mode: wall\n\n' +
    'P4317;T0:7fe0;/srv/app/app.py:<module>:10;/srv/app/app.py:main:4 100\n' +
    'P4317;T0:7fe0;/srv/app/app.py:<module>:10;/srv/app/app.py:main:4 50\n' +
    'P4317;T0:7fe1;/srv/app/app.py:worker:20 300,0,-512\n' +
    '# duration: 1000\n';
  const out = foldText(input);
  t.is(out.bad.count, 0);
  t.is(out.text, 'P4317;T0:7fe0;/srv/app/app.py:<module>:10;/srv/app/app.py:main:4 150\nP4317;T0:7fe1;/srv/app/app.py:worker:20 300\n');
});

test('one stream may mix folded lines, pysample records and perf records', (t) => {
  const perf = 'bash 4411 88231.412200: 1 cpu-clock:\n\tffffffff81000000 do_syscall_64+0x10 ([kernel.kallsyms])\n\t7f00 main+0x5 (/bin/bash)\n\n';
  const folded = '/usr/local/bin/gunicorn:<module>:8 4\nbash;main;do_syscall_64 2\n';
  const all = foldText(Buffer.concat([Buffer.from(folded), fixture('pysample.samp'), Buffer.from(perf)]));
  t.is(all.bad.count, 0);
  t.true(all.text.includes('bash;main;do_syscall_64 3\n'));
  t.true(all.text.includes('/usr/local/bin/gunicorn:<module>:8 4\n'));
  t.is(lines(all.text).length, 7);
});

test('a frame ending in blanks and digits, or holding ;, can never be read as a count', (t) => {
  // perf symbol "operator 12", a process named "a;b", a folded leaf "run 12".
  const perf = 'a;b 4411 88231.412200: 1 cpu-clock:\n\t7f00 operator 12 (/bin/x)\n\t7f10 main (/bin/x)\n\n';
  const out = foldText(perf + 'x;run 12 5\n').text;
  t.is(out, 'a:b;main;operator_12 1\nx;run_12 5\n');
  for (const l of lines(out)) t.regex(l, /^[^ ]+ \d+$/);
});

test('--srcline appends source lines as the script does', (t) => {
  t.is(foldText(fixture('srcline.perf'), { srcline: true }).text, fixture('srcline.perl-srcline.folded').toString('latin1'));
});

test('bad lines are counted and the first is quoted; good ones still fold', (t) => {
  const input = 'garbage without a count\n\t7f00 orphan (/bin/x)\nmain;a 2\nbash 1 2.5: 1 cpu-clock:\n\t7f main (/bin/bash)\n';
  const out = foldText(input);
  t.is(out.text, 'main;a 2\n');
  t.is(out.bad.count, 3); // garbage, the orphan frame, the unfinished last record
  const report: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => {
    report.push(s);
    return true;
  }) as typeof process.stderr.write;
  try {
    out.bad.report();
  } finally {
    process.stderr.write = write;
  }
  t.deepEqual(report, ['pyfold: ignored 3 bad lines (first at input1:1: not a stack, a record header or a frame: "garbage without a count")\n']);
});

test('CRLF input folds as LF input does', (t) => {
  const lf = fixture('pysample.samp');
  const crlf = Buffer.from(lf.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
  t.is(foldText(crlf).text, foldText(lf).text);
  t.is(foldText(crlf).bad.count, 0);
});

test('bytes that are not UTF-8 pass through unchanged', (t) => {
  const input = Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9, 0xff]), Buffer.from(';na\xefve 2\n', 'latin1')]);
  const out = foldText(input).text;
  t.deepEqual(Buffer.from(out, 'latin1'), input);
});

test('a missing final newline still counts the last folded line', (t) => {
  t.is(foldText('a;b 1\na;b 2').text, 'a;b 3\n');
});

test('a record may continue into the next input, as with the script reading <>', (t) => {
  const [a, b] = ['python3 1/2 [gil] 1.5: 1 cpu-clock:\n\t1 /a.py:f:1 (python)\n', '\t2 /a.py:main:2 (python)\n\n'];
  t.is(foldChunks([[Buffer.from(a)], [Buffer.from(b)]]).text, '/a.py:main:2;/a.py:f:1 1\n');
});

test('an empty input gives an empty output', (t) => {
  const out = foldText('');
  t.is(out.text, '');
  t.is(out.bad.count, 0);
});

test('a pysample record without frames folds to its COMM alone, as the script folds it', (t) => {
  const input = 'python3 1/2 [-] 1.5: 1 cpu-clock:\n\nworker_2 1/3 [-] 1.6: 1 cpu-clock:\n# only metadata\n\n';
  const out = foldText(input);
  t.is(out.bad.count, 0);
  t.is(out.text, 'python3 1\nworker_2 1\n');
});

test('lines longer than the limit are skipped and counted, whole or split across chunks', (t) => {
  const bad = new BadLines('pyfold');
  const folder = new Folder({}, bad, { file: 'input', line: 0 });
  const scanner = new Scanner(folder, bad, 100);
  const long = `x;${'y'.repeat(400)} 1\n`;
  scanner.push(Buffer.from(`a;b 1\n${long}c 2\n${long.slice(0, 150)}`));
  scanner.push(Buffer.from(`${long.slice(150)}python3 1/2 [gil] 1.5: 1 cpu-clock:\n\t1 /a.py:f:1 (python)\n\n`));
  scanner.push(Buffer.from('z'.repeat(300)));
  scanner.end();
  folder.finish();
  t.is(folder.lines().join(''), '/a.py:f:1 1\na;b 1\nc 2\n');
  t.is(bad.count, 3);
  t.is(folder.where.line, 8);
});
