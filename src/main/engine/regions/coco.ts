/**
 * COCO JSON regions (the format camscope's annotation export writes): per annotation its segmentation — polygons
 * (flat [x1, y1, x2, y2, …] lists) or RLE ({size: [h, w], counts: list or compressed string}, column-major) — or,
 * without one, its bbox [x, y, width, height]; keypoints (visibility > 0) become points. Images are matched by
 * `file_name`, a path relative to the dataset.
 */
import { CamscopeError } from '../errors';
import type { Region } from './types';

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
export function parseCoco(text: string, path: string): Map<string, Region[]> {
  let doc: { images?: CocoImage[]; annotations?: CocoAnnotation[]; categories?: { id: number | string; name: string }[] };
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} is not valid JSON (${e instanceof Error ? e.message : String(e)}).`);
  }
  if (!doc || !Array.isArray(doc.images) || !Array.isArray(doc.annotations)) {
    throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} is not COCO JSON: it needs "images" and "annotations" lists.`);
  }
  const names = new Map((doc.categories ?? []).map((c) => [String(c.id), String(c.name)]));
  const files = new Map(doc.images.map((im) => [String(im.id), String(im.file_name).replace(/\\/g, '/').replace(/^\.\//, '')]));
  const out = new Map<string, Region[]>();
  for (const a of doc.annotations) {
    const file = files.get(String(a.image_id));
    if (file === undefined) throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} has an annotation for image id ${a.image_id}, which is not in its "images" list.`);
    const className = a.category_id === undefined ? null : names.get(String(a.category_id)) ?? null;
    let regions: Region[];
    try {
      regions = annotationRegions(a, className, file);
    } catch (e) {
      throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} has an invalid annotation: ${e instanceof Error ? e.message : String(e)}.`);
    }
    out.set(file, [...(out.get(file) ?? []), ...regions]);
  }
  return out;
}
