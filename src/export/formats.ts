// pyfold's output formats beside plain folded lines: their names, whether
// they are binary, whether they need the samples in order, and the writer.

import { writePprof } from './pprof';
import { writeSpeedscope } from './speedscope';
import { writeTrace } from './trace';
import type { SampleModel } from './model';

export const FORMATS = ['folded', 'pprof', 'speedscope', 'trace'] as const;
export type FormatName = (typeof FORMATS)[number];

export interface Written {
  /** The output as bytes. */
  bytes: Buffer;
  /** Lines for stderr (`pyfold: warning: ...`). */
  warnings: string[];
}

export interface Exporter {
  /** Refused on a terminal. */
  binary: boolean;
  /** Needs every sample in order (SampleModel keepOrder), not only the totals. */
  ordered: boolean;
  write(model: SampleModel, name: string): Written;
}

export const EXPORTERS: Record<Exclude<FormatName, 'folded'>, Exporter> = {
  pprof: {
    binary: true,
    ordered: false,
    write(model) {
      const r = writePprof(model);
      const s = r.rounded === 1 ? '' : 's';
      return { bytes: r.bytes, warnings: r.rounded ? [`pprof holds whole counts: rounded ${r.rounded} fractional count${s}`] : [] };
    },
  },
  speedscope: {
    binary: false,
    ordered: true,
    write: (model, name) => ({ bytes: Buffer.from(writeSpeedscope(model, name), 'utf8'), warnings: [] }),
  },
  trace: {
    binary: false,
    ordered: true,
    write: (model) => ({ bytes: Buffer.from(writeTrace(model), 'utf8'), warnings: [] }),
  },
};

/** The format named on the command line; null when there is none by that name. */
export function formatNamed(name: string): FormatName | null {
  return (FORMATS as readonly string[]).includes(name) ? (name as FormatName) : null;
}
