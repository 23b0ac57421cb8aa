/**
 * Boundary tracing: the outlines of a binary mask's regions as polygons along pixel edges (vertices at pixel
 * corners), one per 4-connected component, with its holes. The polygons enclose exactly the mask's pixels: a pixel
 * centre lies inside (even-odd over the outline and its holes) if and only if the pixel is set, so rasterizing the
 * outlines as frame.ts does gives the mask back. Where two set pixels touch only at a corner, the outline turns
 * away from the corner, so they stay apart (set pixels are 4-connected, the background 8-connected).
 */

type Pt = [number, number];

export interface Contour {
  outer: Pt[];
  holes: Pt[][];
}

// Directions as (dx, dy) in y-down pixel coordinates: 0 right, 1 down, 2 left, 3 up.
const DX = [1, 0, -1, 0];
const DY = [0, 1, 0, -1];

/** 4-connected components of the set pixels: a label per pixel (0 = background) and the number of components. */
function components(mask: ArrayLike<number>, width: number, height: number): { label: Int32Array; count: number } {
  const label = new Int32Array(width * height);
  let count = 0;
  const stack: number[] = [];
  for (let start = 0; start < label.length; start++) {
    if (!mask[start] || label[start]) continue;
    label[start] = ++count;
    stack.push(start);
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % width;
      const y = (p - x) / width;
      for (let d = 0; d < 4; d++) {
        const nx = x + DX[d];
        const ny = y + DY[d];
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const q = ny * width + nx;
        if (mask[q] && !label[q]) {
          label[q] = count;
          stack.push(q);
        }
      }
    }
  }
  return { label, count };
}

/** Twice the signed area (shoelace); positive for outlines traced with the region on the right (y down). */
function area2(ring: Pt[]): number {
  let a = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x0, y0] = ring[i];
    const [x1, y1] = ring[(i + 1) % ring.length];
    a += x0 * y1 - x1 * y0;
  }
  return a;
}

/** Drops vertices where the outline runs straight on. */
function corners(ring: Pt[]): Pt[] {
  return ring.filter((p, i) => {
    const a = ring[(i + ring.length - 1) % ring.length];
    const b = ring[(i + 1) % ring.length];
    return (p[0] - a[0]) * (b[1] - p[1]) - (p[1] - a[1]) * (b[0] - p[0]) !== 0;
  });
}

/**
 * Traces the outlines of `mask` (width × height, row-major, non-zero = set). Each component's outer ring runs
 * clockwise on the screen (positive shoelace area in y-down coordinates), its holes the other way.
 */
export function traceContours(mask: ArrayLike<number>, width: number, height: number): Contour[] {
  const { label, count } = components(mask, width, height);
  const at = (x: number, y: number, c: number): boolean => x >= 0 && y >= 0 && x < width && y < height && label[y * width + x] === c;
  // Boundary edges per component: start vertex and direction, and the edges leaving each vertex.
  const vid = (x: number, y: number): number => y * (width + 1) + x;
  const ex: number[] = [];
  const ey: number[] = [];
  const ed: number[] = [];
  const ec: number[] = [];
  const leaving = new Map<number, number[]>();
  const push = (c: number, x: number, y: number, d: number): void => {
    const v = vid(x, y);
    const list = leaving.get(v);
    if (list) list.push(ex.length);
    else leaving.set(v, [ex.length]);
    ex.push(x);
    ey.push(y);
    ed.push(d);
    ec.push(c);
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = label[y * width + x];
      if (!c) continue;
      // With the pixel on the right of the direction of travel: top edge rightwards, right edge down, …
      if (!at(x, y - 1, c)) push(c, x, y, 0);
      if (!at(x + 1, y, c)) push(c, x + 1, y, 1);
      if (!at(x, y + 1, c)) push(c, x + 1, y + 1, 2);
      if (!at(x - 1, y, c)) push(c, x, y + 1, 3);
    }
  }
  // The edge after e: the one leaving e's end vertex in the same component; where two do (pixels touching only at
  // that corner), the right turn, which keeps to e's own pixel.
  const next = (e: number): number => {
    const x = ex[e] + DX[ed[e]];
    const y = ey[e] + DY[ed[e]];
    const out = (leaving.get(vid(x, y)) ?? []).filter((f) => ec[f] === ec[e]);
    return out.length === 1 ? out[0] : out.find((f) => ed[f] === (ed[e] + 1) % 4)!;
  };
  const rings: Pt[][][] = Array.from({ length: count + 1 }, () => []);
  const seen = new Uint8Array(ex.length);
  for (let e0 = 0; e0 < ex.length; e0++) {
    if (seen[e0]) continue;
    const ring: Pt[] = [];
    for (let e = e0; !seen[e]; e = next(e)) {
      seen[e] = 1;
      ring.push([ex[e], ey[e]]);
    }
    rings[ec[e0]].push(corners(ring));
  }
  const out: Contour[] = [];
  for (let c = 1; c <= count; c++) {
    const list = rings[c].sort((a, b) => area2(b) - area2(a));
    out.push({ outer: list[0], holes: list.slice(1) });
  }
  return out;
}
