/**
 * Previews on the shared ResNet-18: the channels are scored in another order and other batches, and the result must
 * still be today's map (max |Δ| ≤ 1e-5), on the fused and on the JavaScript path. Skips without ../shared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Classifier } from '../../../src/main/engine/model/classifier';
import { prepareImage } from '../../../src/main/engine/image/preprocess';
import type { PreviewFrame } from '../../../src/main/engine/methods/base';
import { createMethod } from '../../../src/main/engine/methods/registry';
import { CATSDOGS, hasShared, loadReference, RESNET18 } from '../../helpers/shared';

describe.runIf(hasShared)('ScoreCAM++ previews on ResNet-18', () => {
  let classifier: Classifier;
  beforeAll(async () => {
    classifier = await Classifier.load(RESNET18);
  });
  afterAll(() => classifier?.release());

  it('end exactly at the map computed without previews (fused and JS paths)', async () => {
    const img = await prepareImage(join(CATSDOGS, loadReference().files[3]), classifier.profile);
    const { logits, activations } = await classifier.forward(img.tensor, 1, true);
    const method = createMethod('scorecam++');
    const ctx = { classifier, image: img.tensor, activations: activations!, logits, batchSize: 64, target: { classIndex: 0, score: 'prob' as const } };
    const plain = await method.compute({ ...ctx, fused: true });
    for (const fused of [true, false]) {
      const frames: PreviewFrame[] = [];
      const r = await method.compute({ ...ctx, fused, onPreview: (f) => frames.push(f) });
      expect(r.forwardPasses).toBe(plain.forwardPasses);
      let worst = 0;
      for (let i = 0; i < r.map.length; i++) worst = Math.max(worst, Math.abs(r.map[i] - plain.map[i]));
      expect(worst).toBeLessThanOrEqual(1e-5);
      expect(frames[0].passes).toBe(0);
      expect(frames.at(-1)!.passes).toBe(plain.forwardPasses);
      expect(Array.from(frames.at(-1)!.map)).toEqual(Array.from(r.map));
      // The estimate gets closer: the frame halfway through is nearer the exact map than the score-free first frame.
      const diff = (f: PreviewFrame) => f.map.reduce((m, v, i) => Math.max(m, Math.abs(v - r.map[i])), 0);
      expect(diff(frames[Math.floor(frames.length / 2)])).toBeLessThan(diff(frames[0]));
    }
  }, 600_000);
});
