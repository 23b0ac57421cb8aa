/**
 * How concentrated a map is, from the map alone (no model pass). These say whether an explanation is easy to read,
 * not whether it is faithful, so the verdict across metrics does not rank them (evaluate/verdict.ts).
 *
 * Sparseness (Chalasani, Chen, Chowdhury, Wu, Jha: "Concise Explanations of Neural Networks using Adversarial
 * Training", ICML 2020): the Gini index of the map's absolute values a sorted ascending,
 *   G = Σ_{i=1..n} (2i − n − 1) · a_(i) / (n · Σ a),
 * 0 for a flat map, 1 − 1/n when one pixel holds everything. Higher is sparser.
 *
 * Complexity (Bhatt, Weller, Moura: "Evaluating and Aggregating Feature-based Model Explanations", IJCAI 2020): the
 * entropy of the map's share per pixel, p_i = |a_i| / Σ|a|,  H = −Σ p_i ln p_i, from 0 (one pixel) to ln n (flat).
 * Lower is simpler.
 *
 * Both are undefined (null) for a map that is zero everywhere.
 */

/** Gini index of |map|; null when the map is all zeros. */
export function sparseness(map: ArrayLike<number>): number | null {
  const n = map.length;
  const a = Float64Array.from(map, Math.abs).sort();
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    total += a[i];
    weighted += (2 * (i + 1) - n - 1) * a[i];
  }
  return total > 0 ? weighted / (n * total) : null;
}

/** Entropy (natural log) of |map| / Σ|map|; null when the map is all zeros. */
export function complexity(map: ArrayLike<number>): number | null {
  let total = 0;
  for (let i = 0; i < map.length; i++) total += Math.abs(map[i]);
  if (!(total > 0)) return null;
  let h = 0;
  for (let i = 0; i < map.length; i++) {
    const p = Math.abs(map[i]) / total;
    if (p > 0) h -= p * Math.log(p);
  }
  return h;
}
