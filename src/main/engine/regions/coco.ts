/**
 * COCO JSON regions (the format camscope's annotation export writes): per annotation its segmentation — polygons
 * (flat [x1, y1, x2, y2, …] lists) or RLE ({size: [h, w], counts: list or compressed string}, column-major) — or,
 * without one, its bbox [x, y, width, height]; keypoints (visibility > 0) become points. Images are matched by
 * `file_name`, a path relative to the dataset.
 */
import { CamscopeError } from '../errors';
import { pointBounds } from './geometry';
import type { SourceEntry } from './match';
import { SkipTally } from './tally';
import type { Region, RegionShape } from './types';

interface CocoImage { id: number | string; file_name: string; width?: number; height?: number }
interface CocoAnnotation {
  image_id: number | string;
  category_id?: number | string;
  bbox?: number[];
  segmentation?: number[][] | { size: [number, number]; counts: number[] | string };
  keypoints?: number[];
  attributes?: { kind?: string };
}

/** pycocotools' compressed RLE string → run lengths (rleFrString). */
export function decodeRleString(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length) throw new Error('truncated RLE string');
      const c = s.charCodeAt(p) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return counts;
}

/** Run lengths (first run = zeros, column-major over h×w, as COCO) → a row-major 0/1 mask. */
export function rleToMask(counts: number[], h: number, w: number): Uint8Array {
  const mask = new Uint8Array(h * w);
  let pos = 0;
  let value = 0;
  for (const n of counts) {
    if (n < 0 || pos + n > h * w) throw new Error(`RLE runs exceed the ${w}x${h} mask`);
    if (value) {
      for (let k = pos; k < pos + n; k++) {
        const col = Math.floor(k / h);
        const row = k - col * h;
        mask[row * w + col] = 1;
      }
    }
    pos += n;
    value ^= 1;
  }
  return mask;
}

function annotationRegions(a: CocoAnnotation, className: string | null, file: string): Region[] {
  const out: Region[] = [];
  const seg = a.segmentation;
  const bbox = Array.isArray(a.bbox) && a.bbox.length === 4 && a.bbox.every(Number.isFinite) ? a.bbox : null;
  const kp = Array.isArray(a.keypoints) ? a.keypoints : [];
  // camscope's own export writes rectangles also as 4-corner polygons; the bbox is the exact rectangle.
  if (a.attributes?.kind === 'rect' && bbox) {
    out.push({ shape: { kind: 'box', x0: bbox[0], y0: bbox[1], x1: bbox[0] + bbox[2], y1: bbox[1] + bbox[3] }, className });
  } else if (Array.isArray(seg) && seg.length > 0) {
    for (const poly of seg) {
      if (!Array.isArray(poly) || poly.length < 6 || poly.length % 2 || !poly.every(Number.isFinite)) {
        throw new Error(`a polygon of ${file} is not a list of at least three x, y pairs`);
      }
      out.push({ shape: { kind: 'polygon', points: Array.from({ length: poly.length / 2 }, (_, i) => [poly[2 * i], poly[2 * i + 1]] as [number, number]) }, className });
    }
  } else if (seg && !Array.isArray(seg) && typeof seg === 'object') {
    const [h, w] = seg.size ?? [];
    if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0)) throw new Error(`an RLE segmentation of ${file} has no valid size [height, width]`);
    const counts = typeof seg.counts === 'string' ? decodeRleString(seg.counts) : seg.counts;
    if (!Array.isArray(counts)) throw new Error(`an RLE segmentation of ${file} has no counts`);
    out.push({ shape: { kind: 'mask', width: w, height: h, data: rleToMask(counts, h, w) }, className });
  } else if (bbox && (bbox[2] > 0 || bbox[3] > 0 || kp.length === 0)) {
    out.push({ shape: { kind: 'box', x0: bbox[0], y0: bbox[1], x1: bbox[0] + bbox[2], y1: bbox[1] + bbox[3] }, className });
  }
  if (out.length === 0) {
    for (let i = 0; i + 2 < kp.length; i += 3) if (kp[i + 2] > 0) out.push({ shape: { kind: 'point', x: kp[i], y: kp[i + 1] }, className });
  }
  return out;
}

/** Parses a COCO document; keys are the images' `file_name`s with '/' separators. */
export function parseCoco(text: string, path: string, tally?: SkipTally): Map<string, Region[]> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} is not valid JSON (${e instanceof Error ? e.message : String(e)}).`);
  }
  return new Map(parseCocoDoc(doc, path, tally ?? new SkipTally()).map((e) => [e.keys[0].key, e.regions]));
}

/** A parsed COCO document's regions per image (`file_name`, matched exactly), with the sizes COCO states. */
export function parseCocoDoc(parsed: unknown, path: string, tally: SkipTally): SourceEntry[] {
  const doc = parsed as { images?: CocoImage[]; annotations?: CocoAnnotation[]; categories?: { id: number | string; name: string }[] } | null;
  if (!doc || !Array.isArray(doc.images) || !Array.isArray(doc.annotations)) {
    throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} is not COCO JSON: it needs "images" and "annotations" lists.`);
  }
  const names = new Map((doc.categories ?? []).map((c) => [String(c.id), String(c.name)]));
  const images = new Map(doc.images.map((im) => [String(im.id), im]));
  const fileOf = (im: CocoImage): string => String(im.file_name).replace(/\\/g, '/').replace(/^\.\//, '');
  const out = new Map<string, SourceEntry>();
  for (const a of doc.annotations) {
    const im = images.get(String(a.image_id));
    if (im === undefined) throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} has an annotation for image id ${a.image_id}, which is not in its "images" list.`);
    const file = fileOf(im);
    const className = a.category_id === undefined ? null : names.get(String(a.category_id)) ?? null;
    let regions: Region[];
    try {
      regions = annotationRegions(a, className, file);
    } catch (e) {
      throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} has an invalid annotation: ${e instanceof Error ? e.message : String(e)}.`);
    }
    if (!regions.length) tally.add({ one: 'annotation without a shape', many: 'annotations without a shape', why: 'no box, polygon, mask or visible keypoint' });
    const sized = Number.isInteger(im.width) && Number.isInteger(im.height) && im.width! > 0 && im.height! > 0;
    const entry = out.get(file) ?? { keys: [{ key: file, by: 'path' as const }], regions: [], ...(sized ? { size: { width: im.width!, height: im.height! } } : {}) };
    entry.regions.push(...regions);
    out.set(file, entry);
  }
  return [...out.values()];
}

/** Column-major COCO runs (first run = zeros) of a row-major 0/1 mask. */
export function maskToRle(data: ArrayLike<number>, width: number, height: number): number[] {
  const runs: number[] = [];
  let current = 0;
  let n = 0;
  for (let col = 0; col < width; col++) {
    for (let row = 0; row < height; row++) {
      const v = data[row * width + col] ? 1 : 0;
      if (v === current) n++;
      else {
        runs.push(n);
        current = v;
        n = 1;
      }
    }
  }
  runs.push(n);
  return runs;
}

export interface CocoImageOut {
  name: string;
  width?: number;
  height?: number;
  /** Boxes, polygons without holes, points, and masks (any size: COCO RLE carries its own). */
  regions: readonly { shape: RegionShape; className: string | null; name?: string }[];
}

/**
 * A COCO document of these images: boxes as a bbox (attributes.kind "rect", as camscope's annotation export writes
 * them), polygons as segmentation polygons, points as keypoints, masks as uncompressed RLE — so reading it back
 * gives the same shapes.
 */
export function cocoDocument(images: readonly CocoImageOut[]): object {
  const categories = [...new Set(images.flatMap((im) => im.regions.map((r) => r.className).filter((c): c is string => c !== null)))].sort();
  const catId = new Map(categories.map((c, i) => [c, i + 1]));
  const annotations: object[] = [];
  images.forEach((im, k) => {
    for (const r of im.regions) {
      const s = r.shape;
      const base = { id: annotations.length + 1, image_id: k + 1, ...(r.className !== null ? { category_id: catId.get(r.className) } : {}), iscrowd: 0 };
      const attributes = r.name ? { name: r.name } : {};
      if (s.kind === 'box') annotations.push({ ...base, bbox: [s.x0, s.y0, s.x1 - s.x0, s.y1 - s.y0], area: (s.x1 - s.x0) * (s.y1 - s.y0), attributes: { kind: 'rect', ...attributes } });
      else if (s.kind === 'polygon') {
        if (s.holes?.length) throw new Error('cocoDocument: COCO polygons have no holes; write them as masks');
        const [x0, y0, x1, y1] = pointBounds(s.points);
        annotations.push({ ...base, segmentation: [s.points.flat()], bbox: [x0, y0, x1 - x0, y1 - y0], attributes });
      } else if (s.kind === 'point') annotations.push({ ...base, bbox: [s.x, s.y, 0, 0], keypoints: [s.x, s.y, 2], num_keypoints: 1, attributes });
      else if (s.kind === 'mask') annotations.push({ ...base, iscrowd: 1, segmentation: { size: [s.height, s.width], counts: maskToRle(s.data, s.width, s.height) }, attributes });
      else throw new Error('cocoDocument: read mask files before writing');
    }
  });
  return {
    info: { description: 'Regions exported by camscope' },
    images: images.map((im, k) => ({ id: k + 1, file_name: im.name, ...(im.width !== undefined && im.height !== undefined ? { width: im.width, height: im.height } : {}) })),
    categories: categories.map((name) => ({ id: catId.get(name), name })),
    annotations,
  };
}
