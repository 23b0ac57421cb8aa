/** Localization metrics and the region → input-frame mapping against hand-computed cases. */
import { describe, expect, it } from 'vitest';
import { prepareDecoded } from '../../../src/main/engine/image/preprocess';
import { energyInRegion, localizationRow, pointingHit, rankAccuracy, thresholdIou, argmaxFirst } from '../../../src/main/engine/metrics/localization';
import { frameTransform, regionsInFrame, type FrameRegions } from '../../../src/main/engine/regions/frame';
import type { Region } from '../../../src/main/engine/regions/types';
import type { ModelProfile } from '../../../src/main/engine/types';

const profile = (h: number, w: number, resize: ModelProfile['resize'] = 'shorter-side-crop'): ModelProfile => ({
  classes: ['a', 'b'], inputSize: [h, w], channels: 3, resize, mean: [0, 0, 0], std: [1, 1, 1], layer: 'auto', scale: 1,
  layout: 'nchw', inputType: 'float32', scores: 'softmax', threshold: 0.5,
});

const box = (x0: number, y0: number, x1: number, y1: number, className: string | null = null): Region => ({ shape: { kind: 'box', x0, y0, x1, y1 }, className });

/** A frame from a 0/1 string grid ('.' = 0, '#' = 1). */
function frame(rows: string[], points: [number, number][] = []): FrameRegions {
  const H = rows.length;
  const W = rows[0].length;
  const mask = new Uint8Array(W * H);
  rows.forEach((r, j) => [...r].forEach((c, i) => (mask[j * W + i] = c === '#' ? 1 : 0)));
  return { width: W, height: H, mask, area: mask.reduce((a, b) => a + b, 0), points };
}

const on = (m: FrameRegions): number[] => [...m.mask.keys()].filter((i) => m.mask[i]);

describe('regions in the input frame', () => {
  it('maps a box through a centre crop with Python rounding (7x2 → 2x2 crops from x = 2, not 3)', async () => {
    const t = frameTransform(7, 2, profile(2, 2));
    expect(t).toEqual({ width: 2, height: 2, sx: 1, sy: 1, left: 2, top: 0 }); // round(2.5) = 2 in Python
    // Original column 2 (x ∈ [2, 3)) is frame column 0: centres 0.5 + 2 = 2.5.
    const m = await regionsInFrame([box(2, 0, 3, 2)], 7, 2, profile(2, 2));
    expect(on(m)).toEqual([0, 2]);
    // The preprocessing itself agrees: a white column 2 becomes frame column 0.
    const data = new Uint8Array(7 * 2 * 3);
    for (let y = 0; y < 2; y++) for (let c = 0; c < 3; c++) data[(y * 7 + 2) * 3 + c] = 255;
    const p = prepareDecoded({ data, width: 7, height: 2, channels: 3 }, profile(2, 2));
    expect([p.pixels[0], p.pixels[3], p.pixels[6], p.pixels[9]]).toEqual([255, 0, 255, 0]);
  });

  it('keeps only the part of a box the centre crop leaves (8x4 → 4x4)', async () => {
    // Crop left = (8 − 4) / 2 = 2; frame centres in original x: 2.5, 3.5, 4.5, 5.5. Box x ∈ [0, 3), y ∈ [1, 3).
    const m = await regionsInFrame([box(0, 1, 3, 3)], 8, 4, profile(4, 4));
    expect(on(m)).toEqual([4, 8]);
    expect(m.area).toBe(2);
    // Entirely cropped away: no pixel.
    expect((await regionsInFrame([box(0, 0, 2, 4)], 8, 4, profile(4, 4))).area).toBe(0);
  });

  it('scales boxes with the shorter-side resize (6x3 → 2x2) and with stretch', async () => {
    // rw = floor(2·6/3) = 4, sx = 2/3, left = 1: frame centres map to x = (i + 1.5)·1.5 = 2.25, 3.75; y = (j + 0.5)·1.5 = 0.75, 2.25.
    const m = await regionsInFrame([box(3, 0, 6, 1)], 6, 3, profile(2, 2));
    expect(on(m)).toEqual([1]);
    // Stretch 6x3 → 2x2: x centres 1.5, 4.5; y centres 0.75, 2.25.
    const s = await regionsInFrame([box(0, 2, 2, 3)], 6, 3, profile(2, 2, 'stretch'));
    expect(on(s)).toEqual([2]);
  });

  it('fills polygons by pixel centre, resizes masks nearest-neighbour and maps points', async () => {
    // Right triangle (0,0) (4.2,0) (0,4.2) on a 4x4 frame: centres (i + 0.5, j + 0.5) with x + y < 4.2, i.e. i + j ≤ 3.
    const tri = await regionsInFrame([{ shape: { kind: 'polygon', points: [[0, 0], [4.2, 0], [0, 4.2]] }, className: null }], 4, 4, profile(4, 4));
    expect(on(tri)).toEqual([0, 1, 2, 3, 4, 5, 6, 8, 9, 12]);
    // A 2x2 mask on an 8x8 image shown 4x4: each mask pixel covers 2x2 frame pixels.
    const mask = await regionsInFrame([{ shape: { kind: 'mask', width: 2, height: 2, data: Uint8Array.of(0, 1, 0, 0) }, className: null }], 8, 8, profile(4, 4));
    expect(on(mask)).toEqual([2, 3, 6, 7]);
    // Points: (5, 1) on 8x4 → frame (3, 1); (0, 0) is cropped away.
    const pts = await regionsInFrame([{ shape: { kind: 'point', x: 5, y: 1 }, className: null }, { shape: { kind: 'point', x: 0, y: 0 }, className: null }], 8, 4, profile(4, 4));
    expect(pts.points).toEqual([[3, 1]]);
    expect(pts.area).toBe(0);
    // YOLO-style relative boxes scale with the original size: [0.5, 1) of 8 wide = x ∈ [4, 8) → frame columns 2, 3.
    const rel = await regionsInFrame([{ shape: { kind: 'box', x0: 0.5, y0: 0, x1: 1, y1: 0.25 }, className: null, relative: true }], 8, 4, profile(4, 4));
    expect(on(rel)).toEqual([2, 3]);
  });
});

describe('localization metrics', () => {
  const R = frame(['....', '.##.', '.##.', '....']);

  it('pointing game: first maximum in row-major order, within the tolerance of a region pixel', () => {
    const map = new Float32Array(16);
    map[0] = 1;
    map[15] = 1; // tie: index 0 wins
    expect(argmaxFirst(map)).toBe(0);
    // (0,0) to (1,1) is √2 ≈ 1.414.
    expect(pointingHit(map, R, 1)).toBe(false);
    expect(pointingHit(map, R, 1.5)).toBe(true);
    expect(pointingHit(map, R, 0)).toBe(false);
    map[5] = 2;
    expect(pointingHit(map, R, 0)).toBe(true);
    // Points only: hit when the maximum's centre (0.5, 0.5) is within the tolerance of the point (3.5, 0.5): distance 3.
    const P = frame(['....', '....', '....', '....'], [[3.5, 0.5]]);
    const m2 = new Float32Array(16);
    m2[0] = 1;
    expect(pointingHit(m2, P, 2.9)).toBe(false);
    expect(pointingHit(m2, P, 3)).toBe(true);
    expect(energyInRegion(m2, P)).toBeNull();
    expect(rankAccuracy(m2, P)).toBeNull();
    expect(thresholdIou(m2, P)).toBeNull();
    expect(pointingHit(m2, frame(['....']), 15)).toBeNull();
  });

  it('energy in region: Σ_R L / Σ L; flat maps have none', () => {
    const map = Float32Array.from({ length: 16 }, (_, i) => i);
    // Region pixels 5, 6, 9, 10: (5 + 6 + 9 + 10) / (0 + … + 15) = 30 / 120.
    expect(energyInRegion(map, R)).toBe(0.25);

    expect(energyInRegion(new Float32Array(16), R)).toBeNull();
  });

  it('rank accuracy: top K pixels by value, ties by pixel index', () => {
    // K = 4. Values: pixels 5 and 0 are 1, 6 is 0.9, the rest 0.5. Top 4: 0, 5, 6, then the 0.5 tie → lowest index, 1.
    const map = new Float32Array(16).fill(0.5);
    map[5] = 1;
    map[0] = 1;
    map[6] = 0.9;
    expect(rankAccuracy(map, R)).toBe(2 / 4);
    map[10] = 0.95; // top 4 now 0, 5, 10, 6 → 3 in the region
    expect(rankAccuracy(map, R)).toBe(3 / 4);
    // A flat map: top K are pixels 0..3, none in the region.
    expect(rankAccuracy(new Float32Array(16), R)).toBe(0);
  });

  it('IoU of {L ≥ t} with the region', () => {
    const map = new Float32Array(16);
    map[5] = 0.5; // ≥ 0.5 counts
    map[6] = 0.8;
    map[7] = 0.7;
    map[9] = 0.49;
    // S = {5, 6, 7}, R = {5, 6, 9, 10}: ∩ = 2, ∪ = 5.
    expect(thresholdIou(map, R, 0.5)).toBe(2 / 5);
    expect(thresholdIou(map, R, 0.9)).toBe(0);
    expect(thresholdIou(map, R, 0.4)).toBe(3 / 5); // S = {5, 6, 7, 9}
  });

  it('summarises a method: pointing % over images with regions or points, means over images with region pixels', () => {
    const row = localizationRow([
      { v: { pointing_hit: true, energy_in_region: 0.5, rank_accuracy: 0.25, iou: 0.1 }, flat: false },
      { v: { pointing_hit: false, energy_in_region: null, rank_accuracy: 0, iou: 0 }, flat: true },
      { v: { pointing_hit: true, energy_in_region: null, rank_accuracy: null, iou: null }, flat: false }, // points only
      { v: undefined, flat: false }, // no regions
    ]);
    expect(row).toEqual({
      pointing_game_pct: (100 * 2) / 3,
      energy_pointing_game: 0.5,
      rank_accuracy: 0.125,
      iou: 0.05,
      images_with_regions: 3,
      images_with_region_pixels: 2,
      energy_excluded_flat: 1,
    });
  });
});
