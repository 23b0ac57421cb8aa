/** The fused ScoreCAM graphs give the same maps as the JavaScript path on the shared ResNet-18 (max |diff| ≤ 1e-5). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Classifier } from '../../src/main/engine/model/classifier';
import { prepareImage } from '../../src/main/engine/image/preprocess';
import { createMethod } from '../../src/main/engine/methods/registry';
import { CATSDOGS, hasShared, loadReference, RESNET18 } from '../helpers/shared';

describe.runIf(hasShared)('fused vs unfused ScoreCAM on ResNet-18', () => {
  let classifier: Classifier;
  beforeAll(async () => {
    classifier = await Classifier.load(RESNET18);
  });
  afterAll(() => classifier?.release());

  for (const id of ['scorecam++', 'scorecam', 'scorecam++_sigmoid_mask_logit_baseline']) {
    it(`${id}: identical maps within 1e-5`, async () => {
      const file = join(CATSDOGS, loadReference().files[3]);
      const img = await prepareImage(file, classifier.profile);
      const { logits, activations } = await classifier.forward(img.tensor, 1, true);
      const method = createMethod(id);
      const ctx = { classifier, image: img.tensor, activations: activations!, logits, batchSize: 64, target: { classIndex: 0, score: (method.settings.score as 'prob' | 'logit') ?? 'prob' } };
      const fused = await method.compute({ ...ctx, fused: true });
      const js = await method.compute({ ...ctx, fused: false });
      expect(fused.forwardPasses).toBe(js.forwardPasses);
      let worst = 0;
      for (let i = 0; i < js.map.length; i++) worst = Math.max(worst, Math.abs(fused.map[i] - js.map[i]));
      expect(worst).toBeLessThanOrEqual(1e-5);
    });
  }
});
