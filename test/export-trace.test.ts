// pyfold --format trace: the Trace Event Format's rules (ph, ts and dur in
// microseconds, pid, tid, name, thread_name metadata, properly nested complete
// events, parents first), and the thread tree that DevTools' own parser
// (@paulirish/trace_engine, the Performance panel's engine) builds from it.
// speedscope's import of the same file is in export-speedscope.test.ts.

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeTrace } from '../src/export/trace';
import { modelOf, rawRecords, TWO_THREADS } from './helpers/export';
import { projectRoot, runPyfold } from './helpers/golden';

const RAW = rawRecords(TWO_THREADS);

interface Ev {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string };
}

const trace = (): { traceEvents: Ev[]; displayTimeUnit: string; otherData: Record<string, string> } => JSON.parse(writeTrace(modelOf(RAW)));

test('every event has the fields the format requires; complete events nest, parents first', (t) => {
  const { traceEvents, otherData } = trace();
  for (const e of traceEvents) {
    t.is(typeof e.name, 'string');
    t.true(['X', 'M'].includes(e.ph));
    t.true(Number.isInteger(e.pid) && Number.isInteger(e.tid));
    t.true(typeof e.ts === 'number' && e.ts >= 0);
    if (e.ph === 'X') t.true(typeof e.dur === 'number' && e.dur! > 0, JSON.stringify(e));
  }
  const byThread = new Map<number, Ev[]>();
  for (const e of traceEvents.filter((x) => x.ph === 'X')) byThread.set(e.tid, [...(byThread.get(e.tid) ?? []), e]);
  for (const [tid, events] of byThread) {
    // In file order: sorted by ts; each event inside the open one, or after it.
    const open: Ev[] = [];
    for (const e of events) {
      while (open.length && open.at(-1)!.ts + open.at(-1)!.dur! <= e.ts) open.pop();
      const parent = open.at(-1);
      if (parent) {
        t.true(e.ts >= parent.ts && e.ts + e.dur! <= parent.ts + parent.dur!, `tid ${tid}: ${e.name} at ${e.ts} crosses ${parent.name}`);
      }
      open.push(e);
    }
    t.truthy(traceEvents.find((m) => m.ph === 'M' && m.name === 'thread_name' && m.tid === tid && m.pid === events[0]!.pid));
  }
  t.deepEqual(
    traceEvents.filter((e) => e.ph === 'M').map((e) => `${e.name} ${e.pid}/${e.tid} ${e.args?.name}`),
    ['process_name 4000/0 app', 'thread_name 4000/4000 app', 'thread_name 4000/4001 worker'],
  );
  t.is(otherData.start, '2025-12-01T10:00:00.000Z');
});

test('each stretch of a frame is one event: times from the samples, a gap ends the stack', (t) => {
  const x = trace().traceEvents.filter((e) => e.ph === 'X').map((e) => `${e.tid} ${e.name} ${e.ts}+${e.dur}`);
  t.deepEqual(x, [
    '4000 <module> (/srv/app.py:40) 0+60000',
    '4000 main (/srv/app.py:30) 0+60000',
    '4000 work (/srv/app.py:20) 0+30000',
    '4000 sleepy (/srv/app.py:25) 30000+20000',
    '4000 work (/srv/app.py:20) 50000+10000',
    '4001 loop (/srv/w.py:5) 20000+20000',
    '4001 [idle] 20000+20000',
    '4001 loop (/srv/w.py:5) 50000+10000',
    '4001 crunch (/srv/w.py:9) 50000+10000',
  ]);
});

test('folded lines are laid end to end; empty input gives an empty trace', async (t) => {
  const { traceEvents } = JSON.parse(writeTrace(modelOf('a;b 3\na;c 2\n')));
  t.deepEqual(
    traceEvents.filter((e: Ev) => e.ph === 'X').map((e: Ev) => `${e.name} ${e.ts}+${e.dur}`),
    ['a 0+5000', 'b 0+3000', 'c 3000+2000'],
  );
  const empty = await runPyfold(['--format', 'trace'], Buffer.alloc(0));
  t.is(empty.status, 0);
  t.deepEqual(JSON.parse(empty.stdout.toString()).traceEvents, []);
});

/** A real dynamic import: the engine is an ES module with top-level await, which require() cannot load. */
const importESM = new Function('s', 'return import(s)') as (s: string) => Promise<any>;

test('DevTools\' trace engine builds the expected thread trees', async (t) => {
  // The engine uses DOMRect, which Node lacks.
  (globalThis as any).DOMRect ??= class {
    constructor(public x = 0, public y = 0, public width = 0, public height = 0) {}
  };
  const engine = path.join(projectRoot(), 'node_modules', '@paulirish', 'trace_engine', 'models', 'trace', 'trace.js');
  t.true(fs.existsSync(engine));
  const Trace = await importESM(engine);
  const model = Trace.TraceModel.Model.createWithAllHandlers();
  const file = await runPyfold(['--format', 'trace'], RAW);
  await model.parse(JSON.parse(file.stdout.toString()).traceEvents);
  const processes = model.parsedTrace().data.Renderer.processes as Map<number, { threads: Map<number, any> }>;
  t.deepEqual([...processes.keys()], [4000]);
  const threads = processes.get(4000)!.threads;
  t.deepEqual([...threads.keys()], [4000, 4001]);
  t.deepEqual([...threads.values()].map((th) => th.name), ['app', 'worker']);
  const tree = (th: any): string[] => {
    const out: string[] = [];
    const walk = (n: any, depth: number): void => {
      out.push(`${'  '.repeat(depth)}${n.entry.name} ${n.entry.ts}+${n.entry.dur}`);
      for (const c of n.children) walk(c, depth + 1);
    };
    for (const root of th.tree.roots) walk(root, 0);
    return out;
  };
  t.deepEqual(tree(threads.get(4000)), [
    '<module> (/srv/app.py:40) 0+60000',
    '  main (/srv/app.py:30) 0+60000',
    '    work (/srv/app.py:20) 0+30000',
    '    sleepy (/srv/app.py:25) 30000+20000',
    '    work (/srv/app.py:20) 50000+10000',
  ]);
  t.deepEqual(tree(threads.get(4001)), [
    'loop (/srv/w.py:5) 20000+20000',
    '  [idle] 20000+20000',
    'loop (/srv/w.py:5) 50000+10000',
    '  crunch (/srv/w.py:9) 50000+10000',
  ]);
});
