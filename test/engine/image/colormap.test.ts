import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  COLORMAPS,
  colormapIndex,
  colormapLut,
  overlayHeatmap,
  type ColormapName,
} from '../../../src/main/engine/image/colormap';

/*
 * Reference values were taken from matplotlib 3.11.2 (`np.rint(cmap(i/255)[:3] * 255)`) and
 * OpenCV 5.0.0 (`cv2.applyColorMap(np.arange(256, dtype=np.uint8)[:, None], map)[:, 0, ::-1]`);
 * the two agree exactly on viridis, inferno and turbo. The SHA-256 is over the 768 RGB bytes.
 */
const REFERENCE: Record<ColormapName, { sha256: string; spots: Record<number, [number, number, number]> }> = {
  jet: {
    sha256: '661fa696672fecb0ffa3e76bff80e0119d8308227c361c0043f705d8c867faad',
    spots: { 0: [0, 0, 128], 1: [0, 0, 132], 64: [0, 128, 255], 127: [126, 255, 130], 128: [130, 255, 126], 159: [254, 255, 1], 191: [255, 128, 0], 254: [132, 0, 0], 255: [128, 0, 0] },
  },
  viridis: {
    sha256: '18545f7c72a02f02a54f2e3f6ff9dcf357e0190ab9117a1f8fae44c6eaf179e0',
    spots: { 0: [68, 1, 84], 1: [68, 2, 86], 64: [59, 82, 139], 127: [33, 144, 141], 128: [33, 145, 140], 191: [92, 200, 99], 254: [251, 231, 35], 255: [253, 231, 37] },
  },
  inferno: {
    sha256: 'e24e8bd38b972989f64c42856b2b274df5ada3a62bc01bf8e83500a2ea938ad4',
    spots: { 0: [0, 0, 4], 1: [1, 0, 5], 64: [87, 16, 110], 127: [186, 54, 85], 128: [188, 55, 84], 191: [249, 140, 10], 254: [250, 253, 161], 255: [252, 255, 164] },
  },
  turbo: {
    sha256: 'c4ae9ddb8a7f13561562fe15fd276fb55ab04e194786c39edfb2ef2cc0929b2b',
    spots: { 0: [48, 18, 59], 1: [50, 21, 67], 64: [40, 188, 235], 127: [161, 253, 61], 128: [164, 252, 60], 191: [251, 129, 34], 254: [126, 5, 2], 255: [122, 4, 3] },
  },
};

function rgbAt(lut: Uint8Array, i: number): [number, number, number] {
  return [lut[3 * i], lut[3 * i + 1], lut[3 * i + 2]];
}

function expectClose(actual: number[], expected: number[], tol: number): void {
  for (let c = 0; c < 3; c++) expect(Math.abs(actual[c] - expected[c]), `channel ${c}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tol);
}

describe('colormapLut', () => {
  it('lists the four maps', () => {
    expect([...COLORMAPS].sort()).toEqual(['inferno', 'jet', 'turbo', 'viridis']);
  });

  for (const name of COLORMAPS) {
    it(`${name}: 768-byte table identical to the matplotlib/OpenCV reference`, () => {
      const lut = colormapLut(name);
      expect(lut).toBeInstanceOf(Uint8Array);
      expect(lut.length).toBe(768);
      for (const [i, rgb] of Object.entries(REFERENCE[name].spots)) expect(rgbAt(lut, Number(i)), `${name}[${i}]`).toEqual(rgb);
      expect(createHash('sha256').update(lut).digest('hex')).toBe(REFERENCE[name].sha256);
    });

    it(`${name}: is cached`, () => {
      expect(colormapLut(name)).toBe(colormapLut(name));
    });
  }

  it('matches the commonly quoted endpoint colours within 3/255', () => {
    expectClose(rgbAt(colormapLut('viridis'), 0), [68, 1, 84], 3);
    expectClose(rgbAt(colormapLut('viridis'), 255), [253, 231, 37], 3);
    expectClose(rgbAt(colormapLut('inferno'), 0), [0, 0, 4], 3);
    expectClose(rgbAt(colormapLut('inferno'), 255), [252, 255, 164], 3);
    expectClose(rgbAt(colormapLut('turbo'), 0), [48, 18, 59], 3);
    expectClose(rgbAt(colormapLut('turbo'), 255), [122, 4, 3], 3);
    expectClose(rgbAt(colormapLut('jet'), 0), [0, 0, 128], 1);
    expectClose(rgbAt(colormapLut('jet'), 255), [128, 0, 0], 1);
  });

  it('jet follows the piecewise-linear MATLAB/OpenCV definition everywhere (within rounding)', () => {
    const lut = colormapLut('jet');
    const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));
    for (let i = 0; i < 256; i++) {
      const x = i / 255;
      const ideal = [3, 2, 1].map((k) => 255 * clamp01(1.5 - Math.abs(4 * x - k)));
      // every ramp value is an exact half, so rounded entries sit within 0.5 of the ideal
      for (let c = 0; c < 3; c++) expect(Math.abs(lut[3 * i + c] - ideal[c])).toBeLessThanOrEqual(0.5 + 1e-9);
    }
  });

  it('viridis and inferno get brighter along the map (sampled every 15 entries)', () => {
    // 8-bit rounding makes neighbouring entries wobble, so compare entries 15 apart.
    for (const name of ['viridis', 'inferno'] as const) {
      const lut = colormapLut(name);
      let prev = -1;
      for (let i = 0; i < 256; i += 15) {
        const [r, g, b] = rgbAt(lut, i);
        const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        expect(y, `${name}[${i}]`).toBeGreaterThan(prev);
        prev = y;
      }
    }
  });
});

describe('colormapIndex', () => {
  it('clamps, treats NaN as 0 and rounds v*255', () => {
    expect(colormapIndex(Number.NaN)).toBe(0);
    expect(colormapIndex(-3)).toBe(0);
    expect(colormapIndex(0)).toBe(0);
    expect(colormapIndex(0.5)).toBe(128); // 127.5 rounds up
    expect(colormapIndex(1 / 255)).toBe(1);
    expect(colormapIndex(1)).toBe(255);
    expect(colormapIndex(7)).toBe(255);
    expect(colormapIndex(Number.POSITIVE_INFINITY)).toBe(255);
  });
});

describe('overlayHeatmap', () => {
  it('blends a hand-computed 2x1 RGB image with jet at alpha 0.5', () => {
    // pixel 0: map 0 -> jet (0,0,128); pixel 1: map 1 -> jet (128,0,0)
    const img = new Uint8Array([100, 51, 200, 10, 20, 30]);
    const out = overlayHeatmap(img, new Float32Array([0, 1]), 2, 1, 'jet', 0.5);
    // (100+0)/2=50, (51+0)/2=25.5->26, (200+128)/2=164 | (10+128)/2=69, 20/2=10, 30/2=15
    expect(Array.from(out)).toEqual([50, 26, 164, 69, 10, 15]);
  });

  it('uses 0.5 as the default alpha', () => {
    const img = new Uint8Array([100, 51, 200, 10, 20, 30]);
    expect(Array.from(overlayHeatmap(img, new Float32Array([0, 1]), 2, 1, 'jet'))).toEqual([50, 26, 164, 69, 10, 15]);
  });

  it('blends a hand-computed 2x1 image with viridis at alpha 0.25, clamping and NaN handling', () => {
    // pixel 0: map 0.5 -> index 128 -> viridis (33,145,140); pixel 1: NaN -> index 0 -> (68,1,84)
    const img = new Uint8Array([200, 100, 0, 0, 0, 0]);
    const out = overlayHeatmap(img, new Float32Array([0.5, Number.NaN]), 2, 1, 'viridis', 0.25);
    // 150+8.25=158.25->158, 75+36.25=111.25->111, 0+35=35 | 17, 0.25->0, 21
    expect(Array.from(out)).toEqual([158, 111, 35, 17, 0, 21]);
    // out-of-range values clamp to the ends of the map
    const clamped = overlayHeatmap(new Uint8Array(6), new Float32Array([-2, 5]), 2, 1, 'viridis', 1);
    expect(Array.from(clamped)).toEqual([68, 1, 84, 253, 231, 37]);
  });

  it('accepts a greyscale image and replicates it to RGB', () => {
    const grey = new Uint8Array([100, 11]);
    const out = overlayHeatmap(grey, new Float32Array([0, 1]), 2, 1, 'turbo', 0.5);
    // turbo(0)=(48,18,59), turbo(1)=(122,4,3): (100+48)/2=74, (100+18)/2=59, (100+59)/2=79.5->80 | 66.5->67, 7.5->8, 7
    expect(Array.from(out)).toEqual([74, 59, 80, 67, 8, 7]);
  });

  it('alpha 0 returns the image and alpha 1 the pure colour map', () => {
    const img = new Uint8Array([1, 2, 3, 250, 251, 252]);
    const map = new Float32Array([0.25, 0.75]);
    expect(Array.from(overlayHeatmap(img, map, 2, 1, 'inferno', 0))).toEqual(Array.from(img));
    const lut = colormapLut('inferno');
    expect(Array.from(overlayHeatmap(img, map, 2, 1, 'inferno', 1))).toEqual([...rgbAt(lut, 64), ...rgbAt(lut, 191)]);
  });

  it('does not modify its inputs and returns w*h*3 bytes', () => {
    const img = new Uint8Array([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2]);
    const map = new Float32Array([0, 0.3, 0.6, 1]);
    const out = overlayHeatmap(img, map, 2, 2, 'jet', 0.4);
    expect(out.length).toBe(12);
    expect(Array.from(img)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2]);
    expect(Array.from(map)).toEqual(Array.from(new Float32Array([0, 0.3, 0.6, 1])));
  });

  it('rejects mismatched sizes and bad alpha', () => {
    const img = new Uint8Array(6);
    expect(() => overlayHeatmap(img, new Float32Array(3), 2, 1, 'jet')).toThrow(RangeError);
    expect(() => overlayHeatmap(new Uint8Array(4), new Float32Array(2), 2, 1, 'jet')).toThrow(RangeError);
    expect(() => overlayHeatmap(img, new Float32Array(2), 2, 1, 'jet', 1.5)).toThrow(RangeError);
    expect(() => overlayHeatmap(img, new Float32Array(2), 2, 1, 'jet', Number.NaN)).toThrow(RangeError);
    expect(() => overlayHeatmap(img, new Float32Array(2), 0, 1, 'jet')).toThrow(RangeError);
  });
});
