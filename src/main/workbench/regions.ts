/**
 * Expert regions in the workbench: importing region files (any format engine/regions reads: COCO, VOC, YOLO, masks,
 * QuPath GeoJSON, ASAP, CVAT, Label Studio, MegaDetector, COCO Camera Traps) into the project, and the regions an
 * app evaluation or a map card compares maps with.
 *
 * Where imported regions live: boxes, polygons and points become annotations labelled with their class (note
 * "Imported from NAME"), so the user sees them on the image and can move, relabel or delete them like their own.
 * Masks have no vertices to edit, so they go to the project's region_masks table; so do polygons with holes
 * (QuPath), rasterized at the image's size, since an annotation has one outline. Importing the same file or folder
 * again replaces what its earlier import added for the open image folder. The source is read whole before anything
 * is stored, so a malformed file stores nothing.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import type { RegionAgreement, RegionImportResult } from '../../shared/api';
import { openImageFile } from '../engine/image/decode';
import { ProjectDb, type AnnotationRow } from '../engine/evaluate/project-db';
import { argmaxFirst, DEFAULT_LOCALIZATION, localize } from '../engine/metrics/localization';
import type { LocalizationSpec } from '../engine/metrics/localization/evaluation';
import { imageFrameRegions } from '../engine/metrics/localization/image';
import { readMaskPng, regionsInFrame } from '../engine/regions/frame';
import { isUnmatchedSkip, loadRegions, projectRegions, REGION_FORMAT_NAMES, unmatchedSkip, withSummary, type LoadedRegions, type RegionFormat } from '../engine/regions/load';
import { appendTo } from '../engine/regions/match';
import { SkipTally } from '../engine/regions/tally';
import type { Region } from '../engine/regions/types';
import { fromRow, geometryJson } from './annotations';
import type { MapService } from './maps';
import type { WorkbenchState } from './state';

/** The note of annotations an import adds (and how a later import of the same source finds them). */
export function importNote(sourceName: string): string {
  return `Imported from ${sourceName}`;
}

/** The image folder recorded in an annotation's geometry (null for annotations made before it was recorded). */
const annotationDataset = (row: AnnotationRow): string | null => fromRow(row).dataset;

/** Rows that belong to this image folder: recorded for it, or recorded for no folder (older annotations). */
const ofFolder = <T>(rows: readonly T[], folder: (r: T) => string | null, root: string): T[] => rows.filter((r) => {
  const f = folder(r);
  return f === null || f === root;
});

export interface ImportTarget {
  /** The open image folder (absolute). */
  root: string;
  /** Its images, relative paths with '/'. */
  files: readonly string[];
  /** An image's size in pixels after EXIF orientation (what annotations and maps use). */
  sizeOf: (file: string) => Promise<{ width: number; height: number }>;
}

/** A polygon with holes as a mask at the image's size (pixels whose centre is inside), as the evaluation reads it. */
async function holedPolygonMask(r: Region, size: { width: number; height: number }): Promise<Uint8Array> {
  const f = await regionsInFrame([r], size.width, size.height, { inputSize: [size.height, size.width], resize: 'stretch' });
  return f.mask;
}

/**
 * Reads regions from `path` (a region file, or a VOC / ASAP / CVAT / QuPath / YOLO / mask folder), matches them to
 * the open folder's images and stores them in the project. Throws a one-sentence error naming the file when the
 * source is unreadable or malformed (nothing is stored then).
 */
export async function importRegions(db: ProjectDb, path: string, target: ImportTarget): Promise<RegionImportResult> {
  const loaded = loadRegions(path, target.files);
  const format = loaded.format as RegionFormat;
  const sourceName = basename(path) + (statSync(path).isDirectory() ? '/' : '');
  const note = importNote(sourceName);
  const annotations: { image: string; kind: string; label: string; note: string; geometry: string }[] = [];
  const masks: { image: string; label: string; width: number; height: number; data: Uint8Array }[] = [];
  let skipped = 0;
  // What the project ends up holding, for the summary.
  const stored = new Map<string, Region[]>();
  for (const [image, regions] of [...loaded.images].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const size = await target.sizeOf(image);
    for (const r of regions) {
      const before = annotations.length + masks.length;
      // YOLO coordinates are fractions of the image's size: stored in pixels, like every annotation.
      const kx = r.relative ? size.width : 1;
      const ky = r.relative ? size.height : 1;
      const label = r.className ?? '';
      const s = r.shape;
      const add = (kind: 'rect' | 'polygon' | 'point', points: number[][]): void => {
        // A polygon of fewer than three corners encloses nothing: counted and named in the message, not stored.
        if (kind === 'polygon' && points.length < 3) skipped++;
        else annotations.push({ image, kind, label, note, geometry: geometryJson(kind, points, size, target.root) });
      };
      if (s.kind === 'box') add('rect', [[s.x0 * kx, s.y0 * ky], [s.x1 * kx, s.y1 * ky]]);
      else if (s.kind === 'polygon' && s.holes?.length) masks.push({ image, label, width: size.width, height: size.height, data: deflateSync(await holedPolygonMask(r, size)) });
      else if (s.kind === 'polygon') add('polygon', s.points.map(([x, y]) => [x * kx, y * ky]));
      else if (s.kind === 'point') add('point', [[s.x * kx, s.y * ky]]);
      else {
        const m = s.kind === 'mask' ? s : await readMaskPng(s.path);
        masks.push({ image, label, width: m.width, height: m.height, data: deflateSync(m.data) });
      }
      if (annotations.length + masks.length > before) appendTo(stored, image, [r]);
    }
  }
  // A second import of the same source replaces the first (for this folder), so importing twice does not double.
  // The new ones are added before the old ones go, so a write that fails midway loses nothing.
  const earlier = ofFolder(db.annotations().filter((a) => a.note === note), annotationDataset, target.root);
  db.addAnnotations(annotations);
  db.deleteAnnotations(earlier.map((a) => a.id));
  db.replaceRegionMasks(sourceName, target.root, masks);
  const count = annotations.length + masks.length;
  const shown = loaded.unmatched.slice(0, 3).join(', ') + (loaded.unmatched.length > 3 ? ', …' : '');
  const unmatchedText = loaded.unmatched.length
    ? `; ${loaded.unmatched.length} ${loaded.unmatched.length === 1 ? 'entry matches' : 'entries match'} no image of the open folder and ${loaded.unmatched.length === 1 ? 'was' : 'were'} left out (${shown})`
    : '';
  const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  const message = loaded.images.size === 0
    ? `No region in ${sourceName} matches an image of the open folder, so nothing was imported${unmatchedText}.`
    : `Imported ${plural(count, 'region', 'regions')} for ${plural(loaded.images.size, 'image', 'images')} from ${sourceName} (${REGION_FORMAT_NAMES[format]})${unmatchedText}${skipped ? `; ${plural(skipped, 'polygon', 'polygons')} with fewer than three corners left out` : ''}.`;
  // The loader's summary, with what the project could not store (polygons of fewer than three corners).
  const extra = new SkipTally();
  extra.add({ one: 'polygon with fewer than three corners', many: 'polygons with fewer than three corners' }, skipped);
  const { summary } = withSummary({ ...loaded, images: stored, skipped: [...loaded.skipped, ...extra.list()] });
  return {
    format,
    source: sourceName,
    regions: count,
    images: loaded.images.size,
    annotations: annotations.length,
    masks: masks.length,
    replaced: earlier.length,
    unmatched: loaded.unmatched,
    message,
    summary,
  };
}

function maskRegion(m: { label: string; width: number; height: number; data: Uint8Array }): Region {
  return { shape: { kind: 'mask', width: m.width, height: m.height, data: new Uint8Array(inflateSync(m.data)) }, className: m.label || null };
}

/**
 * The project's regions for the open folder: its annotations (the user's and imported ones) and imported masks,
 * keyed by image. Unlabelled annotations and masks have no class (they count with region class "all").
 */
export function projectFolderRegions(db: ProjectDb, root: string, files?: readonly string[], image?: string): LoadedRegions {
  const rows = ofFolder(db.annotations(image), annotationDataset, root);
  const base = projectRegions(rows, files);
  const known = files ? new Set(files) : null;
  const masks = ofFolder(db.regionMasks(image), (m) => m.dataset, root);
  if (!masks.length) return base;
  const hash = createHash('sha256').update(base.fingerprint);
  const images = new Map(base.images);
  const unmatched = [...base.unmatched];
  for (const m of masks) {
    hash.update(JSON.stringify([m.image, m.label, m.width, m.height])).update(m.data);
    if (known && !known.has(m.image)) {
      unmatched.push(m.image);
      continue;
    }
    appendTo(images, m.image, [maskRegion(m)]);
  }
  const distinct = [...new Set(unmatched)];
  const skipped = [...base.skipped.filter((s) => !isUnmatchedSkip(s)), ...unmatchedSkip(distinct.length)];
  return withSummary({ ...base, source: 'project annotations and masks', images, fingerprint: hash.digest('hex'), unmatched: distinct, skipped });
}

/**
 * What an app evaluation compares maps with, as the CLI's `evaluate` without `--regions` does (cli/regions.ts): the
 * project's regions, with the CLI's defaults for region class (all), pointing tolerance and IoU threshold.
 * undefined when no region matches an image of the folder.
 */
export function evaluationRegionsOf(db: ProjectDb, root: string, files: readonly string[]): LocalizationSpec | undefined {
  const regions = projectFolderRegions(db, root, files);
  if (regions.images.size === 0) return undefined;
  return { regions, regionClass: 'all', pointingTolerance: DEFAULT_LOCALIZATION.pointingTolerance, iouThreshold: DEFAULT_LOCALIZATION.iouThreshold };
}

/** Expert regions of the open project and folder: importing them, and how an image's computed maps agree with them. */
export class RegionService {
  constructor(
    private readonly state: WorkbenchState,
    private readonly maps: Pick<MapService, 'pass' | 'known'>,
  ) {}

  /** Imports regions from a path main's open dialog returned, matched to the open folder's images. */
  async importRegions(path: string): Promise<RegionImportResult> {
    const d = this.state.requireDataset();
    const projectPath = this.state.requireProject();
    const byFile = new Map(d.items.map((i) => [i.file, i.path]));
    const db = new ProjectDb(projectPath);
    try {
      return await importRegions(db, path, {
        root: d.root,
        files: d.items.map((i) => i.file),
        sizeOf: async (file) => {
          const image = await openImageFile(byFile.get(file)!);
          return { width: image.width, height: image.height };
        },
      });
    } finally {
      db.close();
    }
  }

  /**
   * How each computed map of an image agrees with its expert regions (the engine's localization functions, CLI
   * defaults). Only maps already computed are used: this never starts a slow method.
   */
  async regionAgreement(args: { image: number; classIndex: number | null; methods: string[] }): Promise<RegionAgreement | null> {
    const d = this.state.requireDataset();
    if (!this.state.projectPath) return null;
    const classifier = this.state.requireModel();
    const item = this.state.item(args.image);
    const regions = this.state.withDb((db) => projectFolderRegions(db, d.root, undefined, item.file)).images.get(item.file) ?? [];
    if (!regions.length) return null;
    const pass = await this.maps.pass(args.image, args.classIndex, new AbortController().signal);
    const c = pass.target.classIndex;
    const original = { width: pass.image.originalWidth, height: pass.image.originalHeight };
    const frame = await imageFrameRegions(regions, pass.target.className, original, classifier.profile, 'all');
    if (!frame) return null;
    const methods = args.methods.flatMap((id) => {
      const m = this.maps.known(args.image, c, id);
      if (!m || m.result.width !== frame.width || m.result.height !== frame.height) return [];
      // Whether the peak pixel itself is in a region: a pointing hit may be a near miss within the tolerance.
      const peak = argmaxFirst(m.result.map);
      return [{
        method: id,
        ...localize(m.result.map, frame, DEFAULT_LOCALIZATION),
        peak_in_region: frame.area > 0 ? frame.mask[peak] === 1 : null,
        pointingTolerance: DEFAULT_LOCALIZATION.pointingTolerance,
      }];
    });
    return { image: args.image, classIndex: c, regions: regions.length, methods };
  }
}
