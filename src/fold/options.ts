// pyfold's options as the pure core sees them, with their defaults.

export interface FoldOptions {
  /** Root frame `COMM-PID` (perf: PID '?' when only the TID was printed). */
  pid: boolean;
  /** Root frame `COMM-PID/TID`; wins over pid. */
  tid: boolean;
  /** Adds a frame `[COMM tid TID]` naming the thread, below any process root. */
  thread: boolean;
  /** Mark kernel frames `_[k]`. */
  kernel: boolean;
  /** Mark JIT frames (from /tmp/perf-PID.map) `_[j]`. */
  jit: boolean;
  /** Name unknown symbols `[module <address>]` rather than `[module]`. */
  addrs: boolean;
  /** Input from `perf script -F+srcline`: each frame line is followed by its source line. */
  srcline: boolean;
  /** Keep only records of this event; '' keeps the first event type met. */
  eventFilter: string;
  /** Python frames: drop line numbers. */
  functions: boolean;
  /** Python frames: shorten paths (see python.ts shortPath). */
  shortPaths: boolean;
  /**
   * For --inline: turns an address into its inlined frames, `outer;inner`
   * (a string as stackcollapse-perf.pl's inline() returns). Not pure: the
   * CLI passes one that runs addr2line.
   */
  inline?: (pc: string, rawfunc: string, mod: string) => string;
}

export const DEFAULT_OPTIONS: FoldOptions = {
  pid: false,
  tid: false,
  thread: false,
  kernel: false,
  jit: false,
  addrs: false,
  srcline: false,
  eventFilter: '',
  functions: false,
  shortPaths: false,
};
