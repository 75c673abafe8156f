// Record headers for the whole-record path. Returns null for lines that are
// not a header there (a folded line, or no header at all).

import { parseFolded } from '../tool';
import { parseHeader, type Header } from './perf';

export class HeaderCache {
  get(line: string): Header | null {
    // Folded lines end in a digit (their count); perf's headers end in "event:".
    const last = line.charCodeAt(line.length - 1);
    if (last < 0x30 || last > 0x39) return parseHeader(line);
    // One that also reads as a folded line is a header here, since a frame line follows it.
    const f = parseFolded(line);
    if (f && f.stack.includes(';')) return null;
    return parseHeader(line);
  }
}
