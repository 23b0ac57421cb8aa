/** Map distances on hand-derived tiny cases and against NumPy/SciPy (test/fixtures/compare/make-compare.py). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapDistances, maskIou, topMask } from '../../../src/main/engine/compare/distance';
import { commonGrid, commonPixels, toGrid } from '../../../src/main/engine/compare/grid';
import type { ResizeMode } from '../../../src/main/engine/types';

interface Side { inputSize: [number, number]; resize: ResizeMode; map: number[]; onGrid?: (number | null)[] }
interface Case {
  name: string;
  original: { width: number; height: number };
  a: Side;
  b: Side;
  grid: { width: number; height: number };
  expected: { pixels: number; map_max_abs_diff: number; map_pearson: number | null; map_top20_iou: number };
}
const CASES: Case[] = JSON.parse(readFileSync(join(__dirname, '../../fixtures/compare/cases.json'), 'utf8'));

describe('map distances, hand-derived', () => {
  it('identical maps: difference 0, Pearson 1, IoU 1', () => {
    const m = [0, 0.1, 0.9, 1, 0.4, 0.3, 0.7, 0.2, 0.55, 0.05];
    expect(mapDistances(m, m)).toEqual({ map_max_abs_diff: 0, map_pearson: 1, map_top20_iou: 1 });
  });

  it('a map against its negation (1 − m): difference max |2m − 1|, Pearson −1, disjoint tops', () => {
    const m = [0, 0.25, 0.5, 0.75, 1];
    // n = 5, k = 1: top(m) = {4}, top(1 − m) = {0}.
    expect(mapDistances(m, m.map((v) => 1 - v))).toEqual({ map_max_abs_diff: 1, map_pearson: -1, map_top20_iou: 0 });
  });

  it('top 20 %: k = ⌈0.2 n⌉ largest, ties with the k-th all in', () => {
    expect([...topMask([0.1, 0.9, 0.3, 0.8, 0.2, 0.7, 0.6, 0.5, 0.4, 0])]).toEqual([0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
    // n = 6 → k = 2: the 2nd largest is 0.5, shared by three pixels.
    expect([...topMask([0.5, 1, 0.5, 0, 0.5, 0.2])]).toEqual([1, 1, 1, 0, 1, 0]);
    expect([...topMask([0.3, 0.3, 0.3])]).toEqual([1, 1, 1]);
    expect(maskIou(Uint8Array.of(1, 1, 0, 0), Uint8Array.of(0, 1, 1, 0))).toBeCloseTo(1 / 3, 15);
  });

  it('a shifted map: a two-pixel bump moved by one pixel', () => {
    const a = [0, 1, 1, 0, 0, 0, 0, 0, 0, 0];
    const b = [0, 0, 1, 1, 0, 0, 0, 0, 0, 0];
    // Tops (k = 2): {1, 2} and {2, 3} → IoU 1/3. Both means are 0.2; with da = a − 0.2, db = b − 0.2: Σ da·db = (0.8·0.8) + (−0.2·0.8) + (0.8·−0.2) + 7·0.04 = 0.64 − 0.32 + 0.28 = 0.6;
    // Σ da² = Σ db² = 2·0.64 + 8·0.04 = 1.6 → r = 0.375.
    const d = mapDistances(a, b);
    expect(d.map_max_abs_diff).toBe(1);
    expect(d.map_pearson).toBeCloseTo(0.375, 14);
    expect(d.map_top20_iou).toBeCloseTo(1 / 3, 15);
  });

  it('a constant map has no Pearson r (null), and two equal constant maps are one top region', () => {
    const flat = new Array(10).fill(0);
    expect(mapDistances(flat, flat)).toEqual({ map_max_abs_diff: 0, map_pearson: null, map_top20_iou: 1 });
    expect(mapDistances(flat, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]).map_pearson).toBeNull();
  });
});

describe('the common grid, hand-derived', () => {
  it('a map already on the original grid comes back unchanged', () => {
    const m = Float32Array.from({ length: 16 }, (_, i) => i / 15);
    const g = toGrid(m, { width: 4, height: 4 }, { inputSize: [4, 4], resize: 'stretch' }, commonGrid(4, 4));
    expect([...g.values]).toEqual([...m]);
    expect([...g.covered]).toEqual(new Array(16).fill(1));
  });

  it('a 2×1 map stretched onto a 4×1 image: half-pixel bilinear with clamped edges', () => {
    // Grid column i samples the map at (i + 0.5)/2 − 0.5: −0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
    const g = toGrid(Float32Array.of(0, 1), { width: 4, height: 1 }, { inputSize: [1, 2], resize: 'stretch' }, { width: 4, height: 1 });
    expect([...g.values]).toEqual([0, 0.25, 0.75, 1]);
  });

  it('a centre crop leaves the cut columns out of the comparison', () => {
    // 6×4 image, 4×4 input: shorter side 4 → 6×4, crop one column each side.
    const map = Float32Array.from({ length: 16 }, (_, i) => i % 4);
    const g = toGrid(map, { width: 6, height: 4 }, { inputSize: [4, 4], resize: 'shorter-side-crop' }, commonGrid(6, 4));
    expect([...g.covered.subarray(0, 6)]).toEqual([0, 1, 1, 1, 1, 0]);
    expect([...g.values.subarray(0, 6)]).toEqual([0, 0, 1, 2, 3, 0]);
    const full = toGrid(new Float32Array(16).fill(0.5), { width: 6, height: 4 }, { inputSize: [4, 4], resize: 'stretch' }, commonGrid(6, 4));
    expect(commonPixels(g, full).pixels).toBe(16);
  });

  it('the grid is the image, shrunk to 512 px on its longer side', () => {
    expect(commonGrid(28, 28)).toEqual({ width: 28, height: 28 });
    expect(commonGrid(4000, 3000)).toEqual({ width: 512, height: 384 });
    expect(commonGrid(600, 1030)).toEqual({ width: 298, height: 512 });
  });
});

describe('against NumPy/SciPy (make-compare.py)', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const grid = commonGrid(c.original.width, c.original.height);
    expect(grid).toEqual(c.grid);
    const ga = toGrid(Float32Array.from(c.a.map), c.original, c.a, grid);
    const gb = toGrid(Float32Array.from(c.b.map), c.original, c.b, grid);
    for (const [side, g] of [[c.a, ga], [c.b, gb]] as const) {
      if (!side.onGrid) continue;
      side.onGrid.forEach((v, i) => {
        expect(g.covered[i]).toBe(v === null ? 0 : 1);
        if (v !== null) expect(Math.abs(g.values[i] - v)).toBeLessThan(1e-12);
      });
    }
    const both = commonPixels(ga, gb);
    expect(both.pixels).toBe(c.expected.pixels);
    const d = mapDistances(both.a, both.b);
    expect(Math.abs(d.map_max_abs_diff - c.expected.map_max_abs_diff)).toBeLessThan(1e-12);
    expect(Math.abs(d.map_pearson! - c.expected.map_pearson!)).toBeLessThan(1e-9);
    expect(Math.abs(d.map_top20_iou - c.expected.map_top20_iou)).toBeLessThan(1e-12);
  });
});
