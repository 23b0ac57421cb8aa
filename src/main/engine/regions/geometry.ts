/** Small shape helpers shared by the importers: rotated boxes, rectangles recognised as boxes, bounds, moves. */
import type { RegionShape } from './types';

type Pt = [number, number];

/**
 * A box rotated by `degrees` clockwise on the screen (y down) about the pivot (px, py): its four corners, starting
 * at the top-left one. CVAT turns boxes about their centre; Label Studio about their top-left corner.
 */
export function rotatedBox(x0: number, y0: number, x1: number, y1: number, degrees: number, px: number, py: number): Pt[] {
  const a = (degrees * Math.PI) / 180;
  const c = Math.cos(a);
  const s = Math.sin(a);
  const turn = ([x, y]: Pt): Pt => [px + (x - px) * c - (y - py) * s, py + (x - px) * s + (y - py) * c];
  return ([[x0, y0], [x1, y0], [x1, y1], [x0, y1]] as Pt[]).map(turn);
}

/** A ring without its closing point (GeoJSON and some tools repeat the first point at the end). */
export function openRing(points: Pt[]): Pt[] {
  const n = points.length;
  return n > 1 && points[0][0] === points[n - 1][0] && points[0][1] === points[n - 1][1] ? points.slice(0, n - 1) : points;
}

/**
 * An axis-aligned rectangle given as four corners in order (either direction, any start) as a box, else null: tools
 * without a box type (QuPath's GeoJSON, ASAP) write rectangles as polygons, and a box keeps round trips exact.
 */
export function rectangleAsBox(points: Pt[]): Extract<RegionShape, { kind: 'box' }> | null {
  if (points.length !== 4) return null;
  const xs = [...new Set(points.map((p) => p[0]))];
  const ys = [...new Set(points.map((p) => p[1]))];
  if (xs.length !== 2 || ys.length !== 2) return null;
  // Consecutive corners share x or y (not a "bow tie").
  for (let i = 0; i < 4; i++) {
    const [a, b] = [points[i], points[(i + 1) % 4]];
    if ((a[0] === b[0]) === (a[1] === b[1])) return null;
  }
  return { kind: 'box', x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

/** [x0, y0, x1, y1] of a shape with vertices (null for masks). */
export function shapeBounds(s: RegionShape): [number, number, number, number] | null {
  if (s.kind === 'box') return [s.x0, s.y0, s.x1, s.y1];
  if (s.kind === 'point') return [s.x, s.y, s.x, s.y];
  if (s.kind === 'polygon') return pointBounds(s.points);
  return null;
}

/** [x0, y0, x1, y1] of a list of points (a loop: outlines can have more vertices than a call takes arguments). */
export function pointBounds(points: readonly Pt[]): [number, number, number, number] {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of points) {
    if (x < x0) x0 = x;
    if (y < y0) y0 = y;
    if (x > x1) x1 = x;
    if (y > y1) y1 = y;
  }
  return [x0, y0, x1, y1];
}

/** The shape in another pixel frame: (x, y) → ((x − dx)/scale, (y − dy)/scale). Masks are returned unchanged. */
export function moveShape(s: RegionShape, dx: number, dy: number, scale: number): RegionShape {
  const f = ([x, y]: Pt): Pt => [(x - dx) / scale, (y - dy) / scale];
  if (s.kind === 'box') return { kind: 'box', x0: (s.x0 - dx) / scale, y0: (s.y0 - dy) / scale, x1: (s.x1 - dx) / scale, y1: (s.y1 - dy) / scale };
  if (s.kind === 'point') return { kind: 'point', x: (s.x - dx) / scale, y: (s.y - dy) / scale };
  if (s.kind === 'polygon') return s.holes?.length ? { kind: 'polygon', points: s.points.map(f), holes: s.holes.map((h) => h.map(f)) } : { kind: 'polygon', points: s.points.map(f) };
  return s;
}

/**
 * An ellipse (centre, radii, axes turned `degrees` clockwise on the screen) as a mask of width × height pixels: a
 * pixel belongs to it when its centre lies inside (or on) the ellipse. Exact at the image's resolution, where a
 * polygon would only approximate the curve.
 */
export function ellipseMask(cx: number, cy: number, rx: number, ry: number, degrees: number, width: number, height: number): Extract<RegionShape, { kind: 'mask' }> {
  const a = (degrees * Math.PI) / 180;
  const c = Math.cos(a);
  const s = Math.sin(a);
  const data = new Uint8Array(width * height);
  const r = Math.max(rx, ry);
  for (let j = Math.max(0, Math.floor(cy - r)); j < Math.min(height, Math.ceil(cy + r) + 1); j++) {
    for (let i = Math.max(0, Math.floor(cx - r)); i < Math.min(width, Math.ceil(cx + r) + 1); i++) {
      const dx = i + 0.5 - cx;
      const dy = j + 0.5 - cy;
      const u = (dx * c + dy * s) / rx;
      const v = (-dx * s + dy * c) / ry;
      if (u * u + v * v <= 1) data[j * width + i] = 1;
    }
  }
  return { kind: 'mask', width, height, data };
}
