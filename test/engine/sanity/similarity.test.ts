/** Similarity measures against hand-computed values. */
import { describe, expect, it } from 'vitest';
import { averageRanks, meanStd, pearson, spearman, ssim } from '../../../src/main/engine/sanity/similarity';

describe('similarity', () => {
  it('Pearson: ±1 for linear relations, null for a constant map', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBe(1);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBe(-1);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNull();
    // [1, 2, 3, 4] vs [1, 3, 2, 4]: Σ dx·dy = 4, Σ dx² = Σ dy² = 5 → 0.8.
    expect(pearson([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 14);
  });

  it('Spearman: Pearson of average ranks (ties share their mean rank)', () => {
    expect([...averageRanks([10, 20, 20, 30])]).toEqual([1, 2.5, 2.5, 4]);
    // ranks [1, 2.5, 2.5, 4] vs [1, 3, 2, 4]: Σ = 4.5, Σ dx² = 4.5, Σ dy² = 5 → 4.5 / √22.5 = 3/√10.
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(3 / Math.sqrt(10), 14);
    expect(spearman([1, 5, 100], [0, 0.1, 0.2])).toBe(1); // monotone, not linear
  });

  it('SSIM: 1 for identical maps; constant maps reduce to the luminance term', () => {
    const n = 13 * 12;
    const a = Float32Array.from({ length: n }, (_, i) => (i % 7) / 7);
    expect(ssim(a, a, 13, 12)).toBeCloseTo(1, 12);
    // Constant 0.2 vs 0.6: (2·0.2·0.6 + C1) / (0.2² + 0.6² + C1) with C1 = 1e-4; the contrast term is C2 / C2.
    expect(ssim(new Float32Array(n).fill(0.2), new Float32Array(n).fill(0.6), 13, 12)).toBeCloseTo((0.24 + 1e-4) / (0.4 + 1e-4), 6);
    expect(() => ssim(new Float32Array(100), new Float32Array(100), 10, 10)).toThrow(/smaller than the 11x11 window/);
  });

  it('mean and population standard deviation, ignoring undefined values', () => {
    expect(meanStd([1, 3, null])).toEqual({ mean: 2, std: 1, n: 2 });
    expect(meanStd([null])).toEqual({ mean: null, std: null, n: 0 });
  });
});
