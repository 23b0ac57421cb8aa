/**
 * Relevance rank accuracy (Arras et al., "CLEVR-XAI", Information Fusion 2022): with K the number of region pixels,
 * the fraction of the K highest-valued map pixels that lie in the region. Pixels are ranked by value, highest first,
 * equal values by pixel index (row-major), so ties are resolved the same way every time.
 */
import type { FrameRegions } from '../../regions/frame';

/** null when the image has no region pixels. */
export function rankAccuracy(map: ArrayLike<number>, regions: FrameRegions): number | null {
  const K = regions.area;
  if (K === 0) return null;
  const order = Uint32Array.from({ length: map.length }, (_, i) => i);
  order.sort((a, b) => map[b] - map[a] || a - b);
  let hits = 0;
  for (let r = 0; r < K; r++) hits += regions.mask[order[r]];
  return hits / K;
}
