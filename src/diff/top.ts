// "Did my change help?": the frames whose inclusive share of all samples
// changed most between two profiles, like `pprof -top -diff_base`. A frame's
// inclusive count is the samples of every stack it appears in (once per
// stack, however often recursion repeats it); its share is that count over
// all samples of its side, so two recordings of different lengths compare.

export interface FrameChange {
  frame: string;
  beforeSamples: number;
  afterSamples: number;
  /** Percent of all samples of the side. */
  before: number;
  after: number;
  /** after - before, in percentage points. */
  change: number;
}

export interface TopReport {
  before: { name: string; samples: number };
  after: { name: string; samples: number };
  frames: FrameChange[];
}

/** Inclusive count per frame name. */
export function inclusive(stacks: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  const seen = new Set<string>();
  for (const [stack, count] of stacks) {
    seen.clear();
    for (const frame of stack.split(';')) {
      if (seen.has(frame)) continue;
      seen.add(frame);
      out.set(frame, (out.get(frame) ?? 0) + count);
    }
  }
  return out;
}

/**
 * The n frames whose share changed most, largest change first. Shares are
 * rounded to 1/100 of a point before ranking, and equal changes are ordered
 * by frame name, so the report is the same on every run and every machine.
 */
export function topChanges(
  before: { name: string; stacks: ReadonlyMap<string, number>; total: number },
  after: { name: string; stacks: ReadonlyMap<string, number>; total: number },
  n: number,
): TopReport {
  const b = inclusive(before.stacks);
  const a = inclusive(after.stacks);
  const frames: FrameChange[] = [];
  for (const frame of new Set([...b.keys(), ...a.keys()])) {
    const bs = b.get(frame) ?? 0;
    const as = a.get(frame) ?? 0;
    const bp = round2((100 * bs) / before.total);
    const ap = round2((100 * as) / after.total);
    frames.push({ frame, beforeSamples: bs, afterSamples: as, before: bp, after: ap, change: round2(ap - bp) });
  }
  frames.sort((x, y) => Math.abs(y.change) - Math.abs(x.change) || (x.frame < y.frame ? -1 : x.frame > y.frame ? 1 : 0));
  return {
    before: { name: before.name, samples: before.total },
    after: { name: after.name, samples: after.total },
    frames: frames.slice(0, n),
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100 + 0; // + 0 turns -0 into 0
}

const pct = (x: number): string => `${x.toFixed(2)}%`;
const points = (x: number): string => (x > 0 ? `+${x.toFixed(2)}` : x.toFixed(2));
const samples = (n: number): string => `${Number.isInteger(n) ? n : n.toFixed(2)} sample${n === 1 ? '' : 's'}`;

/** The report for a terminal: a heading, then aligned columns, frame names last and whole. */
export function formatText(r: TopReport): string {
  const rows = r.frames.map((f) => [pct(f.before), pct(f.after), points(f.change), f.frame]);
  const head = ['before', 'after', 'change', 'frame'];
  const widths = [0, 1, 2].map((i) => Math.max(head[i]!.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    `${cells.slice(0, 3).map((c, i) => c.padStart(widths[i]!)).join('  ')}  ${cells[3]}`.trimEnd() + '\n';
  return (
    `before: ${r.before.name}, ${samples(r.before.samples)}\n` +
    `after:  ${r.after.name}, ${samples(r.after.samples)}\n` +
    `share of all samples in a frame and what it calls; change in points; largest changes first\n\n` +
    line(head) +
    rows.map(line).join('')
  );
}

/** Tab-separated, one header line; shares in percent, change in points. */
export function formatTsv(r: TopReport): string {
  const head = 'before_share\tafter_share\tchange\tbefore_samples\tafter_samples\tframe\n';
  return head + r.frames.map((f) => `${f.before.toFixed(2)}\t${f.after.toFixed(2)}\t${f.change.toFixed(2)}\t${f.beforeSamples}\t${f.afterSamples}\t${f.frame.replace(/[\t\n]/g, ' ')}\n`).join('');
}

/** One JSON document (schema in man 1 pydiff). */
export function formatJson(r: TopReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}
