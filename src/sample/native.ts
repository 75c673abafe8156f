// The one place that loads pysample's native addon (native/*.cc), and its
// whole surface as a TypeScript interface. The addon only makes system calls:
// ptrace to stop and resume threads, process_vm_readv to read memory.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ToolError } from '../tool';

/** What stop() reports per thread (negative: -errno from PTRACE_SEIZE). */
export const STOPPED = 0;
export const EXITED = 1;
export const LATE = 2;

export interface NativeAddon {
  /** Seizes and interrupts each tid, waits up to timeoutMs for the stops. Never reaps keepExitOf's exit. */
  stop(tids: Int32Array, timeoutMs: number, keepExitOf: number): Int32Array;
  /**
   * Detaches every stopped thread (re-injecting caught signals), then waits up
   * to lateWaitMs for late threads to stop and detaches them; returns the
   * threads still attached.
   */
  resume(keepExitOf: number, lateWaitMs: number): number;
  /** Threads attached right now. */
  attached(): number;
  /** process_vm_readv of len bytes into buf: returns len or -errno (short reads are -EFAULT). */
  readInto(pid: number, addr: number, buf: Buffer, len: number): number;
  /** process_vm_readv of up to 1024 regions, back to back into buf, in one call: the bytes read
   *  (a region that cannot be read ends the copy) or -errno if none were. */
  readMany(pid: number, addrs: Float64Array, lens: Float64Array, buf: Buffer): number;
}

const ROOT = path.join(__dirname, '..', '..', '..');
const CANDIDATES = ['native/build/Release/pysample.node', 'native/build/Debug/pysample.node'];

let loaded: NativeAddon | undefined;

/** Loads the addon once; a ToolError says why it is missing and how to build it. */
export function native(): NativeAddon {
  if (loaded) return loaded;
  if (process.platform !== 'linux') {
    throw new ToolError(`this needs Linux (ptrace and process_vm_readv); this system is ${process.platform}`);
  }
  for (const rel of CANDIDATES) {
    const file = path.join(ROOT, rel);
    if (fs.existsSync(file)) {
      loaded = require(file) as NativeAddon;
      return loaded;
    }
  }
  throw new ToolError(
    `native addon not built: none of ${CANDIDATES.join(', ')} exists (run 'npm install' or 'node native/install.js' in ${ROOT})`,
  );
}
