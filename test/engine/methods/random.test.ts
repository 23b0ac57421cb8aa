/** The random reference method: a seeded uniform map at the layer's resolution, finished like the gradient CAMs. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Classifier, explainImages, parseMethodList } from '../../../src/main/engine';
import { demoImagesDir, demoModelPath } from '../../../src/main/engine/demo';
import { finishGradientMap } from '../../../src/main/engine/methods/gradient-based';
import { randomMapSeed } from '../../../src/main/engine/methods/random';
import { METHOD_IDS } from '../../../src/main/engine/methods/registry';
import { mulberry32 } from '../../../src/main/engine/tensor/random';

describe('random method', () => {
  it('is listed, reproducible per image, differs between images, and equals the seeded draw finished like Grad-CAM', async () => {
    expect(METHOD_IDS).toContain('random');
    const files = readdirSync(demoImagesDir()).filter((f) => f.endsWith('.png')).slice(0, 2).map((f) => join(demoImagesDir(), f));
    const c = await Classifier.load(demoModelPath());
    try {
      const run = async () => {
        const out = [];
        for await (const r of explainImages(c, files, { methods: parseMethodList('random') })) {
          if (!r.ok) throw new Error(r.error.message);
          out.push(r);
        }
        return out;
      };
      const [a, b] = [await run(), await run()];
      expect([...a[0].maps[0].result.map]).toEqual([...b[0].maps[0].result.map]);
      expect([...a[0].maps[0].result.map]).not.toEqual([...a[1].maps[0].result.map]);
      const [, , h, w] = c.layer.shape;
      const [H, W] = c.profile.inputSize;
      for (const r of a) {
        const next = mulberry32(randomMapSeed(r.image.tensor, r.target.classIndex, 0));
        const expected = finishGradientMap(Float64Array.from({ length: h * w }, () => next()), h, w, H, W).map;
        expect([...r.maps[0].result.map]).toEqual([...expected]);
        expect(Math.max(...r.maps[0].result.map)).toBeCloseTo(1, 6);
        expect(Math.min(...r.maps[0].result.map)).toBe(0);
        expect(r.maps[0].settings).toEqual({ seed: 0 });
      }
      // Another class or seed gives another map.
      expect(randomMapSeed(a[0].image.tensor, 1, 0)).not.toBe(randomMapSeed(a[0].image.tensor, 2, 0));
      expect(randomMapSeed(a[0].image.tensor, 1, 0)).not.toBe(randomMapSeed(a[0].image.tensor, 1, 1));
    } finally {
      await c.release();
    }
  });
});
