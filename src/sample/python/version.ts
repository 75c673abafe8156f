// CPython versions from what the target holds: PY_VERSION_HEX (Py_Version,
// _Py_DebugOffsets.version), the Py_GetVersion() buffer, or file names.
// The target's binary is never run.

export interface PyVersion {
  major: number;
  minor: number;
  /** undefined when only the minor version is known (from a file name). */
  micro?: number;
  /** Release level suffix: '' (final), 'a1', 'b2', 'rc1'. */
  suffix: string;
}

export function versionText(v: PyVersion): string {
  return `${v.major}.${v.minor}${v.micro === undefined ? '' : `.${v.micro}`}${v.suffix}`;
}

/** PY_VERSION_HEX: 0x030d00f0 is 3.13.0 final. */
export function fromHex(hex: number): PyVersion | undefined {
  const major = (hex >>> 24) & 0xff;
  const minor = (hex >>> 16) & 0xff;
  const micro = (hex >>> 8) & 0xff;
  const level = (hex >>> 4) & 0xf;
  const serial = hex & 0xf;
  const tag = ({ 0xa: 'a', 0xb: 'b', 0xc: 'rc', 0xf: '' } as Record<number, string>)[level];
  if (major < 2 || major > 3 || minor > 40 || tag === undefined) return undefined;
  return { major, minor, micro, suffix: tag === '' ? '' : `${tag}${serial}` };
}

const TEXT = /^([23])\.(\d{1,2})\.(\d{1,2})((?:a|b|rc)\d+)?\+? \(/;

/** The start of sys.version: "3.7.16 (default, Nov 21 2026, 10:00:00) ...". */
export function fromText(s: string): PyVersion | undefined {
  const m = TEXT.exec(s);
  return m ? { major: Number(m[1]), minor: Number(m[2]), micro: Number(m[3]), suffix: m[4] ?? '' } : undefined;
}

/** Finds a version string ("3.7.16 (") anywhere in a buffer, e.g. a copy of .data/.bss. */
export function findText(b: Buffer, minor?: { major: number; minor: number }): PyVersion | undefined {
  const re = /([23])\.(\d{1,2})\.(\d{1,2})((?:a|b|rc)\d+)?\+? \([A-Za-z]/g;
  const text = b.toString('latin1');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const v = fromText(m[0]);
    if (v && (!minor || (v.major === minor.major && v.minor === minor.minor))) return v;
  }
  return undefined;
}

/** libpython3.7m.so.1.0, libpython2.7.so, python3.12, python2.7: the minor version only. */
export function fromFileName(path: string): PyVersion | undefined {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const m = /^(?:lib)?python([23])\.(\d{1,2})[a-z]*(?:\.so|$)/.exec(base);
  return m ? { major: Number(m[1]), minor: Number(m[2]), suffix: '' } : undefined;
}
