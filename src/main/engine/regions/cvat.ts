/**
 * CVAT for images 1.1 XML (docs.cvat.ai, "XML annotation format"): `<annotations>` with one `<image name width
 * height>` per image, holding `<box xtl ytl xbr ybr rotation>` (degrees clockwise about the box's centre),
 * `<polygon points="x,y;x,y;…">`, `<points>`, `<ellipse cx cy rx ry rotation>` and `<mask rle left top width
 * height>` — the mask's runs alternate 0s and 1s over its width × height box, row by row, starting with a (possibly
 * empty) run of 0s. Polylines have no area; tags label a whole image; cuboids and skeletons are not regions: all
 * counted as skipped. The class is the shape's `label`. CVAT for video (tracks) is refused with its own sentence.
 */
import { CamscopeError } from '../errors';
import { ellipseMask, rotatedBox } from './geometry';
import type { SourceEntry } from './match';
import type { SkipTally } from './tally';
import type { Region, RegionShape } from './types';
import { childrenNamed, escapeXml, parseXml, type XmlElement } from './xml';

type Pt = [number, number];

const SKIPPED: Record<string, { one: string; many: string; why: string }> = {
  polyline: { one: 'polyline', many: 'polylines', why: 'CVAT polylines have no area' },
  tag: { one: 'tag', many: 'tags', why: 'CVAT tags label a whole image' },
  cuboid: { one: 'cuboid', many: 'cuboids', why: 'CVAT cuboids are 3-D boxes' },
  skeleton: { one: 'skeleton', many: 'skeletons', why: 'CVAT skeletons are keypoint graphs' },
};

/** CVAT's mask runs over a width × height box (row-major, 0s first) → 0/1 values. */
export function cvatRleToMask(runs: number[], width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  let pos = 0;
  runs.forEach((n, k) => {
    if (!Number.isInteger(n) || n < 0 || pos + n > out.length) throw new Error(`runs exceed its ${width}x${height} box`);
    if (k % 2 === 1) out.fill(1, pos, pos + n);
    pos += n;
  });
  return out;
}

/** 0/1 values → CVAT's runs (0s first, so a mask starting with 1 begins with a run of 0). */
export function maskToCvatRle(values: ArrayLike<number>): number[] {
  const runs: number[] = [];
  let current = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ? 1 : 0;
    if (v === current) n++;
    else {
      runs.push(n);
      current = v;
      n = 1;
    }
  }
  runs.push(n);
  return runs;
}

function shapeOf(el: XmlElement, size: { width: number; height: number } | null, bad: (why: string) => never): RegionShape[] {
  const num = (k: string): number => {
    const v = Number(el.attrs[k]);
    if (el.attrs[k] === undefined || !Number.isFinite(v)) bad(`a <${el.name}> whose ${k} is not a number`);
    return v;
  };
  const points = (): Pt[] =>
    (el.attrs.points ?? '').split(';').filter((p) => p.trim()).map((p) => {
      const [x, y] = p.split(',').map(Number);
      if (!Number.isFinite(x) || !Number.isFinite(y)) bad(`a <${el.name}> whose points are not "x,y;x,y;…" numbers`);
      return [x, y] as Pt;
    });
  const needSize = (): { width: number; height: number } => size ?? bad(`a <${el.name}> on an image without width and height`);
  const rotation = el.attrs.rotation === undefined ? 0 : num('rotation');
  switch (el.name) {
    case 'box': {
      const [x0, y0, x1, y1] = [num('xtl'), num('ytl'), num('xbr'), num('ybr')];
      if (x1 < x0 || y1 < y0) bad('a <box> whose xbr or ybr is less than its xtl or ytl');
      if (rotation % 360 === 0) return [{ kind: 'box', x0, y0, x1, y1 }];
      return [{ kind: 'polygon', points: rotatedBox(x0, y0, x1, y1, rotation, (x0 + x1) / 2, (y0 + y1) / 2) }];
    }
    case 'polygon': {
      const pts = points();
      if (pts.length < 3) bad('a <polygon> of fewer than three points');
      return [{ kind: 'polygon', points: pts }];
    }
    case 'points':
      return points().map(([x, y]) => ({ kind: 'point', x, y }));
    case 'ellipse': {
      const { width, height } = needSize();
      return [ellipseMask(num('cx'), num('cy'), num('rx'), num('ry'), rotation, width, height)];
    }
    case 'mask': {
      const { width, height } = needSize();
      const [left, top, w, h] = [num('left'), num('top'), num('width'), num('height')];
      if (![left, top, w, h].every(Number.isInteger) || w <= 0 || h <= 0) bad('a <mask> whose left, top, width or height is not a whole number');
      const runs = (el.attrs.rle ?? '').split(',').map((s) => Number(s.trim()));
      let box: Uint8Array;
      try {
        box = cvatRleToMask(runs, w, h);
      } catch (e) {
        return bad(`a <mask> whose rle ${e instanceof Error ? e.message : String(e)}`);
      }
      const data = new Uint8Array(width * height);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const X = left + x;
          const Y = top + y;
          if (box[y * w + x] && X >= 0 && X < width && Y >= 0 && Y < height) data[Y * width + X] = 1;
        }
      }
      return [{ kind: 'mask', width, height, data }];
    }
    default:
      return [];
  }
}

export function parseCvatXml(text: string, path: string, tally: SkipTally): SourceEntry[] {
  const root = parseXml(text, path);
  if (root.name !== 'annotations') throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} is not CVAT XML: its root element is <${root.name}>, not <annotations>.`);
  if (childrenNamed(root, 'track').length) {
    throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} is CVAT for video (it has <track> elements); export the task as "CVAT for images 1.1" instead.`);
  }
  return childrenNamed(root, 'image').map((im, i) => {
    const name = im.attrs.name;
    if (!name) throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} has an <image> (number ${i + 1}) without a name.`);
    const bad = (why: string): never => {
      throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} has ${why} (image ${name}).`);
    };
    const w = Number(im.attrs.width);
    const h = Number(im.attrs.height);
    const size = Number.isInteger(w) && Number.isInteger(h) && w > 0 && h > 0 ? { width: w, height: h } : null;
    const regions: Region[] = [];
    for (const el of im.children) {
      const skip = SKIPPED[el.name];
      if (skip) {
        tally.add(skip);
        continue;
      }
      const className = el.attrs.label ? el.attrs.label : null;
      for (const shape of shapeOf(el, size, bad)) regions.push({ shape, className });
    }
    return { keys: [{ key: name, by: 'name' as const }], regions, ...(size ? { size } : {}) };
  });
}

export interface CvatImageOut {
  name: string;
  width: number;
  height: number;
  /** Boxes, polygons without holes, points, and masks of exactly width × height. */
  regions: readonly Region[];
}

const n = (v: number): string => String(v);

/** CVAT for images 1.1 XML for these images; numbers are written in full, so reading the file back is exact. */
export function cvatXml(images: readonly CvatImageOut[]): string {
  const labels = [...new Set(images.flatMap((im) => im.regions.map((r) => r.className ?? '')))].sort();
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<annotations>',
    '  <version>1.1</version>',
    '  <meta>',
    '    <task>',
    '      <name>camscope regions</name>',
    `      <size>${images.length}</size>`,
    '      <mode>annotation</mode>',
    '      <labels>',
    ...labels.map((l) => `        <label><name>${escapeXml(l)}</name><type>any</type></label>`),
    '      </labels>',
    '    </task>',
    '  </meta>',
  ];
  images.forEach((im, id) => {
    lines.push(`  <image id="${id}" name="${escapeXml(im.name)}" width="${im.width}" height="${im.height}">`);
    for (const r of im.regions) {
      const label = `label="${escapeXml(r.className ?? '')}" source="camscope" occluded="0"`;
      const s = r.shape;
      if (s.kind === 'box') lines.push(`    <box ${label} xtl="${n(s.x0)}" ytl="${n(s.y0)}" xbr="${n(s.x1)}" ybr="${n(s.y1)}" z_order="0"/>`);
      else if (s.kind === 'polygon' && s.holes?.length) throw new Error('cvatXml: CVAT polygons have no holes; write them as masks');
      else if (s.kind === 'polygon') lines.push(`    <polygon ${label} points="${s.points.map(([x, y]) => `${n(x)},${n(y)}`).join(';')}" z_order="0"/>`);
      else if (s.kind === 'point') lines.push(`    <points ${label} points="${n(s.x)},${n(s.y)}" z_order="0"/>`);
      else if (s.kind === 'mask') {
        if (s.width !== im.width || s.height !== im.height) throw new Error(`cvatXml: a ${s.width}x${s.height} mask on the ${im.width}x${im.height} image ${im.name}`);
        let [x0, y0, x1, y1] = [im.width, im.height, -1, -1];
        for (let y = 0; y < s.height; y++) for (let x = 0; x < s.width; x++) if (s.data[y * s.width + x]) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
        if (x1 < 0) continue; // an empty mask has no box
        const w = x1 - x0 + 1;
        const h = y1 - y0 + 1;
        const box = new Uint8Array(w * h);
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) box[y * w + x] = s.data[(y0 + y) * s.width + x0 + x];
        lines.push(`    <mask ${label} rle="${maskToCvatRle(box).join(', ')}" left="${x0}" top="${y0}" width="${w}" height="${h}" z_order="0"/>`);
      } else throw new Error('cvatXml: read mask files before writing');
    }
    lines.push('  </image>');
  });
  lines.push('</annotations>', '');
  return lines.join('\n');
}
