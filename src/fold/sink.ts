// What the Folder hands over, record by record and in input order, when a
// caller wants more than the folded totals: the exporters (src/export/) keep
// each record's time, thread and flags. Without a sink the Folder only sums.

import type { Header } from './perf';

export interface SampleSink {
  /**
   * One record: its parsed header, its time (Unix seconds; NaN when the
   * header has none), its stack folded exactly as pyfold prints it (root
   * first, joined by ';', any --pid/--tid/--thread roots included) and its
   * weight (1, or perf's period).
   */
  record(h: Header, time: number, stack: string, weight: number): void;
  /** One folded line `stack count` (no time, no thread). */
  folded(stack: string, count: number): void;
  /** One metadata line starting with '#' (pysample's `# interval: 0.01`). */
  comment(line: string): void;
}

/** `SECONDS.MICROS:` before the first colon-and-blank of a header, as both perf and pysample print it. */
const TIME_RE = /[\t ](\d+\.\d+):[\t ]/;

/** The time of a record header in Unix seconds (perf: seconds since boot), NaN when it has none. */
export function headerTime(line: string): number {
  const m = TIME_RE.exec(line);
  return m ? Number(m[1]) : Number.NaN;
}
