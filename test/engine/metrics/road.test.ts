/**
 * ROAD's noisy linear imputation against an independent SciPy spsolve of the reference code's sparse system
 * (test/fixtures/road/make-road.py, the noise passed in from there), plus hand-derived cases.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { saliencyOrder } from '../../../src/main/engine/metrics/deletion-insertion';
import { imputeLinear, NEIGHBOUR_WEIGHTS } from '../../../src/main/engine/metrics/imputation';
import { OFFSETS } from '../../../src/main/engine/metrics/grid-solver';
import {
  gaussianNoise, roadInput, roadLevels, roadRemoved, roadRow, roadScores, roadSeed, ROAD_FRACTIONS, ROAD_PASSES,
} from '../../../src/main/engine/metrics/road';

interface ImputationCase {
  name: string; width: number; height: number; channels: number; image: number[]; map: number[];
  fraction: number; order: 'morf' | 'lerf'; removed: number[]; noise: number[]; expected: number[];
}

const fixture = JSON.parse(readFileSync(join(__dirname, '../../fixtures/road/road.json'), 'utf8')) as { imputation: ImputationCase[] };

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('noisy linear imputation against SciPy spsolve', () => {
  for (const c of fixture.imputation) {
    it(c.name, () => {
      const removed = roadRemoved(saliencyOrder(Float32Array.from(c.map)), c.fraction, c.order);
      expect(Array.from(removed)).toEqual(c.removed);
      const out = imputeLinear(Float32Array.from(c.image), c.channels, c.width, c.height, removed, c.noise);
      expect(maxAbsDiff(out, c.expected)).toBeLessThan(1e-5);
      // Kept pixels are the input's, bit for bit.
      const plane = c.width * c.height;
      for (let i = 0; i < out.length; i++) if (!removed[i % plane]) expect(out[i]).toBe(Math.fround(c.image[i]));
    });
  }
});

describe('noisy linear imputation, hand-derived', () => {
  const single = (w: number, h: number, at: number, image: Float32Array): number => {
    const removed = new Uint8Array(w * h);
    removed[at] = 1;
    return imputeLinear(image, 1, w, h, removed, null)[at];
  };

  it('uses weights 1/6 for side and 1/12 for diagonal neighbours', () => {
    expect(NEIGHBOUR_WEIGHTS.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
    OFFSETS.forEach(([dx, dy], k) => expect(NEIGHBOUR_WEIGHTS[k]).toBe(dx && dy ? 1 / 12 : 1 / 6));
  });

  it('a single removed pixel of a constant image becomes the constant (inside, on an edge, in a corner)', () => {
    const image = new Float32Array(5 * 4).fill(-0.75);
    for (const at of [7, 2, 0, 19]) expect(single(5, 4, at, image)).toBeCloseTo(-0.75, 12);
  });

  it('a single removed pixel is the weighted mean of its neighbours (to float32 precision)', () => {
    // 3×3, centre removed: sides 2, 4, 6, 8 (weight 1/6), corners 1, 3, 7, 9 (weight 1/12).
    const image = Float32Array.from([1, 2, 3, 4, 0, 6, 7, 8, 9]);
    expect(single(3, 3, 4, image)).toBeCloseTo((2 + 4 + 6 + 8) / 6 + (1 + 3 + 7 + 9) / 12, 6);
    // Top-left corner: right 2 and below 4 (1/6 each), diagonal 0 (1/12), normalised by 5/12.
    expect(single(3, 3, 0, image)).toBeCloseTo((2 / 6 + 4 / 6 + 0 / 12) / (5 / 12), 6);
  });

  it('removed neighbours are solved together: a row [a, ?, ?, d] gives (2a + d)/3 and (a + 2d)/3', () => {
    const out = imputeLinear(Float32Array.from([3, 0, 0, 9]), 1, 4, 1, Uint8Array.from([0, 1, 1, 0]), null);
    expect(out[1]).toBeCloseTo(5, 6);
    expect(out[2]).toBeCloseTo(7, 6);
  });

  it('fills a large interior hole of a linear image exactly (symmetric weights keep linear functions)', () => {
    const w = 96;
    const h = 80;
    const image = new Float32Array(2 * w * h);
    const removed = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        image[y * w + x] = 0.02 * x - 0.03 * y + 0.5;
        image[w * h + y * w + x] = -0.01 * x + 1;
        if (x >= 3 && x < w - 4 && y >= 2 && y < h - 3) removed[y * w + x] = 1;
      }
    }
    const expected = Float32Array.from(image);
    image.forEach((_, i) => {
      if (removed[i % (w * h)]) image[i] = 0; // what was there must not matter
    });
    expect(maxAbsDiff(imputeLinear(image, 2, w, h, removed, null), expected)).toBeLessThan(1e-5);
  });

  it('adds the given noise to the imputed values only, channel by channel', () => {
    const image = new Float32Array(2 * 9).fill(1);
    const removed = Uint8Array.from([0, 0, 0, 0, 1, 0, 0, 0, 1]);
    const out = imputeLinear(image, 2, 3, 3, removed, [0.1, 0.2, -0.3, -0.4]);
    expect(out[4]).toBeCloseTo(1.1, 6);
    expect(out[8]).toBeCloseTo(1.2, 6);
    expect(out[9 + 4]).toBeCloseTo(0.7, 6);
    expect(out[9 + 8]).toBeCloseTo(0.6, 6);
    expect(out[0]).toBe(1);
  });

  it('refuses a mask that removes everything, and noise or sizes that do not fit', () => {
    const image = new Float32Array(4);
    expect(() => imputeLinear(image, 1, 2, 2, new Uint8Array(4).fill(1), null)).toThrow(/every pixel is removed/);
    expect(() => imputeLinear(image, 1, 2, 2, Uint8Array.from([1, 0, 0, 0]), [0, 0])).toThrow(/2 noise values given for 1 × 1 removed pixels/);
    expect(() => imputeLinear(image, 3, 2, 2, new Uint8Array(4), null)).toThrow(/not 3 × 2 × 2/);
  });
});

describe('ROAD levels and scores', () => {
  it('removes round(p·n) pixels: the most relevant for MoRF, the least relevant for LeRF', () => {
    const order = saliencyOrder(Float32Array.from([0.1, 0.9, 0.5, 0.7, 0.3]));
    expect(Array.from(roadRemoved(order, 0.4, 'morf'))).toEqual([0, 1, 0, 1, 0]);
    expect(Array.from(roadRemoved(order, 0.4, 'lerf'))).toEqual([1, 0, 0, 0, 1]);
    expect(Array.from(roadRemoved(order, 0.5, 'morf'))).toEqual([0, 1, 1, 1, 0]); // 2.5 rounds up
  });

  it('has 9 levels per order, 18 model passes per image and method, each level with its own noise seed', () => {
    expect(ROAD_FRACTIONS).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    expect(ROAD_PASSES).toBe(18);
    const { levels } = roadLevels(new Float32Array(4), 7);
    expect(levels.map((l) => l.direction)).toEqual([...Array(9).fill('morf'), ...Array(9).fill('lerf')]);
    expect(new Set(levels.map((l) => l.seed)).size).toBe(18);
    expect(roadLevels(new Float32Array(4), 7).levels).toEqual(levels);
    expect(roadSeed(1, 'ab', 'c')).not.toBe(roadSeed(1, 'a', 'bc'));
    expect(roadSeed(1, 'x')).not.toBe(roadSeed(2, 'x'));
  });

  it('draws N(0, σ²) noise, the same for the same seed', () => {
    const a = gaussianNoise(200_001, 0.01, 5);
    expect(Array.from(gaussianNoise(10, 0.01, 5))).toEqual(Array.from(a.subarray(0, 10)));
    expect(gaussianNoise(10, 0.01, 6)[0]).not.toBe(a[0]);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const std = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
    expect(Math.abs(mean)).toBeLessThan(1e-4); // 4.5 standard errors
    expect(std).toBeGreaterThan(0.0099);
    expect(std).toBeLessThan(0.0101);
  });

  it('a level input keeps the kept pixels and imputes the removed ones from the seed', () => {
    const w = 6;
    const image = Float32Array.from({ length: 3 * w * w }, (_, i) => Math.sin(i));
    const map = Float32Array.from({ length: w * w }, (_, i) => (i * 7) % 11);
    const order = saliencyOrder(map);
    const a = roadInput(image, 3, w, w, order, 0.3, 'morf', 11);
    expect(Array.from(roadInput(image, 3, w, w, order, 0.3, 'morf', 11))).toEqual(Array.from(a));
    const removed = roadRemoved(order, 0.3, 'morf');
    const count = removed.reduce((s, v) => s + v, 0);
    const expected = imputeLinear(image, 3, w, w, removed, gaussianNoise(3 * count, 0.01, 11));
    expect(Array.from(a)).toEqual(Array.from(expected));
  });

  it('scores: MoRF and LeRF are the means over the levels, combined is (LeRF − MoRF)/2', () => {
    const morf = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]; // mean 0.5
    const lerf = [1, 1, 1, 1, 1, 0.9, 0.9, 0.9, 0.9]; // mean 0.96
    const s = roadScores({ morf, lerf });
    expect(s.road_morf).toBeCloseTo(0.5, 12);
    expect(s.road_lerf).toBeCloseTo(8.6 / 9, 12);
    expect(s.road_combined).toBeCloseTo((8.6 / 9 - 0.5) / 2, 12);
    const row = roadRow([{ morf, lerf }, { morf: Array(9).fill(0.2), lerf: Array(9).fill(0.4) }]);
    expect(row.road_morf).toBeCloseTo(0.35, 12);
    expect(row.road_lerf).toBeCloseTo((8.6 / 9 + 0.4) / 2, 12);
    expect(row.road_combined).toBeCloseTo(((8.6 / 9 + 0.4) / 2 - 0.35) / 2, 12);
    expect(roadRow([])).toEqual({ road_morf: null, road_lerf: null, road_combined: null });
  });
});
