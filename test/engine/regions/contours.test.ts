/**
 * Boundary tracing (contours.ts): hand-traced outlines of small masks, and for random masks the property that the
 * outlines rasterized again (frame.ts's pixel-centre rule, even-odd over outline and holes) give the mask back. The
 * same for a map's salient region mapped to original pixels through a resize and crop and back.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { traceContours } from '../../../src/main/engine/regions/contours';
import { salientRegions } from '../../../src/main/engine/regions/export';
import { frameTransform, regionsInFrame } from '../../../src/main/engine/regions/frame';
import type { Region } from '../../../src/main/engine/regions/types';
import type { ModelProfile } from '../../../src/main/engine/types';

const grid = (rows: string[]): { data: Uint8Array; width: number; height: number } => ({
  data: Uint8Array.from(rows.join('').split('').map(Number)),
  width: rows[0].length,
  height: rows.length,
});
const asRegions = (cs: ReturnType<typeof traceContours>): Region[] => cs.map((c) => ({ shape: { kind: 'polygon', points: c.outer, holes: c.holes }, className: null }));
const area2 = (ring: [number, number][]): number => ring.reduce((a, [x0, y0], i) => {
  const [x1, y1] = ring[(i + 1) % ring.length];
  return a + x0 * y1 - x1 * y0;
}, 0);
async function raster(regions: Region[], w: number, h: number): Promise<number[]> {
  return [...(await regionsInFrame(regions, w, h, { inputSize: [h, w], resize: 'stretch' })).mask];
}

describe('traceContours', () => {
  it('traces each 4-connected component along pixel edges, corners only, clockwise on the screen', () => {
    const m = grid(['1100', '1001', '0011']);
    expect(traceContours(m.data, m.width, m.height)).toEqual([
      { outer: [[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2]], holes: [] },
      { outer: [[3, 1], [4, 1], [4, 3], [2, 3], [2, 2], [3, 2]], holes: [] },
    ]);
  });

  it('keeps pixels that touch only at a corner apart, and traces holes the other way round', () => {
    const diagonal = grid(['10', '01']);
    expect(traceContours(diagonal.data, 2, 2)).toEqual([
      { outer: [[0, 0], [1, 0], [1, 1], [0, 1]], holes: [] },
      { outer: [[1, 1], [2, 1], [2, 2], [1, 2]], holes: [] },
    ]);
    const ring = grid(['111', '101', '111']);
    const [c] = traceContours(ring.data, 3, 3);
    expect(c.outer).toEqual([[0, 0], [3, 0], [3, 3], [0, 3]]);
    expect(c.holes).toHaveLength(1);
    expect(new Set(c.holes[0].map((p) => p.join(',')))).toEqual(new Set(['1,1', '2,1', '2,2', '1,2']));
    expect(area2(c.outer)).toBe(18); // 2 × 9
    expect(area2(c.holes[0])).toBe(-2);
  });

  it('two holes touching at a corner are one hole of one component (the background is 8-connected)', async () => {
    const m = grid(['1111', '1101', '1011', '1111']);
    const cs = traceContours(m.data, 4, 4);
    expect(cs).toHaveLength(1);
    expect(cs[0].holes).toHaveLength(1);
    expect(await raster(asRegions(cs), 4, 4)).toEqual([...m.data]);
  });

  it('random masks: the outlines rasterize back to the mask exactly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 9 }), fc.array(fc.boolean(), { minLength: 108, maxLength: 108 }), async (w, h, bits) => {
        const data = Uint8Array.from(bits.slice(0, w * h).map((b) => (b ? 1 : 0)));
        const cs = traceContours(data, w, h);
        expect(await raster(asRegions(cs), w, h)).toEqual([...data]);
        for (const c of cs) {
          expect(area2(c.outer)).toBeGreaterThan(0);
          for (const hole of c.holes) expect(area2(hole)).toBeLessThan(0);
        }
      }),
      { numRuns: 150, seed: 20261207 },
    );
  });
});

describe('salientRegions', () => {
  const profiles: [string, number, number, Pick<ModelProfile, 'inputSize' | 'resize'>][] = [
    ['shorter side to 8, centre crop, of 40×20', 40, 20, { inputSize: [8, 8], resize: 'shorter-side-crop' }],
    ['shorter side to 7 of 23×31 (odd crop offsets)', 23, 31, { inputSize: [7, 7], resize: 'shorter-side-crop' }],
    ['stretched 10×6 onto 5×9', 10, 6, { inputSize: [9, 5], resize: 'stretch' }],
  ];
  for (const [name, W, H, profile] of profiles) {
    it(`${name}: the outline in original pixels rasterizes back to the thresholded frame pixels`, async () => {
      const t = frameTransform(W, H, profile);
      await fc.assert(
        fc.asyncProperty(fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: t.width * t.height, maxLength: t.width * t.height }), async (values) => {
          const map = Float32Array.from(values);
          const regions = salientRegions(map, t, 0.5, 'deer', 'gradcam ≥ 0.5');
          for (const r of regions) expect(r).toMatchObject({ className: 'deer', name: 'gradcam ≥ 0.5' });
          const back = await regionsInFrame(regions, W, H, profile);
          expect([...back.mask]).toEqual([...map].map((v) => (v >= 0.5 ? 1 : 0)));
        }),
        { numRuns: 60, seed: 7 },
      );
    });
  }

  it('maps frame corners to original pixels through the crop (hand-computed)', () => {
    // 40×20 → 16×8 (scale 0.4), crop left 4: frame x = 2 is original (2 + 4)/0.4 = 15, frame y = 1 is 2.5.
    const t = frameTransform(40, 20, { inputSize: [8, 8], resize: 'shorter-side-crop' });
    const map = new Float32Array(64);
    map[1 * 8 + 2] = 0.9;
    expect(salientRegions(map, t, 0.5, null)).toEqual([{ shape: { kind: 'polygon', points: [[15, 2.5], [17.5, 2.5], [17.5, 5], [15, 5]] }, className: null }]);
  });
});
