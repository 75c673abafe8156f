// Just enough of ELF64 (little-endian) to find symbols, sections and the
// lowest loaded address: headers, section headers, .dynsym and .symtab.
// Reads the file piecewise, never the whole (libpython with DWARF is large).

import * as fs from 'node:fs';

export interface ElfSection { name: string; type: number; addr: number; offset: number; size: number }
export interface ElfSymbol { value: number; size: number }

export interface ElfImage {
  /** ET_EXEC (2, fixed addresses) or ET_DYN (3, PIE or shared object). */
  type: number;
  /** Lowest PT_LOAD virtual address, page-aligned: the load bias is map start minus this. */
  baseVaddr: number;
  sections: ElfSection[];
  /** Defined symbols from .dynsym and .symtab (.dynsym wins on a clash). */
  symbols: Map<string, ElfSymbol>;
  hasSymtab: boolean;
}

const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const PT_LOAD = 1;
/** Symbol tables larger than this are not read (a corrupt header must not exhaust memory). */
const MAX_TABLE = 256 * 1024 * 1024;

/** Reads `len` bytes at file offset `off`; throws on a short read. */
export type FileReader = (off: number, len: number) => Buffer;

export function fileReader(path: string): { read: FileReader; close(): void } {
  const fd = fs.openSync(path, 'r');
  return {
    read(off, len) {
      const b = Buffer.alloc(len);
      let got = 0;
      while (got < len) {
        const n = fs.readSync(fd, b, got, len - got, off + got);
        if (n <= 0) throw new Error(`${path}: short read at ${off}`);
        got += n;
      }
      return b;
    },
    close: () => fs.closeSync(fd),
  };
}

/** Parses an ELF file on disk. Throws a plain Error if it is not a 64-bit LE ELF. */
export function readElf(path: string): ElfImage {
  const f = fileReader(path);
  try {
    return parseElf(f.read);
  } finally {
    f.close();
  }
}

export function parseElf(read: FileReader): ElfImage {
  const h = read(0, 64);
  if (h.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file');
  if (h[4] !== 2 || h[5] !== 1) throw new Error('not a 64-bit little-endian ELF file');
  const type = h.readUInt16LE(16);
  const phoff = num(h, 32);
  const shoff = num(h, 40);
  const phentsize = h.readUInt16LE(54);
  const phnum = h.readUInt16LE(56);
  const shentsize = h.readUInt16LE(58);
  const shnum = h.readUInt16LE(60);
  const shstrndx = h.readUInt16LE(62);

  let baseVaddr = Infinity;
  if (phnum > 0) {
    const ph = read(phoff, phentsize * phnum);
    for (let i = 0; i < phnum; i++) {
      const o = i * phentsize;
      if (ph.readUInt32LE(o) === PT_LOAD) baseVaddr = Math.min(baseVaddr, num(ph, o + 16));
    }
  }
  baseVaddr = baseVaddr === Infinity ? 0 : baseVaddr - (baseVaddr % 4096);

  const raw: (ElfSection & { link: number; nameOff: number; entsize: number })[] = [];
  if (shnum > 0 && shoff > 0) {
    const sh = read(shoff, shentsize * shnum);
    for (let i = 0; i < shnum; i++) {
      const o = i * shentsize;
      raw.push({
        name: '', nameOff: sh.readUInt32LE(o), type: sh.readUInt32LE(o + 4), addr: num(sh, o + 16),
        offset: num(sh, o + 24), size: num(sh, o + 32), link: sh.readUInt32LE(o + 40), entsize: num(sh, o + 56),
      });
    }
    const strs = raw[shstrndx];
    if (strs && strs.size < MAX_TABLE) {
      const names = read(strs.offset, strs.size);
      for (const s of raw) s.name = cstr(names, s.nameOff);
    }
  }

  const symbols = new Map<string, ElfSymbol>();
  // .symtab first so that .dynsym (the exported names) overrides on a clash.
  for (const want of [SHT_SYMTAB, SHT_DYNSYM]) {
    for (const s of raw) {
      if (s.type !== want || s.size > MAX_TABLE) continue;
      const strtab = raw[s.link];
      if (!strtab || strtab.size > MAX_TABLE) continue;
      readSymbols(read(s.offset, s.size), read(strtab.offset, strtab.size), symbols);
    }
  }
  return {
    type,
    baseVaddr,
    sections: raw.map(({ name, type: t, addr, offset, size }) => ({ name, type: t, addr, offset, size })),
    symbols,
    hasSymtab: raw.some((s) => s.type === SHT_SYMTAB),
  };
}

function readSymbols(tab: Buffer, strtab: Buffer, into: Map<string, ElfSymbol>): void {
  for (let o = 0; o + 24 <= tab.length; o += 24) {
    const shndx = tab.readUInt16LE(o + 6);
    const value = num(tab, o + 8);
    if (shndx === 0 || value === 0) continue; // undefined (imported) or absolute zero
    const name = cstr(strtab, tab.readUInt32LE(o));
    if (name) into.set(name, { value, size: num(tab, o + 16) });
  }
}

function num(b: Buffer, off: number): number {
  return Number(b.readBigUInt64LE(off));
}

function cstr(b: Buffer, off: number): string {
  if (off >= b.length) return '';
  const end = b.indexOf(0, off);
  return b.toString('latin1', off, end < 0 ? b.length : end);
}
