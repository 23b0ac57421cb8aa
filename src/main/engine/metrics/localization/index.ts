/**
 * Localization against expert regions: the four per-image values of a map, and their summary per method. Plain
 * functions over a map and an image's regions in the input frame (regions/frame.ts), for the CLI, reports and app.
 */
import type { FrameRegions } from '../../regions/frame';
import { energyInRegion } from './energy';
import { thresholdIou, DEFAULT_IOU_THRESHOLD } from './iou';
import { pointingHit, DEFAULT_POINTING_TOLERANCE } from './pointing';
import { rankAccuracy } from './rank-accuracy';

export { argmaxFirst, pointingHit, DEFAULT_POINTING_TOLERANCE } from './pointing';
export { energyInRegion } from './energy';
export { rankAccuracy } from './rank-accuracy';
export { thresholdIou, DEFAULT_IOU_THRESHOLD } from './iou';

export interface LocalizationSettings {
  /** Pixels, Euclidean, in the input frame. */
  pointingTolerance: number;
  iouThreshold: number;
}

export const DEFAULT_LOCALIZATION: LocalizationSettings = { pointingTolerance: DEFAULT_POINTING_TOLERANCE, iouThreshold: DEFAULT_IOU_THRESHOLD };

/** One map's agreement with an image's regions; every value null when the image has no region (pointing: nor points). */
export interface LocalizationValues {
  pointing_hit: boolean | null;
  energy_in_region: number | null;
  rank_accuracy: number | null;
  iou: number | null;
}

export function localize(map: ArrayLike<number>, regions: FrameRegions, s: LocalizationSettings = DEFAULT_LOCALIZATION): LocalizationValues {
  if (map.length !== regions.width * regions.height) throw new Error(`localize: the map has ${map.length} pixels, the regions' frame ${regions.width}x${regions.height}`);
  return {
    pointing_hit: pointingHit(map, regions, s.pointingTolerance),
    energy_in_region: energyInRegion(map, regions),
    rank_accuracy: rankAccuracy(map, regions),
    iou: thresholdIou(map, regions, s.iouThreshold),
  };
}

/** A method's localization row: means over the images with regions. */
export interface LocalizationRow {
  /** 100 · hits / images with regions or points. */
  pointing_game_pct: number | null;
  /** Mean energy share over images with region pixels, flat maps left out. */
  energy_pointing_game: number | null;
  rank_accuracy: number | null;
  iou: number | null;
  /** Images with at least one region pixel or point in the input frame. */
  images_with_regions: number;
  /** Images with region pixels (not only points): the denominator of energy, rank accuracy and IoU. */
  images_with_region_pixels: number;
  /** Flat maps left out of the energy pointing game. */
  energy_excluded_flat: number;
}

const mean = (v: number[]): number | null => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);

/**
 * Summarises per-image values (undefined = the image was evaluated without regions). `flat` says which maps were
 * flat (their energy share is null and counted in energy_excluded_flat).
 */
export function localizationRow(values: { v: Partial<LocalizationValues> | undefined; flat: boolean }[]): LocalizationRow {
  const withPoint = values.filter((x) => x.v && typeof x.v.pointing_hit === 'boolean');
  const withPixels = values.filter((x) => x.v && typeof x.v.rank_accuracy === 'number');
  const nums = (k: 'energy_in_region' | 'rank_accuracy' | 'iou'): number[] => withPixels.flatMap((x) => (typeof x.v![k] === 'number' ? [x.v![k] as number] : []));
  return {
    pointing_game_pct: withPoint.length ? (100 * withPoint.filter((x) => x.v!.pointing_hit).length) / withPoint.length : null,
    energy_pointing_game: mean(nums('energy_in_region')),
    rank_accuracy: mean(nums('rank_accuracy')),
    iou: mean(nums('iou')),
    images_with_regions: withPoint.length,
    images_with_region_pixels: withPixels.length,
    energy_excluded_flat: withPixels.filter((x) => x.v!.energy_in_region === null).length,
  };
}
