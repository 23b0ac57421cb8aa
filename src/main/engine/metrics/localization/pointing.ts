/**
 * Pointing game (Zhang et al., "Top-down Neural Attention by Excitation Backprop", ECCV 2016): a hit when the map's
 * maximum — the first maximal pixel in row-major order — lies within `tolerance` pixels (Euclidean, between pixel
 * centres, in the input frame) of a region pixel or of an annotated point.
 */
import type { FrameRegions } from '../../regions/frame';

export const DEFAULT_POINTING_TOLERANCE = 15;

/** Index of the first maximal value in row-major order. */
export function argmaxFirst(map: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < map.length; i++) if (map[i] > map[best]) best = i;
  return best;
}

/** null when the image has neither region pixels nor points in the frame. */
export function pointingHit(map: ArrayLike<number>, regions: FrameRegions, tolerance = DEFAULT_POINTING_TOLERANCE): boolean | null {
  if (regions.area === 0 && regions.points.length === 0) return null;
  const { width: W, height: H, mask } = regions;
  const k = argmaxFirst(map);
  const px = k % W;
  const py = (k - px) / W;
  const t2 = tolerance * tolerance;
  for (const [x, y] of regions.points) {
    const dx = x - (px + 0.5);
    const dy = y - (py + 0.5);
    if (dx * dx + dy * dy <= t2) return true;
  }
  const r = Math.floor(tolerance);
  for (let j = Math.max(0, py - r); j <= Math.min(H - 1, py + r); j++) {
    for (let i = Math.max(0, px - r); i <= Math.min(W - 1, px + r); i++) {
      if (mask[j * W + i] && (i - px) ** 2 + (j - py) ** 2 <= t2) return true;
    }
  }
  return false;
}
