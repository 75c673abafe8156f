// Frame colours: flamegraph.pl's palettes (same formulas, so the same name gets
// the same colour as there), plus `python`. Which shade of a palette a name
// gets depends on three values v1..v3 in [0,1):
//   name (default)  flamegraph.pl's default: Perl's srand(sum of code points),
//                   rand() -> v1 = v2 = v3; deterministic, the same in every graph
//   hash (--hash)   flamegraph.pl's namehash of the name and of its reverse
//   random          Math.random(), different on every run (--random)

import { pythonKind, type PythonKind, type RelativeKind } from './python';

export const PALETTES = [
  'hot', 'mem', 'io', 'wakeup', 'chain', 'java', 'js', 'perl',
  'red', 'green', 'blue', 'aqua', 'yellow', 'purple', 'orange', 'python',
] as const;
export type Palette = (typeof PALETTES)[number];

export type ShadeMode = 'name' | 'hash' | 'random';

type Flat = 'red' | 'green' | 'blue' | 'aqua' | 'yellow' | 'purple' | 'orange';

/** relative: how the python palette reads relative paths in this profile (python.ts relativePathsAre). */
export function frameColor(palette: Palette, mode: ShadeMode, name: string, relative: RelativeKind = 'own'): string {
  const [v1, v2, v3] = shades(mode, name);
  switch (palette) {
    case 'hot':
      return rgb(205 + int(50 * v3), int(230 * v1), int(55 * v2));
    case 'mem':
      return rgb(0, 190 + int(50 * v2), int(210 * v1));
    case 'io': {
      const r = 80 + int(60 * v1);
      return rgb(r, r, 190 + int(55 * v2));
    }
    case 'python':
      return pythonColor(pythonKind(name, relative), v1);
    default:
      return flat(flatFor(palette, name), v1);
  }
}

/** The flat palette a multi-palette picks for a name (flamegraph.pl's rules). */
function flatFor(palette: Palette, name: string): Flat {
  switch (palette) {
    case 'java':
      if (/_\[j\]$/.test(name)) return 'green';
      if (/_\[i\]$/.test(name)) return 'aqua';
      if (/^L?(java|javax|jdk|net|org|com|io|sun)\//.test(name)) return 'green';
      if (name.includes(':::')) return 'green';
      if (name.includes('::')) return 'yellow';
      if (/_\[k\]$/.test(name)) return 'orange';
      return 'red';
    case 'perl':
      if (name.includes('::')) return 'yellow';
      if (name.includes('Perl') || name.includes('.pl')) return 'green';
      if (/_\[k\]$/.test(name)) return 'orange';
      return 'red';
    case 'js':
      if (/_\[j\]$/.test(name)) return name.includes('/') ? 'green' : 'aqua';
      if (name.includes('::')) return 'yellow';
      if (/\/.*\.js/.test(name)) return 'green';
      if (name.includes(':')) return 'aqua';
      if (name === ' ') return 'green';
      if (name.includes('_[k]')) return 'orange';
      return 'red';
    case 'wakeup':
      return 'aqua';
    case 'chain':
      return name.includes('_[w]') ? 'aqua' : 'blue';
    default:
      return palette as Flat;
  }
}

function flat(p: Flat, v: number): string {
  switch (p) {
    case 'red': {
      const x = 50 + int(80 * v);
      return rgb(200 + int(55 * v), x, x);
    }
    case 'green': {
      const x = 50 + int(60 * v);
      return rgb(x, 200 + int(55 * v), x);
    }
    case 'blue': {
      const x = 80 + int(60 * v);
      return rgb(x, x, 205 + int(50 * v));
    }
    case 'yellow': {
      const x = 175 + int(55 * v);
      return rgb(x, x, 50 + int(20 * v));
    }
    case 'purple': {
      const x = 190 + int(65 * v);
      return rgb(x, 80 + int(60 * v), x);
    }
    case 'aqua':
      return rgb(50 + int(60 * v), 165 + int(55 * v), 165 + int(55 * v));
    case 'orange':
      return rgb(190 + int(65 * v), 90 + int(65 * v), 0);
  }
}

/**
 * The python palette: four hues that read apart at a glance, each with a
 * small spread of shades so neighbouring frames stay distinguishable.
 *   own code: warm orange   stdlib: blue   packages: green   native/idle: grey
 */
function pythonColor(kind: PythonKind, v: number): string {
  switch (kind) {
    case 'own':
      return rgb(230 + int(25 * v), 120 + int(60 * v), 40 + int(30 * v));
    case 'stdlib':
      return rgb(110 + int(50 * v), 160 + int(45 * v), 230 + int(25 * v));
    case 'package':
      return rgb(90 + int(50 * v), 195 + int(40 * v), 90 + int(40 * v));
    case 'native': {
      const x = 180 + int(35 * v);
      return rgb(x, x, x);
    }
  }
}

/** Differential colour: red for more, blue for less, white for no change. */
export function diffColor(delta: number, maxDelta: number, negate: boolean): string {
  const d = negate ? -delta : delta;
  if (d > 0) {
    const x = int((210 * (maxDelta - d)) / maxDelta);
    return rgb(255, x, x);
  }
  if (d < 0) {
    const x = int((210 * (maxDelta + d)) / maxDelta);
    return rgb(x, x, 255);
  }
  return rgb(255, 255, 255);
}

function shades(mode: ShadeMode, name: string): [number, number, number] {
  if (mode === 'hash') {
    const back = namehash(reverseCodePoints(name));
    return [namehash(name), back, back];
  }
  if (mode === 'random') return [Math.random(), Math.random(), Math.random()];
  const v = seededRand(codePointSum(name));
  return [v, v, v];
}

/**
 * flamegraph.pl's namehash: a value from the first three characters, early
 * ones weighing more, so similar names get similar colours across graphs.
 * A "module`" prefix is dropped first.
 */
export function namehash(name: string): number {
  const tick = name.indexOf('`', 1);
  if (tick >= 1) name = name.slice(tick + 1);
  let vector = 0;
  let weight = 1;
  let max = 1;
  let mod = 10;
  for (const ch of name) {
    const i = ch.codePointAt(0)! % mod;
    vector += (i / (mod++ - 1)) * weight;
    max += weight;
    weight *= 0.7;
    if (mod > 12) break;
  }
  return 1 - vector / max;
}

function codePointSum(name: string): number {
  let sum = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.codePointAt(i)!;
    if (c > 0xffff) i++;
    sum = (sum + c) >>> 0;
  }
  return sum;
}

const MASK48 = (1n << 48n) - 1n;

/** Perl's srand(seed); rand(): its drand48, first value after seeding. */
export function seededRand(seed: number): number {
  const x = (BigInt(seed >>> 0) << 16n) | 0x330en;
  return Number((0x5deece66dn * x + 0xbn) & MASK48) / 2 ** 48;
}

function reverseCodePoints(s: string): string {
  return Array.from(s).reverse().join('');
}

function int(x: number): number {
  return Math.trunc(x);
}

function rgb(r: number, g: number, b: number): string {
  return `rgb(${r},${g},${b})`;
}
