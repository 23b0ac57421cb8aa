/**
 * Loading expert regions for a dataset: `--regions PATH` (a file, told apart by content — COCO, COCO Camera Traps,
 * QuPath GeoJSON, Label Studio, MegaDetector JSON; CVAT, ASAP, Pascal VOC XML — or a folder of VOC/ASAP/CVAT XML,
 * QuPath GeoJSON, YOLO txt or mask PNG files) or the project's annotations. Keys become the dataset's relative
 * image paths (match.ts says how each format names its images). Every load says what it took and what it skipped.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, relative } from 'node:path';
import type { AnnotationRow } from '../evaluate/project-db';
import { parseAsapXml } from './asap';
import { parseCocoCameraTraps } from './cct';
import { parseCocoDoc } from './coco';
import { parseCvatXml } from './cvat';
import { detectRegionFormat, fileFormat, parseJson, REGION_FORMAT_NAMES, walkFiles, type RegionFormat } from './detect';
import { parseLabelStudio } from './labelstudio';
import { appendTo, ImageIndex, type SourceEntry } from './match';
import { DEFAULT_MEGADETECTOR_THRESHOLD, parseMegaDetector } from './megadetector';
import { isGeoJson, parseQupath } from './qupath';
import { importSummary, SkipTally, type SkipCount } from './tally';
import { placeOnTiles } from './tiles';
import type { Region, RegionSet } from './types';
import { parseVocXml } from './voc';
import { parseClassNames, parseYoloTxt, YOLO_CLASS_FILES } from './yolo';

export { detectRegionFormat, REGION_FORMAT_NAMES, type RegionFormat } from './detect';

const stemOf = (rel: string): string => rel.slice(0, rel.length - extname(rel).length);

function yoloClassNames(dir: string): string[] | null {
  for (const name of YOLO_CLASS_FILES) if (existsSync(join(dir, name))) return parseClassNames(readFileSync(join(dir, name), 'utf8'));
  const names = readdirSync(dir).filter((f) => f.endsWith('.names'));
  if (names.length === 1) return parseClassNames(readFileSync(join(dir, names[0]), 'utf8'));
  return null;
}

export interface LoadedRegions extends RegionSet {
  format: RegionFormat | 'project';
  /** Keys of the source that match no dataset image (left out). */
  unmatched: string[];
  /** Regions matched to the dataset's images (what the images map holds). */
  taken: number;
  /** What the source holds but was left out, by reason (unmatched images included). */
  skipped: SkipCount[];
  /** The MegaDetector confidence threshold applied (MegaDetector output only). */
  threshold?: number;
  /** One short paragraph: what was taken from where, and what was skipped and why. */
  summary: string;
  /** Image sizes the source states (CVAT, COCO, Label Studio, COCO Camera Traps), by dataset image. */
  sizes: Map<string, { width: number; height: number }>;
}

export interface LoadOptions {
  /** MegaDetector: detections below this confidence are skipped (default 0.2). */
  threshold?: number;
}

interface Parsed {
  entries: SourceEntry[];
  tally: SkipTally;
  notes: SkipTally;
}

/** The entries of one region file whose format (and, for JSON, parsed document) is known. */
function parseFile(path: string, text: string, doc: unknown, format: RegionFormat, p: Parsed, options: LoadOptions): SourceEntry[] {
  const name = basename(path);
  switch (format) {
    case 'coco':
      return parseCocoDoc(doc, path, p.tally);
    case 'cct':
      return parseCocoCameraTraps(doc, path, p.tally);
    case 'qupath':
      return parseQupath(doc, path, name, p.tally);
    case 'labelstudio':
      return parseLabelStudio(doc, path, p.tally);
    case 'megadetector':
      return parseMegaDetector(doc, path, options.threshold ?? DEFAULT_MEGADETECTOR_THRESHOLD, p.tally);
    case 'cvat':
      return parseCvatXml(text, path, p.tally);
    case 'asap':
      return parseAsapXml(text, path, name, p.tally, p.notes);
    case 'voc': {
      const { filename, regions } = parseVocXml(text, path, p.tally);
      return [{ keys: [{ key: name, by: 'slide' }, ...(filename === null ? [] : [{ key: filename, by: 'name' as const }])], regions }];
    }
    default:
      throw new Error(`parseFile: ${format} is read from a folder`);
  }
}

/** The entries of every file of a folder source, hashing what it reads. */
function parseFolder(path: string, format: RegionFormat, hash: ReturnType<typeof createHash>, p: Parsed): void {
  const add = (list: SourceEntry[]): void => {
    for (const e of list) p.entries.push(e);
  };
  const classNames = format === 'yolo' ? yoloClassNames(path) : null;
  for (const f of walkFiles(path)) {
    const rel = relative(path, f).split(/[\\/]/).join('/');
    const ext = extname(f).toLowerCase();
    if (format === 'masks') {
      if (ext !== '.png') continue;
      hash.update(rel).update(readFileSync(f));
      add([{ keys: [{ key: rel, by: 'stem' }], regions: [{ shape: { kind: 'mask-file', path: f }, className: null }] }]);
      continue;
    }
    const wanted = format === 'yolo' ? ext === '.txt' && !YOLO_CLASS_FILES.includes(rel) : format === 'qupath' ? ext === '.geojson' || ext === '.json' : ext === '.xml';
    if (!wanted) continue;
    const text = readFileSync(f, 'utf8');
    if (format === 'qupath') {
      const doc = parseJson(text, f);
      // A folder of GeoJSON may hold other JSON (a project file, say): left out, and said so.
      if (!isGeoJson(doc)) {
        p.tally.add({ one: 'JSON file that is not GeoJSON', many: 'JSON files that are not GeoJSON' });
        continue;
      }
      hash.update(rel).update(text);
      add(parseQupath(doc, f, rel, p.tally));
      continue;
    }
    hash.update(rel).update(text);
    if (format === 'voc') {
      const { filename, regions } = parseVocXml(text, f, p.tally);
      const dir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/') + 1) : '';
      const byName = filename === null ? [] : [{ key: dir + filename, by: 'path' as const }, { key: filename, by: 'path' as const }];
      add([{ keys: [{ key: rel, by: 'stem' }, ...byName], regions }]);
    } else if (format === 'yolo') add([{ keys: [{ key: rel, by: 'stem' }], regions: parseYoloTxt(text, f, classNames) }]);
    else if (format === 'asap') add(parseAsapXml(text, f, rel, p.tally, p.notes));
    else if (format === 'cvat') add(parseCvatXml(text, f, p.tally));
  }
}

/** Reads the source at `path`: a file by its content, a folder by its files. */
function parseSource(path: string, hash: ReturnType<typeof createHash>, options: LoadOptions): Parsed & { format: RegionFormat } {
  const p: Parsed = { entries: [], tally: new SkipTally(), notes: new SkipTally() };
  if (existsSync(path) && statSync(path).isFile()) {
    const text = readFileSync(path, 'utf8');
    const { format, doc } = fileFormat(text, path);
    hash.update(text);
    p.entries = parseFile(path, text, doc, format, p, options);
    return { ...p, format };
  }
  const format = detectRegionFormat(path);
  parseFolder(path, format, hash, p);
  return { ...p, format };
}

const unmatchedKind = { one: 'image not in the dataset', many: 'images not in the dataset' };

/** The skip entry for images of the source that are not in the dataset (none for 0). */
export function unmatchedSkip(count: number): SkipCount[] {
  const t = new SkipTally();
  t.add(unmatchedKind, count);
  return t.list();
}

export const isUnmatchedSkip = (s: SkipCount): boolean => s.reason === unmatchedKind.one || s.reason === unmatchedKind.many;
const notOnTilesKind = { one: 'region outside every tile of its slide', many: 'regions outside every tile of their slide' };

/**
 * Reads regions from PATH and matches them to the dataset's images (`datasetFiles`: relative paths with '/'; null
 * keeps every image under the name the source gives it). Throws a one-sentence error naming the file for unreadable
 * or malformed sources, before anything is taken.
 */
export function loadRegions(path: string, datasetFiles: readonly string[] | null, options: LoadOptions = {}): LoadedRegions {
  const hash = createHash('sha256');
  const { format, entries, tally, notes } = parseSource(path, hash, options);
  const threshold = format === 'megadetector' ? options.threshold ?? DEFAULT_MEGADETECTOR_THRESHOLD : undefined;
  if (threshold !== undefined) hash.update(`\0threshold=${threshold}`);
  const index = datasetFiles ? new ImageIndex(datasetFiles) : null;
  const images = new Map<string, Region[]>();
  const sizes = new Map<string, { width: number; height: number }>();
  const unmatched: string[] = [];
  const add = (file: string, regions: Region[], size?: { width: number; height: number }): void => {
    if (!regions.length) return;
    appendTo(images, file, regions);
    if (size) sizes.set(file, size);
  };
  for (const e of entries) {
    if (!e.regions.length) continue; // an image with nothing to take (all skipped, or "empty")
    if (!index) {
      // No dataset: the image keeps the name the source gives it (a file's own name without its extension).
      const named = e.keys.find((k) => k.by === 'name' || k.by === 'path');
      add(named ? named.key.replace(/\\/g, '/') : stemOf(e.keys[0].key), e.regions, e.size);
      continue;
    }
    let done = false;
    for (const { key, by } of e.keys) {
      const m = index.match(key, by);
      if (!m) continue;
      if ('file' in m) add(m.file, e.regions, e.size);
      else {
        const { perTile, unplaced } = placeOnTiles(e.regions, m.tiles);
        for (const { file } of m.tiles) if (perTile.has(file)) add(file, perTile.get(file)!);
        tally.add(notOnTilesKind, unplaced);
      }
      done = true;
      break;
    }
    if (!done) unmatched.push(e.keys[0].key);
  }
  tally.add(unmatchedKind, unmatched.length);
  const taken = [...images.values()].reduce((n, r) => n + r.length, 0);
  const classes = new Map<string | null, number>();
  for (const list of images.values()) for (const r of list) classes.set(r.className, (classes.get(r.className) ?? 0) + 1);
  const skipped = tally.list();
  const summary = importSummary({ formatName: REGION_FORMAT_NAMES[format], taken, images: images.size, classes, skipped, threshold, notes: notes.list() });
  const source = `${format}:${path}${threshold === undefined ? '' : ` (confidence ≥ ${threshold})`}`;
  return { source, format, fingerprint: hash.digest('hex'), images, unmatched, taken, skipped, ...(threshold === undefined ? {} : { threshold }), summary, sizes };
}

/** The project's annotations (rectangles, polygons, points in original pixels) as regions; labels are class names. */
export function projectRegions(rows: readonly AnnotationRow[], datasetFiles?: readonly string[]): LoadedRegions {
  const hash = createHash('sha256');
  const known = datasetFiles ? new Set(datasetFiles) : null;
  const images = new Map<string, Region[]>();
  const unmatched: string[] = [];
  const tally = new SkipTally();
  for (const row of rows) {
    hash.update(JSON.stringify([row.image, row.kind, row.label, row.geometry]));
    let points: [number, number][] = [];
    try {
      const g = JSON.parse(row.geometry) as { points?: [number, number][] };
      points = Array.isArray(g.points) ? g.points.filter((p) => Array.isArray(p) && Number.isFinite(p[0]) && Number.isFinite(p[1])) : [];
    } catch {
      tally.add({ one: 'damaged annotation', many: 'damaged annotations', why: 'its geometry is not JSON' });
      continue; // a damaged annotation gives no region
    }
    const className = row.label ? row.label : null;
    let region: Region | null = null;
    if (row.kind === 'rect' && points.length === 2) {
      const [[a, b], [c, d]] = points;
      region = { shape: { kind: 'box', x0: Math.min(a, c), y0: Math.min(b, d), x1: Math.max(a, c), y1: Math.max(b, d) }, className };
    } else if (row.kind === 'polygon' && points.length >= 3) {
      region = { shape: { kind: 'polygon', points }, className };
    } else if (row.kind === 'point' && points.length === 1) {
      region = { shape: { kind: 'point', x: points[0][0], y: points[0][1] }, className };
    }
    if (!region) {
      tally.add({ one: 'annotation without a usable shape', many: 'annotations without a usable shape' });
      continue;
    }
    if (known && !known.has(row.image)) {
      unmatched.push(row.image);
      continue;
    }
    appendTo(images, row.image, [region]);
  }
  const distinct = [...new Set(unmatched)];
  tally.add(unmatchedKind, distinct.length);
  return withSummary({ source: 'project annotations', format: 'project', fingerprint: hash.digest('hex'), images, unmatched: distinct, skipped: tally.list(), sizes: new Map() });
}

/** Adds the counts and the summary to a set of regions the project holds. */
export function withSummary(r: Omit<LoadedRegions, 'taken' | 'summary'>): LoadedRegions {
  const classes = new Map<string | null, number>();
  let taken = 0;
  for (const list of r.images.values()) {
    for (const x of list) classes.set(x.className, (classes.get(x.className) ?? 0) + 1);
    taken += list.length;
  }
  const formatName = r.format === 'project' ? 'the project' : REGION_FORMAT_NAMES[r.format];
  return { ...r, taken, summary: importSummary({ formatName, taken, images: r.images.size, classes, skipped: r.skipped, threshold: r.threshold }) };
}
