// Finds the CPython interpreters on this machine by looking, never by a fixed
// list: $PYENV_ROOT/versions/*/bin/pythonX.Y, python3.X on PATH and
// /usr/bin/python3.*, real ELF executables only (pyenv's shims are scripts),
// each once (by real path). PYSAMPLE_PYTHONS=3.12,3.11 narrows the set by
// version prefix or path.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './run';

export interface Interpreter {
  /** The executable to run. */
  path: string;
  /** Full version, e.g. '3.12.1'. */
  version: string;
  /** 'major.minor', e.g. '3.12'. */
  minor: string;
  /** Where it was found. */
  source: 'pyenv' | 'path' | 'system';
  /** Short unique name for test titles: '3.12.1 (pyenv)'. */
  label: string;
}

const NAME = /^python(\d)\.(\d+)$/;

function isElf(file: string): boolean {
  try {
    const fd = fs.openSync(file, 'r');
    const b = Buffer.alloc(4);
    fs.readSync(fd, b, 0, 4, 0);
    fs.closeSync(fd);
    return b.toString('latin1') === '\x7fELF';
  } catch {
    return false;
  }
}

function candidates(): { file: string; source: Interpreter['source'] }[] {
  const out: { file: string; source: Interpreter['source'] }[] = [];
  const pyenv = process.env.PYENV_ROOT || path.join(os.homedir(), '.pyenv');
  const versions = path.join(pyenv, 'versions');
  for (const v of safeReaddir(versions).sort()) {
    const bin = path.join(versions, v, 'bin');
    for (const f of safeReaddir(bin)) if (NAME.test(f)) out.push({ file: path.join(bin, f), source: 'pyenv' });
  }
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    for (const f of safeReaddir(dir)) if (NAME.test(f)) out.push({ file: path.join(dir, f), source: 'path' });
  }
  for (const f of safeReaddir('/usr/bin')) if (NAME.test(f)) out.push({ file: path.join('/usr/bin', f), source: 'system' });
  return out;
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

let found: Interpreter[] | undefined;

/** Every interpreter found (after PYSAMPLE_PYTHONS), in version order. */
export function findInterpreters(): Interpreter[] {
  if (found) return found;
  const seen = new Set<string>();
  const list: Interpreter[] = [];
  for (const { file, source } of candidates()) {
    let real: string;
    try {
      real = fs.realpathSync(file);
    } catch {
      continue;
    }
    if (seen.has(real) || !isElf(real)) continue;
    seen.add(real);
    let version: string;
    try {
      version = execFileSync(real, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], {
        encoding: 'utf8',
        timeout: 10000,
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      continue;
    }
    const minor = version.split('.').slice(0, 2).join('.');
    list.push({ path: real, version, minor, source, label: `${version} (${source === 'pyenv' ? 'pyenv' : real})` });
  }
  const want = (process.env.PYSAMPLE_PYTHONS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  found = list
    .filter((i) => want.length === 0 || want.some((w) => i.version.startsWith(w) || i.path === w))
    .sort((a, b) => compareVersions(a.version, b.version) || a.path.localeCompare(b.path));
  return found;
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** True for the versions issue 4 requires (3.8 to 3.13). */
export function isCoreVersion(i: Interpreter): boolean {
  return compareVersions(i.minor, '3.8') >= 0 && compareVersions(i.minor, '3.13') <= 0;
}

/** One line saying what was found, for test logs. */
export function describeInterpreters(list: Interpreter[] = findInterpreters()): string {
  return list.length ? `interpreters found: ${list.map((i) => i.label).join(', ')}` : 'no Python interpreter found';
}

/** The shared libpython of a pyenv build (its lib/ beside bin/); throws if it has none. */
export function libpythonOf(py: Interpreter): string {
  const dir = path.join(path.dirname(path.dirname(py.path)), 'lib');
  const name = fs.existsSync(dir) ? fs.readdirSync(dir).find((f) => /^libpython\d\.\d+[a-z]*\.so\.1\.0$/.test(f)) : undefined;
  if (!name) throw new Error(`no shared libpython in ${dir}`);
  return path.join(dir, name);
}

/** A copy of py's libpython without .symtab in dir (to load with LD_LIBRARY_PATH=dir); its path. */
export function strippedCopy(py: Interpreter, dir: string): string {
  const lib = libpythonOf(py);
  const copy = path.join(dir, path.basename(lib));
  fs.copyFileSync(lib, copy);
  execFileSync('strip', ['--strip-all', copy]);
  return copy;
}

/** A program that runs Python scripts but is not named python: `exe ...args SCRIPT ARGS` runs
 *  SCRIPT as __main__ with sys.argv [SCRIPT, ...ARGS], with `env` added to its environment;
 *  `lib` is the libpython it runs. */
export interface Embedder {
  exe: string;
  args: string[];
  lib: string;
  env: NodeJS.ProcessEnv;
}

/** test/fixtures/python/embed.c built in dir as `name`, linked to py's libpython. */
export function embedder(py: Interpreter, dir: string, name: string): Embedder {
  const lib = libpythonOf(py);
  const prefix = path.dirname(path.dirname(py.path));
  const inc = fs.readdirSync(path.join(prefix, 'include')).find((d) => d.startsWith('python'))!;
  const exe = path.join(dir, name);
  execFileSync('gcc', [path.join(ROOT, 'test/fixtures/python/embed.c'), '-o', exe,
    `-I${path.join(prefix, 'include', inc)}`, `-L${path.dirname(lib)}`, `-l${path.basename(lib).replace(/^lib|\.so.*$/g, '')}`,
    `-Wl,-rpath,${path.dirname(lib)}`]);
  return { exe, args: [], lib, env: { PYTHONHOME: prefix } };
}

/** test/fixtures/python/embed_dl.c built in dir as `name`, loading with dlopen a copy of py's
 *  libpython renamed dir/vendor/libappcore.so (`lib`). */
export function dlopener(py: Interpreter, dir: string, name: string): Embedder {
  const lib = path.join(dir, 'vendor', 'libappcore.so');
  fs.mkdirSync(path.dirname(lib), { recursive: true });
  fs.copyFileSync(libpythonOf(py), lib);
  const exe = path.join(dir, name);
  execFileSync('gcc', [path.join(ROOT, 'test/fixtures/python/embed_dl.c'), '-o', exe, '-ldl']);
  return { exe, args: [lib], lib, env: { PYTHONHOME: path.dirname(path.dirname(py.path)) } };
}
