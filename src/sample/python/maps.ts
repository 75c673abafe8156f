// /proc/PID/maps: which file is mapped where, and the load bias of an image.
//   55d4c8a00000-55d4c8a01000 r--p 00000000 08:01 1311 /root/.pyenv/versions/3.12.1/bin/python3.12
//   7f0c1a5f7000-7f0c1a600000 rw-p 00000000 00:00 0

import type { ElfImage } from './elf';

export interface MapEntry {
  start: number;
  end: number;
  perms: string;
  offset: number;
  inode: number;
  /** The mapped file, '' for anonymous memory, or a pseudo name like [heap]. */
  path: string;
}

const LINE = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) \S+ (\d+)\s*(.*)$/;

export function parseMaps(text: string): MapEntry[] {
  const out: MapEntry[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    out.push({
      start: parseInt(m[1]!, 16), end: parseInt(m[2]!, 16), perms: m[3]!, offset: parseInt(m[4]!, 16),
      inode: Number(m[5]), path: m[6]!.replace(/ \(deleted\)$/, ''),
    });
  }
  return out;
}

/** Runtime address minus file address for an image: its first mapping minus its lowest PT_LOAD. */
export function loadBias(maps: MapEntry[], path: string, elf: ElfImage): number | undefined {
  const first = maps.find((m) => m.path === path && m.offset === 0);
  return first ? first.start - elf.baseVaddr : undefined;
}

/** Writable mappings of an image plus the anonymous one right after its last mapping (.bss spill). */
export function writableOf(maps: MapEntry[], path: string): MapEntry[] {
  const out: MapEntry[] = [];
  for (let i = 0; i < maps.length; i++) {
    const m = maps[i]!;
    if (m.path !== path) continue;
    if (m.perms[1] === 'w') out.push(m);
    const next = maps[i + 1];
    if (next && next.path === '' && next.start === m.end && next.perms[1] === 'w' && maps[i + 2]?.path !== path) {
      out.push(next);
    }
  }
  return out;
}

/** Whether addr lies in a writable mapping (where Python objects live). */
export function inWritable(maps: MapEntry[], addr: number): boolean {
  // maps are sorted by address (the kernel lists them that way): binary search.
  let lo = 0;
  let hi = maps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const m = maps[mid]!;
    if (addr < m.start) hi = mid - 1;
    else if (addr >= m.end) lo = mid + 1;
    else return m.perms[1] === 'w';
  }
  return false;
}
