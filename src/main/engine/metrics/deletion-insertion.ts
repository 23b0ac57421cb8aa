/**
 * Deletion and insertion curves (Petsiuk et al., RISE, BMVC 2018). Pixels are ranked by saliency (ties by
 * position); deletion replaces the top k·n/steps pixels of x with the baseline (0 in normalized space, the mean
 * colour), insertion starts from the baseline and restores them. The curve is the target's probability at each of
 * the steps + 1 fractions; its area (trapezoid rule over [0, 1]) is the score: deletion lower is better, insertion
 * higher is better.
 */

/** Pixel indices of a map sorted by decreasing saliency (stable). */
export function saliencyOrder(map: Float32Array): Uint32Array {
  const idx = Uint32Array.from({ length: map.length }, (_, i) => i);
  return idx.sort((a, b) => map[b] - map[a] || a - b);
}

/**
 * The 2·(steps + 1) inputs of both curves, one after another: deletion k = 0..steps, then insertion k = 0..steps.
 * `image` is CHW with `channels` planes of `plane` pixels.
 */
export function curveInputs(image: Float32Array, channels: number, map: Float32Array, steps: number): Float32Array {
  const plane = map.length;
  const order = saliencyOrder(map);
  const per = channels * plane;
  const out = new Float32Array(2 * (steps + 1) * per);
  for (let k = 0; k <= steps; k++) {
    const count = Math.round((k * plane) / steps);
    const del = out.subarray(k * per, (k + 1) * per);
    const ins = out.subarray((steps + 1 + k) * per, (steps + 2 + k) * per);
    del.set(image);
    for (let j = 0; j < count; j++) {
      const p = order[j];
      for (let c = 0; c < channels; c++) {
        del[c * plane + p] = 0;
        ins[c * plane + p] = image[c * plane + p];
      }
    }
  }
  return out;
}

/** Trapezoid area under scores sampled at evenly spaced fractions 0..1. */
export function curveArea(scores: ArrayLike<number>): number {
  const n = scores.length - 1;
  if (n < 1) return scores[0] ?? 0;
  let area = 0;
  for (let k = 0; k < n; k++) area += (scores[k] + scores[k + 1]) / 2;
  return area / n;
}
