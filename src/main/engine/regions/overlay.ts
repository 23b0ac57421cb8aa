/**
 * A map as an overlay PNG at the original image's resolution, to lay over the image in another viewer (QuPath,
 * CVAT, an image editor): RGBA, the map's colormap colour at `alpha` opacity where the model saw the image, and
 * transparent outside the model's crop. Each original pixel's centre is mapped into the model's input frame through
 * frame.ts's resize and crop, and the map is sampled there bilinearly (between map pixel centres, edges clamped).
 */
import { colormapIndex, colormapLut, type ColormapName } from '../image/colormap';
import type { FrameTransform } from './frame';

/** Bilinear sample of a W × H map at frame point (fx, fy) (pixel (i, j) has its centre at (i + 0.5, j + 0.5)). */
export function sampleMap(map: ArrayLike<number>, W: number, H: number, fx: number, fy: number): number {
  const x = Math.min(W - 1, Math.max(0, fx - 0.5));
  const y = Math.min(H - 1, Math.max(0, fy - 0.5));
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = Math.min(W - 1, x0 + 1);
  const y1 = Math.min(H - 1, y0 + 1);
  const ax = x - x0;
  const ay = y - y0;
  const top = map[y0 * W + x0] * (1 - ax) + map[y0 * W + x1] * ax;
  const bottom = map[y1 * W + x0] * (1 - ax) + map[y1 * W + x1] * ax;
  return top * (1 - ay) + bottom * ay;
}

/** The overlay's RGBA pixels (width × height × 4) for a map in frame `t`'s input frame. */
export function mapOverlayRgba(map: ArrayLike<number>, t: FrameTransform, width: number, height: number, colormap: ColormapName, alpha: number): Uint8Array {
  if (map.length !== t.width * t.height) throw new RangeError(`mapOverlayRgba: the map has ${map.length} pixels, the frame ${t.width}x${t.height}`);
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`mapOverlayRgba: alpha ${alpha} not in [0, 1]`);
  const lut = colormapLut(colormap);
  const a = Math.round(alpha * 255);
  const out = new Uint8Array(width * height * 4);
  for (let Y = 0; Y < height; Y++) {
    const fy = (Y + 0.5) * t.sy - t.top;
    if (fy < 0 || fy >= t.height) continue;
    for (let X = 0; X < width; X++) {
      const fx = (X + 0.5) * t.sx - t.left;
      if (fx < 0 || fx >= t.width) continue;
      const c = colormapIndex(sampleMap(map, t.width, t.height, fx, fy)) * 3;
      const o = (Y * width + X) * 4;
      out[o] = lut[c];
      out[o + 1] = lut[c + 1];
      out[o + 2] = lut[c + 2];
      out[o + 3] = a;
    }
  }
  return out;
}

/** Writes the overlay as an RGBA PNG of width × height (the original image's size). */
export async function writeMapOverlayPng(path: string, map: ArrayLike<number>, t: FrameTransform, width: number, height: number, colormap: ColormapName = 'jet', alpha = 0.5): Promise<void> {
  const { default: sharp } = await import('sharp');
  await sharp(mapOverlayRgba(map, t, width, height, colormap, alpha), { raw: { width, height, channels: 4 } }).png().toFile(path);
}
