/** IoU of the thresholded map {p : L(p) ≥ threshold} with the region: |S ∩ R| / |S ∪ R|. */
import type { FrameRegions } from '../../regions/frame';

export const DEFAULT_IOU_THRESHOLD = 0.5;

/** null when the image has no region pixels. */
export function thresholdIou(map: ArrayLike<number>, regions: FrameRegions, threshold = DEFAULT_IOU_THRESHOLD): number | null {
  if (regions.area === 0) return null;
  let inter = 0;
  let union = 0;
  for (let i = 0; i < map.length; i++) {
    const s = map[i] >= threshold;
    const r = regions.mask[i] === 1;
    if (s && r) inter++;
    if (s || r) union++;
  }
  return inter / union;
}
