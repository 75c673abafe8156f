// One frame of the graph as SVG, in flamegraph.pl's shape:
//
//   <g><title>NAME (COUNT COUNTNAME, PCT%)</title><rect x y width height fill rx="2" ry="2"/><text x y>LABEL</text></g>
//
// (differential input adds "; +D%" to the title, and by default both sides'
// inclusive counts and shares: "; before B samples, P%; after A samples, P%";
// a --nameattr href makes the group an <a>). When the label is not cut from
// the whole name (python labels, labels.ts), <text> carries its source in
// data-label, for the script to cut again on zoom. Per-name work (escaping, colour) is cached: big profiles
// repeat the same few thousand names millions of times.

import { diffColor, frameColor, type Palette, type ShadeMode } from './color';
import { fixed, withCommas } from './format';
import { labelSource } from './labels';
import { frameBox, label, type Layout } from './layout';
import { extraAttrs, type NameAttrs, safeAttr } from './nameattr';
import type { SvgOptions } from './options';
import type { RelativeKind } from './python';
import { escapeAttr, escapeText, xmlChars } from './xml';

export interface FrameStyle {
  palette: Palette;
  shade: ShadeMode;
  maxDelta: number;
  nameAttr: ReadonlyMap<string, NameAttrs>;
  /** --cp: colours by name, read from and added to palette.map. */
  paletteMap: Map<string, string> | null;
  /** How the python palette reads relative paths (python.ts relativePathsAre). */
  relative: RelativeKind;
  /** Differential input: sums of the before and after counts, else null. */
  sides: { before: number; after: number } | null;
}

interface NameInfo {
  /** Title text: escaped, perf's _[k]/_[j]/_[i]/_[w] annotation removed. */
  title: string;
  /** Label source: annotation removed, not escaped. */
  label: string;
  /** ` data-label="..."` when the label source is not the name, else ''. */
  labelAttr: string;
  color: string | null;
  open: string;
  close: string;
}

const ANNOTATION = /_\[[kwij]\]$/;

export class FrameWriter {
  private readonly names = new Map<string, NameInfo>();
  private readonly countName: string;

  constructor(
    private readonly o: SvgOptions,
    private readonly l: Layout,
    private readonly style: FrameStyle,
  ) {
    this.countName = escapeText(o.countName);
  }

  /** The SVG of one frame; `root` is the unnamed frame under every stack. */
  frame(name: string, depth: number, start: number, end: number, delta: number, incDelta = NaN): string {
    const root = depth === 0 && name === '';
    if (root) end = this.l.timeMax;
    const box = frameBox(this.l, depth, start, end);
    const info = this.info(name);
    const samples = fixed((end - start) * this.o.factor, 0);
    const count = `${withCommas(samples)} ${this.countName}`;
    let title: string;
    if (this.style.nameAttr.get(name)?.title) {
      title = escapeText(this.style.nameAttr.get(name)!.title!);
    } else if (root) {
      title = `all (${count}, 100%)`;
    } else {
      const pct = fixed((100 * Number(samples)) / (this.l.timeMax * this.o.factor), 2);
      if (Number.isNaN(delta)) {
        title = `${info.title} (${count}, ${pct}%)`;
      } else {
        const d = this.o.negate ? -delta : delta;
        const dpct = fixed((100 * d) / (this.l.timeMax * this.o.factor), 2);
        title = `${info.title} (${count}, ${pct}%; ${d > 0 ? '+' : ''}${dpct}%${this.sides(end - start, incDelta)})`;
      }
    }
    const fill = this.color(name, info, delta);
    const text = root ? '' : escapeText(label(info.label, box.chars));
    return (
      `${info.open}<title>${title}</title>` +
      `<rect x="${box.x}" y="${box.y}" width="${box.width}" height="${box.height}" fill="${fill}" rx="2" ry="2"/>` +
      `<text x="${box.textX}" y="${box.textY}"${root ? '' : info.labelAttr}>${text}</text>${info.close}\n`
    );
  }

  /**
   * "; before B samples, P%; after A samples, P%": the frame's inclusive
   * count on each side and its share of that side's samples ('' unless
   * --diff-tooltips full). The width is one side's count; incDelta (after -
   * before, inclusive) gives the other.
   */
  private sides(width: number, incDelta: number): string {
    const sides = this.style.sides;
    if (sides === null || this.o.diffTooltips !== 'full' || Number.isNaN(incDelta)) return '';
    const [before, after] = this.o.diffWidths === 'before' ? [width, width + incDelta] : [width - incDelta, width];
    const side = (what: string, n: number, total: number): string => {
      const shown = withCommas(fixed(n * this.o.factor, 0));
      return `; ${what} ${shown} ${this.countName}, ${fixed(total > 0 ? (100 * n) / total : 0, 2)}%`;
    };
    return side('before', before, sides.before) + side('after', after, sides.after);
  }

  private color(name: string, info: NameInfo, delta: number): string {
    if (name === '--') return 'rgb(160,160,160)';
    if (name === '-') return 'rgb(200,200,200)';
    if (!Number.isNaN(delta)) return diffColor(delta, this.style.maxDelta, this.o.negate);
    const map = this.style.paletteMap;
    if (map) {
      let c = map.get(name);
      if (c === undefined) map.set(name, (c = frameColor(this.style.palette, this.style.shade, name, this.style.relative)));
      return c;
    }
    if (info.color !== null) return info.color;
    const c = frameColor(this.style.palette, this.style.shade, name, this.style.relative);
    if (this.style.shade !== 'random') info.color = c;
    return c;
  }

  private info(name: string): NameInfo {
    let info = this.names.get(name);
    if (info === undefined) {
      const clean = xmlChars(name).replace(ANNOTATION, '');
      const source = labelSource(clean, this.o.frameLabels);
      const labelAttr = source === clean ? '' : ` data-label="${escapeAttr(source)}"`;
      info = { title: escapeText(clean), label: source, labelAttr, color: null, ...groupTags(this.style.nameAttr.get(name)) };
      this.names.set(name, info);
    }
    return info;
  }
}

/** <g> or, with an href, <a>, carrying --nameattr's id, class and extra attributes. */
function groupTags(attrs: NameAttrs | undefined): { open: string; close: string } {
  if (!attrs) return { open: '<g>', close: '</g>' };
  const list: [string, string][] = [];
  const href = attrs.href && safeAttr('xlink:href', attrs.href) ? attrs.href : '';
  if (href) {
    list.push(['xlink:href', href], ['target', attrs.target || '_top']);
    if (attrs.a_extra) list.push(...extraAttrs(attrs.a_extra));
  }
  if (attrs.id !== undefined) list.push(['id', attrs.id]);
  if (attrs.class !== undefined) list.push(['class', attrs.class]);
  if (attrs.g_extra) list.push(...extraAttrs(attrs.g_extra));
  const seen = new Set<string>();
  const parts = list.filter(([n]) => !seen.has(n) && seen.add(n)).map(([n, v]) => ` ${n}="${escapeAttr(v)}"`);
  const tag = href ? 'a' : 'g';
  return { open: `<${tag}${parts.join('')}>`, close: `</${tag}>` };
}
