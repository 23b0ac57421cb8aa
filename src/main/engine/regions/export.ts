/**
 * Regions out, to the experts' own tools: annotations (any region source camscope reads) and a map's salient region
 * (the outline of the map at a threshold, in original-image pixels) as QuPath GeoJSON, CVAT for images 1.1 XML or
 * COCO JSON. Each writer gets only what its format can hold: QuPath has no masks (traced to polygons with holes),
 * CVAT and COCO no holes (written as masks at the image's size). Reading a written file back gives the same
 * regions (boxes, polygons and points exactly; masks and holed polygons the same pixels).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { CamscopeError } from '../errors';
import { openImageFile, readMapPng } from '../image/decode';
import type { ModelProfile } from '../types';
import { cocoDocument } from './coco';
import { traceContours } from './contours';
import { cvatXml } from './cvat';
import { frameToOriginal, frameTransform, readMaskPng, regionsInFrame, type FrameTransform } from './frame';
import { qupathFeatureCollection } from './qupath';
import type { Region, RegionShape } from './types';

export const EXPORT_FORMATS = ['qupath', 'cvat', 'coco'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
const FORMAT_NAMES: Record<ExportFormat, string> = { qupath: 'QuPath GeoJSON', cvat: 'CVAT XML', coco: 'COCO JSON' };

export interface ExportRegion extends Region {
  /** A name for the shape (QuPath's name, an attribute in CVAT and COCO), e.g. "gradcam ≥ 0.5". */
  name?: string;
}

export interface ExportImage {
  /** The image's name in the file (a dataset-relative path). */
  name: string;
  width?: number;
  height?: number;
  regions: ExportRegion[];
}

type Mask = Extract<RegionShape, { kind: 'mask' }>;

const needSize = (im: ExportImage, what: string, format: ExportFormat): { width: number; height: number } => {
  if (im.width !== undefined && im.height !== undefined) return { width: im.width, height: im.height };
  throw new CamscopeError('INVALID_ARGUMENT', `The image ${im.name} has ${what}, which ${FORMAT_NAMES[format]} needs the image's size for; give --dataset DIR so camscope can read it.`);
};

/** A mask stretched (nearest neighbour) onto width × height, as frame.ts reads a mask of another size. */
function resampleMask(m: Mask, width: number, height: number): Mask {
  if (m.width === width && m.height === height) return m;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const r = Math.min(m.height - 1, Math.floor(((y + 0.5) * m.height) / height));
    for (let x = 0; x < width; x++) data[y * width + x] = m.data[r * m.width + Math.min(m.width - 1, Math.floor(((x + 0.5) * m.width) / width))];
  }
  return { kind: 'mask', width, height, data };
}

/** Pixels whose centre lies in the shape, at the image's size (what the evaluation sees of it). */
async function rasterize(r: Region, width: number, height: number): Promise<Mask> {
  const f = await regionsInFrame([r], width, height, { inputSize: [height, width], resize: 'stretch' });
  return { kind: 'mask', width, height, data: f.mask };
}

/** The image's regions as shapes the format can hold: absolute pixels, mask files read, masks or holes converted. */
async function forFormat(im: ExportImage, format: ExportFormat): Promise<ExportRegion[]> {
  const out: ExportRegion[] = [];
  for (const r of im.regions) {
    let shape = r.shape;
    if (r.relative) {
      const { width, height } = needSize(im, 'coordinates in fractions of its size', format);
      if (shape.kind === 'box') shape = { kind: 'box', x0: shape.x0 * width, y0: shape.y0 * height, x1: shape.x1 * width, y1: shape.y1 * height };
      else if (shape.kind === 'point') shape = { kind: 'point', x: shape.x * width, y: shape.y * height };
      else if (shape.kind === 'polygon') shape = { kind: 'polygon', points: shape.points.map(([x, y]) => [x * width, y * height]), ...(shape.holes ? { holes: shape.holes.map((h) => h.map(([x, y]) => [x * width, y * height] as [number, number])) } : {}) };
    }
    if (shape.kind === 'mask-file') shape = { kind: 'mask', ...(await readMaskPng(shape.path)) };
    const base = { className: r.className, ...(r.name ? { name: r.name } : {}) };
    if (shape.kind === 'mask' && format === 'qupath') {
      // Mask pixels to image pixels (a mask of another size covers the whole image).
      const kx = im.width !== undefined ? im.width / shape.width : 1;
      const ky = im.height !== undefined ? im.height / shape.height : 1;
      const scale = (ring: [number, number][]): [number, number][] => ring.map(([x, y]) => [x * kx, y * ky]);
      for (const c of traceContours(shape.data, shape.width, shape.height)) {
        out.push({ ...base, shape: { kind: 'polygon', points: scale(c.outer), ...(c.holes.length ? { holes: c.holes.map(scale) } : {}) } });
      }
    } else if (shape.kind === 'mask' && format === 'cvat') {
      const { width, height } = needSize(im, 'a mask', format);
      out.push({ ...base, shape: resampleMask(shape, width, height) });
    } else if (shape.kind === 'polygon' && shape.holes?.length && format !== 'qupath') {
      const { width, height } = needSize(im, 'a polygon with holes', format);
      out.push({ ...base, shape: await rasterize({ shape, className: r.className }, width, height) });
    } else out.push({ ...base, shape });
  }
  return out;
}

/** The file's content in `format` for these images. */
export async function renderRegions(images: readonly ExportImage[], format: ExportFormat): Promise<string> {
  const converted = await Promise.all(images.map(async (im) => ({ ...im, regions: await forFormat(im, format) })));
  if (format === 'qupath') {
    const features = converted.flatMap((im) => im.regions.map((r) => ({ shape: r.shape, className: r.className, name: r.name, image: im.name })));
    return `${JSON.stringify(qupathFeatureCollection(features), null, 2)}\n`;
  }
  if (format === 'coco') return `${JSON.stringify(cocoDocument(converted), null, 2)}\n`;
  return cvatXml(converted.map((im) => ({ ...needSize(im, 'no stated size', format), name: im.name, regions: im.regions })));
}

/** One QuPath GeoJSON document per image (for a folder of `<stem>.geojson` files), without image names. */
export async function renderQupathPerImage(im: ExportImage): Promise<string> {
  const regions = await forFormat(im, 'qupath');
  return `${JSON.stringify(qupathFeatureCollection(regions.map((r) => ({ shape: r.shape, className: r.className, name: r.name }))), null, 2)}\n`;
}

/**
 * A map's salient region at `threshold`: the outlines of the frame pixels whose value is ≥ threshold, traced along
 * pixel edges in the model's input frame and mapped back to original-image pixels through the resize and crop. So
 * the outlines, rasterized into the frame again, are exactly the thresholded pixels.
 */
export function salientRegions(map: ArrayLike<number>, t: FrameTransform, threshold: number, className: string | null, name?: string): ExportRegion[] {
  const mask = new Uint8Array(t.width * t.height);
  for (let i = 0; i < mask.length; i++) if (map[i] >= threshold) mask[i] = 1;
  const back = (ring: [number, number][]): [number, number][] => ring.map(([x, y]) => frameToOriginal(t, x, y));
  return traceContours(mask, t.width, t.height).map((c) => ({
    shape: { kind: 'polygon', points: back(c.outer), ...(c.holes.length ? { holes: c.holes.map(back) } : {}) },
    className,
    ...(name ? { name } : {}),
  }));
}

interface ExplainResults {
  settings?: { preprocessing?: Pick<ModelProfile, 'inputSize' | 'resize'> };
  images?: { file?: string; stem?: string; ok?: boolean; target?: { className?: string }; methods?: Record<string, { map?: string; flat?: boolean }> }[];
}

export interface ExplainMaps {
  images: ExportImage[];
  /** Per image and method: the map in its frame and the frame's transform (for overlays). */
  maps: { image: string; file: string; stem: string; method: string; map: Float32Array; transform: FrameTransform; width: number; height: number }[];
  /** Maps with no pixel at or above the threshold (flat or dim): no region. */
  empty: number;
}

/**
 * The salient regions of every map `camscope explain` wrote to DIR (results.json, <stem>/<method>.png in the input
 * frame): the image's original size is read from its file (as results.json names it, from the working folder or
 * from DIR), so outlines land in original pixels. `nameOf` gives the image's name in the export.
 */
export async function explainSalientRegions(dir: string, threshold: number, methods: readonly string[] | null, nameOf: (file: string) => string): Promise<ExplainMaps> {
  const resultsPath = join(dir, 'results.json');
  if (!existsSync(resultsPath)) throw new CamscopeError('INVALID_ARGUMENT', `The folder ${dir} has no results.json, so it is not the output of camscope explain.`);
  let doc: ExplainResults;
  try {
    doc = JSON.parse(readFileSync(resultsPath, 'utf8')) as ExplainResults;
  } catch (e) {
    throw new CamscopeError('INVALID_ARGUMENT', `The file ${resultsPath} is not valid JSON (${e instanceof Error ? e.message : String(e)}).`);
  }
  const profile = doc.settings?.preprocessing;
  if (!profile || !Array.isArray(profile.inputSize) || !profile.resize || !Array.isArray(doc.images)) {
    throw new CamscopeError('INVALID_ARGUMENT', `The file ${resultsPath} has no settings.preprocessing or images list, so it is not camscope explain's results.json.`);
  }
  const out: ExplainMaps = { images: [], maps: [], empty: 0 };
  for (const entry of doc.images) {
    if (!entry.ok || !entry.file || !entry.methods) continue;
    const candidates = isAbsolute(entry.file) ? [entry.file] : [resolve(entry.file), resolve(dir, entry.file), resolve(dirname(resolve(dir)), entry.file)];
    const file = candidates.find((c) => existsSync(c));
    if (!file) throw new CamscopeError('INVALID_ARGUMENT', `The image ${entry.file} named in ${resultsPath} is not found (looked from the working folder and from ${dir}); run the export from the folder explain ran in.`);
    const { width, height } = await openImageFile(file);
    const t = frameTransform(width, height, profile);
    const regions: ExportRegion[] = [];
    for (const [method, m] of Object.entries(entry.methods)) {
      if (!m.map || (methods && !methods.includes(method))) continue;
      const png = await readMapPng(join(dir, m.map));
      if (png.width !== t.width || png.height !== t.height) throw new CamscopeError('INVALID_ARGUMENT', `The map ${join(dir, m.map)} is ${png.width}x${png.height}, not the model's ${t.width}x${t.height} input frame.`);
      const found = salientRegions(png.map, t, threshold, entry.target?.className ?? null, `${method} ≥ ${threshold}`);
      if (!found.length) out.empty++;
      regions.push(...found);
      out.maps.push({ image: nameOf(file), file, stem: entry.stem ?? nameOf(file), method, map: png.map, transform: t, width, height });
    }
    out.images.push({ name: nameOf(file), width, height, regions });
  }
  return out;
}
