/**
 * Loading expert regions for a dataset: `--regions PATH` (a COCO JSON file, or a folder of Pascal VOC XML, YOLO txt
 * or mask PNG files) or the project's annotations. Keys become the dataset's relative image paths: COCO by
 * `file_name`; VOC, YOLO and masks by the same relative path and stem (VOC also by its <filename>).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { CamscopeError } from '../errors';
import type { AnnotationRow } from '../evaluate/project-db';
import { parseCoco } from './coco';
import type { Region, RegionSet } from './types';
import { parseVocXml } from './voc';
import { parseClassNames, parseYoloTxt, YOLO_CLASS_FILES } from './yolo';

export type RegionFormat = 'coco' | 'voc' | 'yolo' | 'masks';

const stemOf = (rel: string): string => rel.slice(0, rel.length - extname(rel).length);

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Which importer reads PATH: a .json file is COCO; a folder by the files it holds (XML, then txt, then PNG). */
export function detectRegionFormat(path: string): RegionFormat {
  if (!existsSync(path)) throw new CamscopeError('INVALID_ARGUMENT', `The regions path ${path} does not exist.`);
  if (statSync(path).isFile()) {
    if (extname(path).toLowerCase() === '.json') return 'coco';
    throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} is not a COCO .json file; VOC, YOLO and mask regions are read from a folder.`);
  }
  const exts = new Set(walk(path).map((f) => extname(f).toLowerCase()));
  if (exts.has('.xml')) return 'voc';
  if (exts.has('.txt')) return 'yolo';
  if (exts.has('.png')) return 'masks';
  throw new CamscopeError('INVALID_ARGUMENT', `The regions folder ${path} holds no .xml (Pascal VOC), .txt (YOLO) or .png (mask) files.`);
}

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
}

/**
 * Reads regions from PATH and matches them to the dataset's images (`datasetFiles`: relative paths with '/').
 * Throws a one-sentence error naming the file for unreadable or malformed sources.
 */
export function loadRegions(path: string, datasetFiles: readonly string[]): LoadedRegions {
  const format = detectRegionFormat(path);
  const hash = createHash('sha256');
  const byFile = new Map(datasetFiles.map((f) => [f, f]));
  const byStem = new Map<string, string>();
  for (const f of datasetFiles) if (!byStem.has(stemOf(f))) byStem.set(stemOf(f), f);
  const images = new Map<string, Region[]>();
  const unmatched: string[] = [];
  const add = (file: string | undefined, key: string, regions: Region[]): void => {
    if (file === undefined) {
      unmatched.push(key);
      return;
    }
    images.set(file, [...(images.get(file) ?? []), ...regions]);
  };
  if (format === 'coco') {
    const text = readFileSync(path, 'utf8');
    hash.update(text);
    for (const [file, regions] of parseCoco(text, path)) add(byFile.get(file), file, regions);
  } else {
    const files = walk(path);
    const classNames = format === 'yolo' ? yoloClassNames(path) : null;
    for (const f of files) {
      const rel = relative(path, f).split(/[\\/]/).join('/');
      const ext = extname(f).toLowerCase();
      if (format === 'voc' && ext === '.xml') {
        const text = readFileSync(f, 'utf8');
        hash.update(rel).update(text);
        const { filename, regions } = parseVocXml(text, f);
        const dir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/') + 1) : '';
        add(byStem.get(stemOf(rel)) ?? (filename === null ? undefined : byFile.get(dir + filename) ?? byFile.get(filename)), rel, regions);
      } else if (format === 'yolo' && ext === '.txt' && !YOLO_CLASS_FILES.includes(rel)) {
        const text = readFileSync(f, 'utf8');
        hash.update(rel).update(text);
        add(byStem.get(stemOf(rel)), rel, parseYoloTxt(text, f, classNames));
      } else if (format === 'masks' && ext === '.png') {
        hash.update(rel).update(readFileSync(f));
        add(byStem.get(stemOf(rel)), rel, [{ shape: { kind: 'mask-file', path: f }, className: null }]);
      }
    }
  }
  return { source: `${format}:${path}`, format, fingerprint: hash.digest('hex'), images, unmatched };
}

/** The project's annotations (rectangles, polygons, points in original pixels) as regions; labels are class names. */
export function projectRegions(rows: readonly AnnotationRow[], datasetFiles?: readonly string[]): LoadedRegions {
  const hash = createHash('sha256');
  const known = datasetFiles ? new Set(datasetFiles) : null;
  const images = new Map<string, Region[]>();
  const unmatched: string[] = [];
  for (const row of rows) {
    hash.update(JSON.stringify([row.image, row.kind, row.label, row.geometry]));
    let points: [number, number][] = [];
    try {
      const g = JSON.parse(row.geometry) as { points?: [number, number][] };
      points = Array.isArray(g.points) ? g.points.filter((p) => Array.isArray(p) && Number.isFinite(p[0]) && Number.isFinite(p[1])) : [];
    } catch {
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
    if (!region) continue;
    if (known && !known.has(row.image)) {
      unmatched.push(row.image);
      continue;
    }
    images.set(row.image, [...(images.get(row.image) ?? []), region]);
  }
  return { source: 'project annotations', format: 'project', fingerprint: hash.digest('hex'), images, unmatched: [...new Set(unmatched)] };
}
