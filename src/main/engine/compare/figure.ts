/**
 * The pictures of compare.html and compare.pdf: for the images where the models look most differently, the image on
 * the common grid (as model A sees it) and, per method, A's and B's maps overlaid on it side by side (PNG), each on the
 * image through its own model's intensity mapping. The maps are computed again
 * (they are not stored); a pixel outside a model's frame shows the plain image.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { overlayHeatmap, type ColormapName } from '../image/colormap';
import { decodeImage } from '../image/decode';
import { profileMapping } from '../image/intensity-setting';
import { resizeBilinearPil } from '../image/pil-resize';
import type { CamMethod } from '../methods/base';
import type { Classifier } from '../model/classifier';
import type { ClassMatch } from './classes';
import { toGrid, type GridSize } from './grid';
import { compareImage } from './run';
import type { ComparedImage } from './types';

export interface CompareFigureRow {
  image: ComparedImage;
  width: number;
  height: number;
  /** The image on the common grid. */
  original: Buffer;
  /** Per method: A's and B's map overlaid on the image. */
  overlays: { method: string; a: Buffer; b: Buffer }[];
}

const png = (pixels: Uint8Array, width: number, height: number): Promise<Buffer> =>
  sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();

/** A map on the grid overlaid on the grid's pixels; pixels the model's frame does not cover stay as they are. */
function overlayOnGrid(pixels: Uint8Array, map: Float32Array, original: { width: number; height: number }, c: Classifier, grid: GridSize, colormap: ColormapName): Uint8Array {
  const g = toGrid(map, original, c.profile, grid);
  const out = overlayHeatmap(pixels, Float32Array.from(g.values), grid.width, grid.height, colormap, 0.5);
  for (let i = 0; i < g.covered.length; i++) if (!g.covered[i]) out.set(pixels.subarray(3 * i, 3 * i + 3), 3 * i);
  return out;
}

/** The figure rows of the first `count` images (pass them ordered by difference). */
export async function compareFigureRows(
  o: { a: Classifier; b: Classifier; methods: CamMethod[]; match: ClassMatch; datasetRoot: string; batchSize?: number; colormap: ColormapName },
  images: readonly ComparedImage[],
  count: number,
): Promise<CompareFigureRow[]> {
  const rows: CompareFigureRow[] = [];
  for (const image of images.slice(0, count)) {
    const path = join(o.datasetRoot, image.file);
    const { ra, rb } = await compareImage(o.a, o.b, path, o.methods, o.match, o.batchSize);
    const original = { width: ra.image.originalWidth, height: ra.image.originalHeight };
    const { width, height } = image.grid;
    // Each model's maps lie on the image as that model sees it: a DICOM or 16-bit image through its own intensity mapping.
    const pixelsFor = async (c: Classifier): Promise<Uint8Array> => {
      const mapping = profileMapping(c.profile);
      const raw = await decodeImage(path, undefined, mapping ? { mapping } : {});
      return raw.width === width && raw.height === height ? raw.data : resizeBilinearPil(raw, width, height).data;
    };
    const pixelsA = await pixelsFor(o.a);
    const pixelsB = o.a.profile.intensity === o.b.profile.intensity ? pixelsA : await pixelsFor(o.b);
    const overlays = [];
    for (const m of o.methods) {
      const mapOf = (r: typeof ra) => r.maps.find((x) => x.method === m.id)!.result.map;
      overlays.push({
        method: m.id,
        a: await png(overlayOnGrid(pixelsA, mapOf(ra), original, o.a, image.grid, o.colormap), width, height),
        b: await png(overlayOnGrid(pixelsB, mapOf(rb), original, o.b, image.grid, o.colormap), width, height),
      });
    }
    rows.push({ image, width, height, original: await png(pixelsA, width, height), overlays });
  }
  return rows;
}
