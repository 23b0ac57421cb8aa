/**
 * How far apart two maps of one image are, once both are on a common grid (./grid): the largest absolute
 * difference, Pearson's r, and the IoU of each map's top 20 % pixels. Maps are in [0, 1] (min-max normalised by
 * every method), so the difference is in [0, 1] too.
 */
import { pearson } from '../sanity/similarity';

/** The share of pixels that counts as a map's "top" region for map_top20_iou. */
export const TOP_FRACTION = 0.2;

export interface MapDistances {
  /** max |a − b| over the compared pixels. */
  map_max_abs_diff: number;
  /** Pearson's r of the two maps; null when either is constant over the compared pixels (r is undefined). */
  map_pearson: number | null;
  /** |top(a) ∩ top(b)| / |top(a) ∪ top(b)|, top = each map's top TOP_FRACTION of pixels (see topMask). */
  map_top20_iou: number;
}

/**
 * A map's top `fraction` of pixels: every pixel at or above the k-th largest value, k = ⌈fraction · n⌉. Pixels tied
 * with the k-th value are all in, so the region never depends on pixel order (a constant map is all top).
 */
export function topMask(values: ArrayLike<number>, fraction = TOP_FRACTION): Uint8Array {
  const n = values.length;
  const mask = new Uint8Array(n);
  if (n === 0) return mask;
  const k = Math.max(1, Math.ceil(fraction * n - 1e-9));
  const sorted = Float64Array.from(values).sort();
  const threshold = sorted[n - k];
  for (let i = 0; i < n; i++) if (values[i] >= threshold) mask[i] = 1;
  return mask;
}

/** Intersection over union of two 0/1 masks (1 when both are empty). */
export function maskIou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) inter++;
    if (a[i] || b[i]) union++;
  }
  return union === 0 ? 1 : inter / union;
}

/** The three distances of two maps given as the same pixels in the same order. */
export function mapDistances(a: ArrayLike<number>, b: ArrayLike<number>): MapDistances {
  if (a.length !== b.length) throw new Error(`mapDistances: ${a.length} vs ${b.length} pixels`);
  if (a.length === 0) throw new Error('mapDistances: no pixels to compare');
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
  return { map_max_abs_diff: diff, map_pearson: pearson(a, b), map_top20_iou: maskIou(topMask(a), topMask(b)) };
}
