/**
 * When the fp16 scoring graph cannot be made or run, the classifier scores in fp32, says why, and gives exactly the
 * fp32 results (the conversion is made to fail here; on real GPUs that is a missing shader-f16 or kernel).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CamscopeError } from '../../../src/main/engine/errors';
import { Classifier } from '../../../src/main/engine/model/classifier';
import { demoImagesDir, demoModelPath } from '../../../src/main/engine/demo';
import { prepareImage } from '../../../src/main/engine/image/preprocess';
import { createMethod } from '../../../src/main/engine/methods/registry';

// Hoisted above the imports by Vitest, so the classifier sees the failing conversion.
vi.mock('../../../src/main/engine/onnx/float16', () => ({
  toFloat16: () => {
    throw new CamscopeError('UNSUPPORTED_MODEL', 'fp16 conversion does not handle control flow (If node "x").');
  },
}));

describe('fp16 fallback', () => {
  it('runs fp32, records the reason, and matches an fp32 classifier exactly', async () => {
    const c16 = await Classifier.load(demoModelPath(), { precision: 'fp16' });
    const c32 = await Classifier.load(demoModelPath());
    try {
      const file = join(demoImagesDir(), readdirSync(demoImagesDir()).filter((f) => f.endsWith('.png')).sort()[0]);
      const img = await prepareImage(file, c32.profile);
      const method = createMethod('scorecam++');
      const run = async (c: Classifier): Promise<Float32Array> => {
        const { logits, activations } = await c.forward(img.tensor, 1, true);
        return (await method.compute({ classifier: c, image: img.tensor, activations: activations!, logits, batchSize: 16, fused: true, target: { classIndex: 0, score: 'prob' } })).map;
      };
      expect(Array.from(await run(c16))).toEqual(Array.from(await run(c32)));
      expect(c16.requestedPrecision).toBe('fp16');
      expect(c16.precision).toBe('fp32');
      expect(c16.precisionFallbackReason).toMatch(/^fp16 could not run \(fp16 conversion does not handle control flow .*\); using fp32$/);
    } finally {
      await c16.release();
      await c32.release();
    }
  });
});
