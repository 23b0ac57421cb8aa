/**
 * Regions in the model's input frame: the same resize and crop the image goes through (image/preprocess.ts), applied
 * to the regions. A frame pixel (i, j) belongs to a box or polygon when its centre (i + 0.5, j + 0.5), mapped back to
 * the original image, lies inside it (boxes half-open: x0 ≤ x < x1, y0 ≤ y < y1; polygons by the even-odd crossing
 * rule over the outline and its holes, which gives a centre exactly on an edge to one side consistently);
 * masks are resized nearest-neighbour (the mask pixel under the mapped centre); points are mapped forward and kept
 * when they fall inside the frame.
 */
import { readFileSync } from 'node:fs';
import { CamscopeError } from '../errors';
import type { ModelProfile } from '../types';
import type { Region } from './types';

/** Python's round(): halves to the even neighbour (as torchvision's CenterCrop, and preprocess.ts). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The resize and crop of preprocess.ts as numbers: original (x, y) → frame (x·sx − left, y·sy − top). */
export interface FrameTransform {
  width: number;
  height: number;
  sx: number;
  sy: number;
  left: number;
  top: number;
}

/** The transform preprocess.ts applies to an image of this size (same coverSize and Python-rounded centre crop). */
export function frameTransform(originalWidth: number, originalHeight: number, profile: Pick<ModelProfile, 'inputSize' | 'resize'>): FrameTransform {
  const [outH, outW] = profile.inputSize;
  const w = originalWidth;
  const h = originalHeight;
  if (profile.resize === 'stretch') return { width: outW, height: outH, sx: outW / w, sy: outH / h, left: 0, top: 0 };
  let rw: number;
  let rh: number;
  if (outW === outH) {
    [rw, rh] = w <= h ? [outW, Math.floor((outW * h) / w)] : [Math.floor((outW * w) / h), outW];
  } else {
    const scale = Math.max(outW / w, outH / h);
    [rw, rh] = [Math.max(outW, Math.floor(w * scale)), Math.max(outH, Math.floor(h * scale))];
  }
  return { width: outW, height: outH, sx: rw / w, sy: rh / h, left: roundHalfEven((rw - outW) / 2), top: roundHalfEven((rh - outH) / 2) };
}

/** The inverse of the transform: a frame point (x, y) in original-image pixels. */
export function frameToOriginal(t: FrameTransform, x: number, y: number): [number, number] {
  return [(x + t.left) / t.sx, (y + t.top) / t.sy];
}

/** What the localization metrics need of an image's regions in the input frame. */
export interface FrameRegions {
  width: number;
  height: number;
  /** 1 where a frame pixel belongs to a box, polygon or mask (the union), else 0. */
  mask: Uint8Array;
  /** Pixels in the mask. */
  area: number;
  /** Points in frame coordinates (continuous; pixel (i, j) has its centre at (i + 0.5, j + 0.5)). */
  points: [number, number][];
}

function insidePolygon(x: number, y: number, pts: [number, number][]): boolean {
  let inside = false;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    const [xi, yi] = pts[i];
    const [xj, yj] = pts[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Reads a mask PNG (8- or 16-bit, gray or colour): non-zero in any channel = region. */
export async function readMaskPng(path: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  const { default: sharp } = await import('sharp');
  let out;
  try {
    out = await sharp(readFileSync(path)).raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new CamscopeError('INVALID_ARGUMENT', `The mask ${path} could not be read as an image (${e instanceof Error ? e.message : String(e)}).`);
  }
  const { data, info } = out;
  const u16 = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
  const n = info.width * info.height;
  const mask = new Uint8Array(n);
  // An alpha channel does not make a pixel part of the region; colour channels do.
  const colour = info.channels === 2 || info.channels === 4 ? info.channels - 1 : info.channels;
  for (let i = 0; i < n; i++) for (let c = 0; c < colour; c++) if (u16[i * info.channels + c] !== 0) mask[i] = 1;
  return { width: info.width, height: info.height, data: mask };
}

/**
 * Rasterizes an image's regions into the input frame. `originalWidth/Height` is the decoded file's size (before
 * any resizing), as PreparedImage reports it.
 */
export async function regionsInFrame(regions: Region[], originalWidth: number, originalHeight: number, profile: Pick<ModelProfile, 'inputSize' | 'resize'>): Promise<FrameRegions> {
  const t = frameTransform(originalWidth, originalHeight, profile);
  const { width: W, height: H } = t;
  const mask = new Uint8Array(W * H);
  const points: [number, number][] = [];
  // Original-image coordinates of each frame column's and row's pixel centre.
  const ox = Float64Array.from({ length: W }, (_, i) => (i + 0.5 + t.left) / t.sx);
  const oy = Float64Array.from({ length: H }, (_, j) => (j + 0.5 + t.top) / t.sy);
  for (const region of regions) {
    const kx = region.relative ? originalWidth : 1;
    const ky = region.relative ? originalHeight : 1;
    const s = region.shape;
    if (s.kind === 'point') {
      const fx = s.x * kx * t.sx - t.left;
      const fy = s.y * ky * t.sy - t.top;
      if (fx >= 0 && fx < W && fy >= 0 && fy < H) points.push([fx, fy]);
    } else if (s.kind === 'box') {
      const x0 = s.x0 * kx, x1 = s.x1 * kx, y0 = s.y0 * ky, y1 = s.y1 * ky;
      for (let j = 0; j < H; j++) {
        if (!(oy[j] >= y0 && oy[j] < y1)) continue;
        for (let i = 0; i < W; i++) if (ox[i] >= x0 && ox[i] < x1) mask[j * W + i] = 1;
      }
    } else if (s.kind === 'polygon') {
      // Holes by the even-odd rule over all rings: a centre inside the outline and one hole is outside.
      const rings = [s.points, ...(s.holes ?? [])].map((ring) => ring.map(([x, y]) => [x * kx, y * ky] as [number, number]));
      for (let j = 0; j < H; j++) {
        for (let i = 0; i < W; i++) {
          let inside = false;
          for (const ring of rings) if (insidePolygon(ox[i], oy[j], ring)) inside = !inside;
          if (inside) mask[j * W + i] = 1;
        }
      }
    } else {
      const m = s.kind === 'mask' ? s : await readMaskPng(s.path);
      // The mask covers the whole original image; a mask of another size is stretched onto it.
      const mx = m.width / originalWidth;
      const my = m.height / originalHeight;
      for (let j = 0; j < H; j++) {
        const r = Math.min(m.height - 1, Math.max(0, Math.floor(oy[j] * my)));
        for (let i = 0; i < W; i++) {
          const c = Math.min(m.width - 1, Math.max(0, Math.floor(ox[i] * mx)));
          if (m.data[r * m.width + c]) mask[j * W + i] = 1;
        }
      }
    }
  }
  let area = 0;
  for (const v of mask) area += v;
  return { width: W, height: H, mask, area, points };
}
