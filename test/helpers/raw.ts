// Reads pysample's raw stack format (README "Raw stacks") back into records,
// for tests that compare pysample's output with a target's own view.

export interface RawFrame {
  code: string;
  file: string;
  name: string;
  line: number;
}

export interface RawRecord {
  comm: string;
  pid: number;
  tid: number;
  flags: string[];
  time: number;
  /** Innermost first, without the `[idle]` marker frame. */
  frames: RawFrame[];
  idleMarker: boolean;
}

export interface RawOutput {
  meta: Map<string, string>;
  errors: string[];
  records: RawRecord[];
  /** Lines that fit no part of the format. */
  bad: string[];
}

const HEADER = /^(.+) (\d+)\/(\d+) \[([a-z,-]+)\] (\d+\.\d{6}): 1 cpu-clock:$/;
const FRAME = /^\t([0-9a-f]+) (.*):([^:]*):(\d+) \(python\)$/;

export function parseRaw(text: string): RawOutput {
  const out: RawOutput = { meta: new Map(), errors: [], records: [], bad: [] };
  let cur: RawRecord | undefined;
  for (const line of text.split('\n')) {
    if (line === '# ========') {
      if (out.meta.size === 0) out.meta.set('first', line);
      continue;
    }
    if (line.startsWith('# ')) {
      const colon = line.indexOf(': ');
      const key = line.slice(2, colon);
      if (key === 'error') out.errors.push(line.slice(colon + 2));
      else if (key === 'samples') out.meta.set('totals', line.slice(2));
      else out.meta.set(key, line.slice(colon + 2));
      continue;
    }
    if (line === '') {
      cur = undefined;
      continue;
    }
    if (!cur) {
      const m = HEADER.exec(line);
      if (!m) {
        out.bad.push(line);
        continue;
      }
      cur = {
        comm: m[1]!, pid: Number(m[2]), tid: Number(m[3]), flags: m[4] === '-' ? [] : m[4]!.split(','),
        time: Number(m[5]), frames: [], idleMarker: false,
      };
      out.records.push(cur);
      continue;
    }
    if (line === '\t0 [idle] (python)' && cur.frames.length === 0) {
      cur.idleMarker = true;
      continue;
    }
    const f = FRAME.exec(line);
    if (!f) {
      out.bad.push(line);
      continue;
    }
    cur.frames.push({ code: f[1]!, file: f[2]!, name: f[3]!, line: Number(f[4]) });
  }
  return out;
}

/** `file:name:line` per frame, innermost first: the shape stacks are compared in. */
export function frameKeys(frames: readonly { file: string; name: string; line: number }[]): string[] {
  return frames.map((f) => `${f.file}:${f.name}:${f.line}`);
}
