// Which image of the process holds the interpreter, which version it is, and
// where its symbols are. Files are opened through the target's root
// (/proc/PID/root) so that containers and deleted files work.

import * as fs from 'node:fs';
import { ToolError } from '../../tool';
import { readElf, type ElfImage } from './elf';
import { loadBias, parseMaps, writableOf, type MapEntry } from './maps';
import type { Layout } from './layouts';
import { isPtr, ptr, type Memory } from './memory';
import { scanForInterp } from './scan';
import type { Interpreter, RawThread } from './threads';
import { FRAME_STRIDE, StackWalker } from './walk';
import { findText, fromFileName, fromHex, fromText, type PyVersion } from './version';
import { COOKIE } from './debug-offsets';

/** An ELF image mapped in the target, with its load bias. */
export interface Image {
  path: string;
  elf: ElfImage;
  bias: number;
}

const LIBPYTHON = /\/libpython\d\.\d+[a-z]*\.so/;
/** Other mapped libraries looked into when neither the executable nor a libpython holds CPython. */
const MAX_OTHER_IMAGES = 256;
/** Symbols that only an image holding a CPython interpreter defines. */
const MARKERS = ['_PyRuntime', 'interp_head', 'PyCode_Type', 'Py_Version', '_PyThreadState_Current', 'Py_Initialize'];

export function imageAddr(img: Image, name: string): number | undefined {
  const s = img.elf.symbols.get(name);
  return s ? s.value + img.bias : undefined;
}

/** Address of _PyRuntime (symbol, or the .PyRuntime section of 3.10+ that survives strip). */
export function runtimeAddr(img: Image): number | undefined {
  const sym = imageAddr(img, '_PyRuntime');
  if (sym !== undefined) return sym;
  const sec = img.elf.sections.find((s) => s.name === '.PyRuntime');
  return sec ? sec.addr + img.bias : undefined;
}

export interface ProcessFiles { exe: string; maps: MapEntry[] }

export function readProcess(pid: number): ProcessFiles {
  let exe: string;
  let maps: string;
  try {
    maps = fs.readFileSync(`/proc/${pid}/maps`, 'latin1');
    exe = fs.readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') throw new ToolError(`no such process: ${pid}`);
    throw new ToolError(`cannot read /proc/${pid}: ${(e as Error).message} (run as root or with CAP_SYS_PTRACE)`);
  }
  return { exe, maps: parseMaps(maps) };
}

/** The image that holds the interpreter: the executable if it defines CPython's symbols
 *  (static builds, embedding programs linked with libpython.a), else a mapped libpython. */
export function findImage(pid: number, files: ProcessFiles, root: string): Image {
  const paths = [files.exe];
  for (const m of files.maps) if (LIBPYTHON.test(m.path) && !paths.includes(m.path)) paths.push(m.path);
  const images: Image[] = [];
  for (const path of paths) {
    const elf = openImage(pid, files.maps, root, path);
    if (!elf) continue;
    const bias = loadBias(files.maps, path, elf);
    if (bias === undefined) continue;
    const img = { path, elf, bias };
    if (MARKERS.some((n) => elf.symbols.has(n)) || elf.sections.some((s) => s.name === '.PyRuntime')) return img;
    images.push(img);
  }
  // A libpython whose every symbol was stripped (a stripped .dynsym is unusual but possible).
  const lib = images.find((i) => LIBPYTHON.test(i.path));
  if (lib) return lib;
  // CPython under another name (a renamed or vendored libpython loaded with dlopen): any other
  // mapped code that defines CPython's symbols.
  const others = new Set(files.maps
    .filter((m) => m.perms[2] === 'x' && m.path.startsWith('/') && !paths.includes(m.path))
    .map((m) => m.path));
  for (const path of [...others].slice(0, MAX_OTHER_IMAGES)) {
    const elf = openImage(pid, files.maps, root, path);
    const bias = elf && loadBias(files.maps, path, elf);
    if (elf && bias !== undefined && MARKERS.some((n) => elf.symbols.has(n))) return { path, elf, bias };
  }
  throw new ToolError(`pid ${pid} is not a Python process (its executable is ${files.exe}, and no libpython is loaded)`);
}

/** The ELF of a mapped file, through the target's root; a file deleted or replaced since it was
 *  mapped (an upgrade under a running service) is read through /proc/PID/map_files instead. */
function openImage(pid: number, maps: MapEntry[], root: string, path: string): ElfImage | undefined {
  const first = maps.find((m) => m.path === path && m.offset === 0);
  const byPath = `${root}${path}`;
  const tries = [byPath];
  if (first) {
    const mapped = `/proc/${pid}/map_files/${first.start.toString(16)}-${first.end.toString(16)}`;
    let same = false;
    try {
      same = fs.statSync(byPath).ino === first.inode;
    } catch {
      same = false;
    }
    // A different inode at the path means the mapped file was replaced: never read the new one.
    if (same) tries.push(mapped);
    else tries.unshift(mapped);
  }
  for (const file of tries) {
    try {
      return readElf(file);
    } catch {
      // next way in
    }
  }
  return undefined;
}

function tryRead(mem: Memory, addr: number | undefined, len: number): Buffer | undefined {
  if (addr === undefined) return undefined;
  try {
    return mem.read(addr, len);
  } catch {
    return undefined;
  }
}

/** The error for a process whose interpreter has not started yet (a launched process is opened
 *  again until it has). */
export function notInitialised(pid: number, img: Image): ToolError {
  return new ToolError(`the Python interpreter in pid ${pid} is not initialised yet (${img.path}): sample it once it has started`);
}

/** Whether the image has Py_GetVersion()'s buffer and it is still empty: before 3.11 it is filled
 *  while the interpreter starts, so a library of any name that has not started says so. */
export function versionNotWritten(mem: Memory, img: Image): boolean {
  return ['version', 'version.0'].some((name) => tryRead(mem, imageAddr(img, name), 64)?.every((b) => b === 0));
}

/** The version, from the most precise source available. `where` says which one. */
export function findVersion(mem: Memory, img: Image, files: ProcessFiles): { version: PyVersion; where: string } | undefined {
  const hex = tryRead(mem, imageAddr(img, 'Py_Version'), 4);
  const v1 = hex && fromHex(hex.readUInt32LE(0));
  if (v1) return { version: v1, where: 'Py_Version' };
  const rt = tryRead(mem, runtimeAddr(img), 16);
  if (rt && rt.toString('latin1', 0, 8) === COOKIE) {
    const v = fromHex(rt.readUInt32LE(8));
    if (v) return { version: v, where: '_Py_DebugOffsets' };
  }
  for (const name of ['version', 'version.0']) {
    const b = tryRead(mem, imageAddr(img, name), 64);
    const v = b && fromText(b.toString('latin1'));
    if (v) return { version: v, where: name };
  }
  const byName = fromFileName(img.path) ?? fromFileName(files.exe);
  // The Py_GetVersion() buffer without its symbol: look for "X.Y.Z (" in the writable data.
  for (const region of writableOf(files.maps, img.path)) {
    const len = Math.min(region.end - region.start, 16 * 1024 * 1024);
    const b = tryRead(mem, region.start, len);
    const v = b && findText(b, byName);
    if (v) return { version: v, where: 'data scan' };
  }
  return byName ? { version: byName, where: 'file name' } : undefined;
}

export interface Found { interp: number; how: string; runtime?: number }

export function locateInterp(pid: number, mem: Memory, img: Image, files: ProcessFiles, l: Layout, mode: 'auto' | 'scan',
  accept: (interp: number) => boolean): Found {
  const word = (addr: number): number | undefined => {
    try {
      return ptr(mem.read(addr, 8), 0);
    } catch {
      return undefined;
    }
  };
  // A null interpreter pointer where the symbol says it lives means "not started yet": no scan
  // then, it would find nothing either.
  if (mode === 'auto') {
    const rt = runtimeAddr(img);
    if (rt !== undefined && l.runtime) {
      const interp = word(rt + l.runtime.interpretersHead);
      if (interp === 0) throw notInitialised(pid, img);
      if (interp !== undefined && isPtr(interp)) return { interp, how: 'symbol', runtime: rt };
    }
    const head = imageAddr(img, 'interp_head');
    const interp = head === undefined ? undefined : word(head);
    if (interp === 0) throw notInitialised(pid, img);
    if (interp !== undefined && isPtr(interp)) return { interp, how: 'symbol' };
    // 2.7/3.6 without .symtab: PyInterpreterState_Head() is `mov interp_head(%rip),%rax; ret`.
    const fn = imageAddr(img, 'PyInterpreterState_Head');
    const code = fn === undefined ? undefined : tryRead(mem, fn, 8);
    if (fn !== undefined && code && code[0] === 0x48 && code[1] === 0x8b && code[2] === 0x05 && code[7] === 0xc3) {
      const p = word(fn + 7 + code.readInt32LE(3));
      if (p === 0) throw notInitialised(pid, img);
      if (p !== undefined && isPtr(p) && accept(p)) return { interp: p, how: 'disassembly' };
    }
  }
  const hit = scanForInterp(mem, files.maps, img.path, l, accept);
  if (!hit) {
    throw new ToolError(`cannot find the Python interpreter in pid ${pid} (${img.path}): ` +
      'not initialised yet, or no symbols and no match in its data');
  }
  const found: Found = { interp: hit.interp, how: 'scan' };
  // For 3.7+ the pointer found is _PyRuntime.interpreters.head, which gives _PyRuntime itself.
  if (l.runtime) found.runtime = runtimeAddr(img) ?? hit.at - l.runtime.interpretersHead;
  return found;
}

/** A candidate interpreter is accepted when its threads can be walked and at least one frame
 *  holds a real code object (PyCode_Type), without any thread failing. */
export function validates(ip: Interpreter, codeType: number | undefined): boolean {
  let threads: RawThread[];
  try {
    threads = new StackWalker(ip).capture();
  } catch {
    return false;
  }
  if (threads.length === 0 || threads.some((t) => t.error)) return false;
  for (const t of threads) {
    for (let i = 0; i < t.frames.length; i += FRAME_STRIDE) {
      const code = t.frames[i]!;
      try {
        if (codeType === undefined) return true;
        if (isPtr(code) && ptr(ip.mem.read(code + ip.layout.obType, 8), 0) === codeType) return true;
      } catch {
        // keep looking
      }
    }
  }
  return false;
}
