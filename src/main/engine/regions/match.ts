/**
 * Which dataset image a region source's entry belongs to. Sources name images in different ways: COCO by a path
 * relative to the dataset, VOC/YOLO/mask files by sharing the image's relative path and stem, annotation tools by
 * the file name they were given (often with a folder or URL of their own in front), whole-slide tools by the slide's
 * name — whose QuPath tiles (`NAME [x=…,y=…,w=…,h=…].png`) are the dataset's images.
 */
import { extname } from 'node:path';
import { qupathTile, type TileOrigin } from './tiles';
import type { Region } from './types';

/**
 * - `path`: the dataset-relative path, exactly.
 * - `stem`: the same relative path and stem (VOC, YOLO, masks: `cat/1.xml` ↔ `cat/1.jpg`).
 * - `name`: the path exactly, else the dataset path the name ends with (`/data/upload/cat/1.jpg` ↔ `cat/1.jpg`),
 *   else the one image with that file name.
 * - `slide`: a whole-slide name (`slide1.svs`, `slide1.geojson`): the image of that relative stem, else the one image
 *   with that stem, else the QuPath tiles of that slide.
 */
export type MatchBy = 'path' | 'stem' | 'name' | 'slide';

/** One image's regions as a source names it, before they are matched to the dataset. */
export interface SourceEntry {
  /** Names to look the image up by, tried in order. */
  keys: { key: string; by: MatchBy }[];
  regions: Region[];
  /** The image's size in pixels, when the source states it. */
  size?: { width: number; height: number };
}

export interface TileMatch {
  file: string;
  tile: TileOrigin;
}

export type Match = { file: string } | { tiles: TileMatch[] } | null;

const stemOf = (p: string): string => p.slice(0, p.length - extname(p).length);
const baseOf = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

/** Appends to the list under `key` in place (sources can hold hundreds of thousands of shapes per image). */
export function appendTo<K, V>(m: Map<K, V[]>, key: K, values: readonly V[]): void {
  let list = m.get(key);
  if (!list) m.set(key, (list = []));
  for (const v of values) list.push(v);
}

/** A region source's image name with '/' separators and no leading './'. */
export const normalizeKey = (key: string): string => key.replace(/\\/g, '/').replace(/^(\.\/)+/, '');

/** Looks dataset images (relative paths with '/') up the ways region sources name them. */
export class ImageIndex {
  private readonly files: Set<string>;
  private readonly byStem = new Map<string, string>();
  private readonly byBase = new Map<string, string[]>();
  private readonly byBaseStem = new Map<string, string[]>();
  private readonly tilesBySlide = new Map<string, TileMatch[]>();

  constructor(readonly list: readonly string[]) {
    this.files = new Set(list);
    for (const f of list) {
      if (!this.byStem.has(stemOf(f))) this.byStem.set(stemOf(f), f);
      appendTo(this.byBase, baseOf(f), [f]);
      appendTo(this.byBaseStem, stemOf(baseOf(f)), [f]);
      const tile = qupathTile(baseOf(f));
      if (tile) appendTo(this.tilesBySlide, tile.slide, [{ file: f, tile }]);
    }
  }

  private unique(m: Map<string, string[]>, k: string): string | undefined {
    const v = m.get(k);
    return v && v.length === 1 ? v[0] : undefined;
  }

  /** The dataset path that `key` ends with ('/' before it), the longest when several do. */
  private suffix(key: string): string | undefined {
    const parts = key.split('/');
    for (let i = 1; i < parts.length; i++) {
      const tail = parts.slice(i).join('/');
      if (this.files.has(tail)) return tail;
    }
    return undefined;
  }

  match(rawKey: string, by: MatchBy): Match {
    const key = normalizeKey(rawKey);
    const one = (f: string | undefined): Match => (f === undefined ? null : { file: f });
    if (by === 'path') return one(this.files.has(key) ? key : undefined);
    if (by === 'stem') return one(this.byStem.get(stemOf(key)));
    if (by === 'name') return one(this.files.has(key) ? key : this.suffix(key) ?? this.unique(this.byBase, baseOf(key)));
    const stem = stemOf(baseOf(key));
    const direct = this.byStem.get(stemOf(key)) ?? this.unique(this.byBaseStem, stem);
    if (direct !== undefined) return { file: direct };
    const tiles = this.tilesBySlide.get(stem) ?? this.tilesBySlide.get(stem.replace(/\.ome$/i, '')) ?? this.tilesBySlide.get(baseOf(key));
    return tiles ? { tiles } : null;
  }
}
