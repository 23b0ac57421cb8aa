/**
 * The common grid two models' maps are compared on. Each map lies in its own model's input frame (its own size,
 * resize and crop), so both are brought back onto the original image through the frame geometry of
 * regions/frame.ts: the grid is the image's own pixel grid, shrunk (aspect kept) to at most COMMON_GRID_MAX_SIDE
 * pixels on its longer side. A grid pixel takes the map's bilinear value at its centre (half-pixel centres, edges
 * clamped, as torchvision's upsampling); pixels outside a model's frame (a centre crop's cut edges) have no value in
 * that model and are left out of the comparison.
 */
import { frameTransform } from '../regions/frame';
import type { ModelProfile } from '../types';

/** Longest side of the common grid, in pixels: finer than any map of a usual input size, cheap to compare. */
export const COMMON_GRID_MAX_SIDE = 512;

export interface GridSize {
  width: number;
  height: number;
}

/** The common grid of an image of this size. */
export function commonGrid(originalWidth: number, originalHeight: number, maxSide = COMMON_GRID_MAX_SIDE): GridSize {
  const s = Math.min(1, maxSide / Math.max(originalWidth, originalHeight));
  return { width: Math.max(1, Math.round(originalWidth * s)), height: Math.max(1, Math.round(originalHeight * s)) };
}

/** A map on the common grid: its value per grid pixel and whether the model's frame covers that pixel. */
export interface GridMap {
  values: Float64Array;
  covered: Uint8Array;
}

/** The frame's coordinate of each grid column (or row) centre, in the frame's continuous pixel units. */
function axis(gridSize: number, originalSize: number, scale: number, offset: number): Float64Array {
  return Float64Array.from({ length: gridSize }, (_, i) => (((i + 0.5) * originalSize) / gridSize) * scale - offset);
}

/** Bilinear weights of a continuous frame coordinate (pixel centres at i + 0.5), clamped at the edges. */
function tap(f: number, size: number): [number, number, number] {
  const u = Math.min(size - 1, Math.max(0, f - 0.5));
  const lo = Math.floor(u);
  const hi = Math.min(size - 1, lo + 1);
  return [lo, hi, u - lo];
}

/**
 * Resamples a map in a model's input frame (`profile`'s size, resize and crop applied to an image of
 * originalWidth × originalHeight) onto the grid.
 */
export function toGrid(
  map: ArrayLike<number>,
  original: { width: number; height: number },
  profile: Pick<ModelProfile, 'inputSize' | 'resize'>,
  grid: GridSize,
): GridMap {
  const t = frameTransform(original.width, original.height, profile);
  if (map.length !== t.width * t.height) throw new Error(`toGrid: the map has ${map.length} values, the frame ${t.width}x${t.height}`);
  const fx = axis(grid.width, original.width, t.sx, t.left);
  const fy = axis(grid.height, original.height, t.sy, t.top);
  const values = new Float64Array(grid.width * grid.height);
  const covered = new Uint8Array(grid.width * grid.height);
  const xs = Array.from(fx, (f) => tap(f, t.width));
  for (let j = 0; j < grid.height; j++) {
    if (!(fy[j] >= 0 && fy[j] < t.height)) continue;
    const [y0, y1, wy] = tap(fy[j], t.height);
    for (let i = 0; i < grid.width; i++) {
      if (!(fx[i] >= 0 && fx[i] < t.width)) continue;
      const [x0, x1, wx] = xs[i];
      const top = map[y0 * t.width + x0] * (1 - wx) + map[y0 * t.width + x1] * wx;
      const bottom = map[y1 * t.width + x0] * (1 - wx) + map[y1 * t.width + x1] * wx;
      values[j * grid.width + i] = top * (1 - wy) + bottom * wy;
      covered[j * grid.width + i] = 1;
    }
  }
  return { values, covered };
}

/** The values of both maps at the grid pixels both frames cover, in grid order; `pixels` counts them. */
export function commonPixels(a: GridMap, b: GridMap): { a: Float64Array; b: Float64Array; pixels: number } {
  let n = 0;
  for (let i = 0; i < a.covered.length; i++) if (a.covered[i] && b.covered[i]) n++;
  const va = new Float64Array(n);
  const vb = new Float64Array(n);
  for (let i = 0, k = 0; i < a.covered.length; i++) {
    if (!a.covered[i] || !b.covered[i]) continue;
    va[k] = a.values[i];
    vb[k++] = b.values[i];
  }
  return { a: va, b: vb, pixels: n };
}
