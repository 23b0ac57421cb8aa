/**
 * QuPath tile exports: QuPath's TileExporter names each tile after its slide and its place in the full-resolution
 * slide, `NAME [x=X,y=Y,w=W,h=H].png` (with `d=D,` first when exported downsampled by D; `z=`/`t=` may follow).
 * Regions drawn on the slide are in full-resolution pixels, so a tile's regions are moved by its origin and divided
 * by its downsample: tile pixel = (slide pixel − origin) / D.
 */
import { moveShape, shapeBounds } from './geometry';
import type { Region } from './types';

export interface TileOrigin {
  /** The slide's name as the tile's file name gives it (the part before " ["). */
  slide: string;
  x: number;
  y: number;
  /** Width and height in full-resolution slide pixels. */
  w: number;
  h: number;
  /** Downsample (1 when the name has no `d=`). */
  d: number;
}

/** The tile's origin from its file name, or null when the name is not a QuPath tile's. */
export function qupathTile(fileName: string): TileOrigin | null {
  const m = /^(.*) \[([^\][]*)\][^\][]*$/.exec(fileName);
  if (!m) return null;
  const v: Record<string, number> = {};
  for (const part of m[2].split(',')) {
    const kv = /^\s*([a-z]+)=(-?[0-9.]+(?:[eE][-+]?\d+)?)\s*$/.exec(part);
    if (!kv) return null;
    v[kv[1]] = Number(kv[2]);
  }
  const { x, y, w, h } = v;
  const d = v.d ?? 1;
  if (![x, y, w, h, d].every(Number.isFinite) || w <= 0 || h <= 0 || d <= 0) return null;
  return { slide: m[1], x, y, w, h, d };
}

/**
 * The slide's regions that reach into the tile, in the tile's pixels. A shape counts when its bounds overlap the
 * tile (a point: when it lies in it); masks cover a whole slide of unknown size and are not placed on tiles.
 */
export function regionsOnTile(regions: readonly Region[], t: TileOrigin): Region[] {
  const out: Region[] = [];
  for (const r of regions) {
    const b = shapeBounds(r.shape);
    if (!b || r.relative) continue;
    const [x0, y0, x1, y1] = b;
    const isPoint = r.shape.kind === 'point';
    const inside = isPoint
      ? x0 >= t.x && x0 < t.x + t.w && y0 >= t.y && y0 < t.y + t.h
      : x1 > t.x && x0 < t.x + t.w && y1 > t.y && y0 < t.y + t.h;
    if (inside) out.push({ ...r, shape: moveShape(r.shape, t.x, t.y, t.d) });
  }
  return out;
}

/**
 * Places a slide's regions on its tiles: per tile file its regions (in tile pixels), and how many regions reach no
 * tile. Tiles are bucketed on a grid of the largest tile's size, so a slide of many thousand cells and tiles is
 * placed without comparing every cell with every tile.
 */
export function placeOnTiles(regions: readonly Region[], tiles: readonly { file: string; tile: TileOrigin }[]): { perTile: Map<string, Region[]>; unplaced: number } {
  const size = tiles.reduce((m, t) => Math.max(m, t.tile.w, t.tile.h), 0);
  const buckets = new Map<string, number[]>();
  tiles.forEach(({ tile: t }, k) => {
    for (let bx = Math.floor(t.x / size); bx <= Math.floor((t.x + t.w) / size); bx++) {
      for (let by = Math.floor(t.y / size); by <= Math.floor((t.y + t.h) / size); by++) {
        const key = `${bx},${by}`;
        const list = buckets.get(key);
        if (list) list.push(k);
        else buckets.set(key, [k]);
      }
    }
  });
  const perTile = new Map<string, Region[]>();
  let unplaced = 0;
  for (const r of regions) {
    const b = shapeBounds(r.shape);
    const candidates = new Set<number>();
    if (b) {
      for (let bx = Math.floor(b[0] / size); bx <= Math.floor(b[2] / size); bx++) {
        for (let by = Math.floor(b[1] / size); by <= Math.floor(b[3] / size); by++) for (const k of buckets.get(`${bx},${by}`) ?? []) candidates.add(k);
      }
    }
    let placed = false;
    for (const k of [...candidates].sort((x, y) => x - y)) {
      const on = regionsOnTile([r], tiles[k].tile);
      if (!on.length) continue;
      placed = true;
      const list = perTile.get(tiles[k].file);
      if (list) list.push(on[0]);
      else perTile.set(tiles[k].file, [on[0]]);
    }
    if (!placed) unplaced++;
  }
  return { perTile, unplaced };
}
