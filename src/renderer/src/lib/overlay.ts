/** Draws an image frame, optionally with an explanation map blended over it, into a canvas (engine-exact colours). */
import { colormapLut, overlayHeatmap } from '../../../shared/colormaps';
import type { ColormapChoice, ImageFrame } from './api';

function rgbOf(frame: ImageFrame): Uint8Array {
  if (frame.channels === 3) return frame.pixels;
  const n = frame.width * frame.height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = frame.pixels[i];
  return out;
}

export function drawFrame(
  canvas: HTMLCanvasElement,
  frame: ImageFrame,
  map: Float32Array | null,
  colormap: ColormapChoice,
  opacity: number,
): void {
  const { width: w, height: h } = frame;
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const rgb = map && map.length === w * h ? overlayHeatmap(frame.pixels, map, w, h, colormap, opacity) : rgbOf(frame);
  const data = ctx.createImageData(w, h);
  for (let i = 0, n = w * h; i < n; i++) {
    data.data[4 * i] = rgb[3 * i];
    data.data[4 * i + 1] = rgb[3 * i + 1];
    data.data[4 * i + 2] = rgb[3 * i + 2];
    data.data[4 * i + 3] = 255;
  }
  ctx.putImageData(data, 0, 0);
}

/** Fills a 256×1 canvas with a colormap (for the colour bar). */
export function drawColormap(canvas: HTMLCanvasElement, colormap: ColormapChoice): void {
  canvas.width = 256;
  canvas.height = 1;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const lut = colormapLut(colormap);
  const data = ctx.createImageData(256, 1);
  for (let i = 0; i < 256; i++) {
    data.data[4 * i] = lut[3 * i];
    data.data[4 * i + 1] = lut[3 * i + 1];
    data.data[4 * i + 2] = lut[3 * i + 2];
    data.data[4 * i + 3] = 255;
  }
  ctx.putImageData(data, 0, 0);
}
