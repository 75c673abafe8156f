// From stacks to SVG text: the pure core of pyflamegraph. No I/O:
// the caller passes the assets and side files in and takes the document as
// chunks of about 64 KiB, at its own pace (a slow pipe reader).

import type { Palette } from './color';
import { FrameWriter, type FrameStyle } from './frame';
import type { ReadResult } from './input';
import { axisHeight, axisSvg } from './axis';
import { makeLayout, scale } from './layout';
import { mergeStacks, type Frames } from './merge';
import type { SvgOptions } from './options';
import { looksLikePython, relativePathsAre } from './python';
import { type Assets, head, TAIL } from './svg';

export interface SideFiles {
  nameAttr: FrameStyle['nameAttr'];
  paletteMap: FrameStyle['paletteMap'];
}

export interface RenderReport {
  palette: Palette;
  /** Frames drawn, root included. */
  frames: number;
  /** Notes for stderr, flamegraph.pl's diagnostics. */
  warnings: string[];
  /** The document, made as it is read. */
  chunks: Iterable<string>;
}

const CHUNK = 64 * 1024;

/** Renders a non-empty profile (read.total > 0). */
export function render(
  read: ReadResult,
  o: SvgOptions,
  assets: Assets,
  side: SideFiles,
): RenderReport {
  const warnings: string[] = [];
  const total = read.total;
  if (o.countName === 'samples' && total < 100) {
    warnings.push(`stack count is low (${total}); did something go wrong?`);
  }
  let timeMax = total;
  if (o.total !== null) {
    if (o.total >= total) timeMax = o.total;
    else if (o.total / total > 0.02) warnings.push(`--total ${o.total} is less than the actual total ${total}, so ignored`);
  }
  const palette = o.palette ?? (looksLikePython(stacksOf(read)) ? 'python' : 'hot');
  const { minTime } = scale(o, timeMax);
  const frames = mergeStacks(read.table, read.order, { minTime, chain: palette === 'chain' });
  // A flame chart of pyfold --timeline gets a time axis under its root row.
  const timeline = o.flamechart ? read.timeline : null;
  const layout = makeLayout(o, timeMax, frames.maxDepth, timeline ? axisHeight(o.fontSize) : 0);
  const writer = new FrameWriter(o, layout, {
    palette,
    shade: o.shade,
    maxDelta: read.maxDelta,
    nameAttr: side.nameAttr,
    paletteMap: side.paletteMap,
    relative: palette === 'python' ? relativePathsAre(stacksOf(read)) : 'own',
    sides: read.sides,
  });

  function* chunks(): Iterable<string> {
    let buf = head(o, layout, palette, assets, timeline ? axisSvg(timeline, layout, o.fontSize, timeMax) : '');
    for (const i of drawOrder(frames)) {
      buf += writer.frame(frames.name[i]!, frames.depth[i]!, frames.start[i]!, frames.end[i]!, frames.delta[i]!, frames.incDelta[i]!);
      if (buf.length >= CHUNK) {
        yield buf;
        buf = '';
      }
    }
    yield buf + TAIL;
  }
  return { palette, frames: frames.name.length, warnings, chunks: chunks() };
}

function* stacksOf(read: ReadResult): Iterable<string> {
  for (let i = 0; i < read.table.size; i++) yield read.table.stackText(i);
}

/**
 * Frame indexes by depth, then left to right. Frames close deepest first,
 * and at one depth in time order, so a stable bucket pass per depth suffices.
 */
function drawOrder(f: Frames): Int32Array {
  const counts = new Int32Array(f.maxDepth + 2);
  for (const d of f.depth) counts[d + 1]!++;
  for (let d = 1; d < counts.length; d++) counts[d]! += counts[d - 1]!;
  const order = new Int32Array(f.depth.length);
  f.depth.forEach((d, i) => {
    order[counts[d]!++] = i;
  });
  return order;
}
