/**
 * `camscope evaluate` and expert regions: `--regions PATH` (a region file — COCO, COCO Camera Traps, QuPath GeoJSON,
 * Label Studio, MegaDetector, CVAT, ASAP or Pascal VOC, told apart by content — or a VOC / ASAP / CVAT / QuPath /
 * YOLO / mask folder) or, without it, the annotations stored in the project file; `--region-class`,
 * `--pointing-tolerance`, `--iou-threshold` and `--regions-threshold` (MegaDetector's confidence threshold).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadDataset } from '../engine/evaluate/dataset';
import { ProjectDb } from '../engine/evaluate/project-db';
import { DEFAULT_LOCALIZATION } from '../engine/metrics/localization';
import type { LocalizationSpec } from '../engine/metrics/localization/evaluation';
import { loadRegions, projectRegions, type LoadedRegions } from '../engine/regions/load';
import { DEFAULT_MEGADETECTOR_THRESHOLD } from '../engine/regions/megadetector';
import type { RegionClassFilter } from '../engine/regions/types';
import { UsageError } from './common';

export const REGION_OPTIONS = {
  regions: { type: 'string' },
  'region-class': { type: 'string' },
  'pointing-tolerance': { type: 'string' },
  'iou-threshold': { type: 'string' },
  'regions-threshold': { type: 'string' },
} as const;

export interface RegionArgs {
  regions?: string;
  regionClass: RegionClassFilter;
  pointingTolerance: number;
  iouThreshold: number;
  /** MegaDetector output: detections below this confidence are left out (recorded in the regions' source). */
  regionsThreshold: number;
}

/** Parses the region options; throws a UsageError for bad values. */
export function regionArgs(str: (k: string) => string | undefined): RegionArgs {
  const regionClass = (str('region-class') ?? 'all') as RegionClassFilter;
  if (regionClass !== 'all' && regionClass !== 'target') throw new UsageError('--region-class must be all or target.');
  const num = (name: string, fallback: number, ok: (v: number) => boolean, what: string): number => {
    const v = str(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new UsageError(`--${name} must be ${what}, not "${v}".`);
    return n;
  };
  return {
    regions: str('regions'),
    regionClass,
    pointingTolerance: num('pointing-tolerance', DEFAULT_LOCALIZATION.pointingTolerance, (n) => n >= 0, 'a number of pixels ≥ 0'),
    iouThreshold: num('iou-threshold', DEFAULT_LOCALIZATION.iouThreshold, (n) => n >= 0 && n <= 1, 'a number from 0 to 1'),
    regionsThreshold: num('regions-threshold', DEFAULT_MEGADETECTOR_THRESHOLD, (n) => n >= 0 && n <= 1, 'a confidence from 0 to 1'),
  };
}

/**
 * The regions an evaluation uses: `--regions PATH`, else the project file's annotations when it has any, else none.
 * `warn` hears the import's summary (what was taken and skipped) and about regions that match no image of the dataset.
 */
export function evaluationRegions(
  a: RegionArgs,
  dataset: { root: string; labels?: string; classes: string[] },
  projectPath: string,
  warn: (message: string) => void,
): LocalizationSpec | undefined {
  let regions: LoadedRegions | null = null;
  const files = (): string[] => loadDataset(resolve(dataset.root), dataset.classes, dataset.labels ? resolve(dataset.labels) : undefined).items.map((i) => i.file);
  if (a.regions) {
    regions = loadRegions(resolve(a.regions), files(), { threshold: a.regionsThreshold });
    warn(regions.summary);
  } else if (existsSync(projectPath)) {
    const db = new ProjectDb(projectPath);
    try {
      const rows = db.annotations();
      if (rows.length) {
        regions = projectRegions(rows, files());
        warn(regions.summary);
      }
    } finally {
      db.close();
    }
  }
  if (!regions) return undefined;
  if (regions.unmatched.length) {
    const shown = regions.unmatched.slice(0, 3).join(', ');
    warn(`${regions.unmatched.length} region entr${regions.unmatched.length === 1 ? 'y matches' : 'ies match'} no image of the dataset (${shown}${regions.unmatched.length > 3 ? ', …' : ''}); left out.`);
  }
  if (regions.images.size === 0) {
    warn(`No region of ${regions.source} matches an image of the dataset, so there is no localization block.`);
    return undefined;
  }
  return { regions, regionClass: a.regionClass, pointingTolerance: a.pointingTolerance, iouThreshold: a.iouThreshold };
}
