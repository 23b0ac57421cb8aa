/**
 * Energy-based pointing game (Wang et al., "Score-CAM", CVPR-W 2020, §4.2): the share of the map's energy inside the
 * region, Σ_{p ∈ R} L(p) / Σ_p L(p). A flat map (Σ L = 0: a map that explains nothing) has no share: null.
 */
import type { FrameRegions } from '../../regions/frame';

/** null when the image has no region pixels or the map sums to zero. */
export function energyInRegion(map: ArrayLike<number>, regions: FrameRegions): number | null {
  if (regions.area === 0) return null;
  let inside = 0;
  let total = 0;
  for (let i = 0; i < map.length; i++) {
    total += map[i];
    if (regions.mask[i]) inside += map[i];
  }
  return total > 0 ? inside / total : null;
}
