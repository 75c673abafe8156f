// Reading inputs into the Scanner's own buffer: no chunk is allocated per
// read, which keeps memory flat.

import * as fs from 'node:fs';
import { ToolError } from '../tool';
import type { Scanner } from './scan';

/** Opens a named input ('-': stdin, fd 0); a missing file is a ToolError. */
export function openFd(name: string): number {
  if (name === '-') return 0;
  try {
    return fs.openSync(name, 'r');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ToolError(`cannot read ${name}: ${e.code === 'ENOENT' ? 'no such file' : e.code ?? e.message} (check the path)`);
  }
}

/**
 * Feeds one input to the scanner: a regular file by synchronous reads, a
 * pipe or terminal by asynchronous ones. Falls back to a stream when stdin cannot be
 * read this way (a non-blocking pipe or terminal).
 */
export async function pump(name: string, scanner: Scanner, display: string): Promise<void> {
  const fd = openFd(name);
  try {
    if (fs.fstatSync(fd).isFile()) {
      // A regular file never blocks: reading it synchronously saves a trip
      // through the thread pool and a promise per read.
      for (;;) {
        const { buf, start } = scanner.space();
        const n = fs.readSync(fd, buf, start, buf.length - start, null);
        if (n === 0) return;
        scanner.commit(n);
      }
    }
    for (;;) {
      const { buf, start } = scanner.space();
      const n = await read(fd, buf, start);
      if (n === 0) break;
      scanner.commit(n);
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (fd === 0 && (e.code === 'EAGAIN' || e.code === 'EWOULDBLOCK')) {
      for await (const chunk of process.stdin) scanner.push(chunk as Buffer);
      return;
    }
    if (typeof e?.code !== 'string') throw err;
    throw new ToolError(`cannot read ${display}: ${e.code} (check the input)`);
  } finally {
    if (fd !== 0) fs.closeSync(fd);
  }
}

function read(fd: number, buf: Buffer, start: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.read(fd, buf, start, buf.length - start, null, (err, n) => (err ? reject(err) : resolve(n)));
  });
}
