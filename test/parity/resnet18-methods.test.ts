/**
 * Parity with the reference implementations on the shared trained ResNet-18: ScoreCAM++, ScoreCAM, GradCAM,
 * GradCAM++, XGradCAM and LayerCAM maps for the first 8 reference images within 5e-4, target scores within 1e-4 (the references are exact fp32).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Classifier } from '../../src/main/engine/model/classifier';
import { explainImages, type ImageExplanation } from '../../src/main/engine/explain';
import { readMapPng } from '../../src/main/engine/image/decode';
import { parseMethodList } from '../../src/main/engine/methods/registry';
import { CATSDOGS, hasShared, loadReference, referenceMapPath, RESNET18, sharedSkipReason, type Reference } from '../helpers/shared';

const N = 8;
const METHOD_DIRS: Record<string, string> = {
  'scorecam++': 'ScoreCAMpp', scorecam: 'ScoreCAM', gradcam: 'GradCAM', 'gradcam++': 'GradCAMpp', xgradcam: 'XGradCAM', layercam: 'LayerCAM',
};

describe.skipIf(!hasShared)('ResNet-18 reference parity: score and gradient methods', () => {
  let classifier: Classifier;
  let ref: Reference;
  const results: ImageExplanation[] = [];

  beforeAll(async () => {
    ref = loadReference();
    classifier = await Classifier.load(RESNET18);
    const files = ref.files.slice(0, N).map((f) => join(CATSDOGS, f));
    for await (const r of explainImages(classifier, files, { methods: parseMethodList(Object.keys(METHOD_DIRS).join(',')), batchSize: 64 })) results.push(r);
  });
  afterAll(() => classifier?.release());

  it('picks layer4 (the last Relu before GlobalAveragePool, [1,512,7,7]) by default', () => {
    expect(classifier.layer.opType).toBe('Relu');
    expect(classifier.layer.shape).toEqual([1, 512, 7, 7]);
    expect(classifier.layer.name).toBe('/layer4/layer4.1/relu_1/Relu_output_0');
  });

  it('predicts the reference class with target scores within 1e-4', () => {
    expect(results).toHaveLength(N);
    results.forEach((r, i) => {
      if (!r.ok) throw new Error(r.error.message);
      expect(r.target.classIndex).toBe(ref.per_image.pred[i]);
      expect(Math.abs(r.target.probability - ref.per_image.Y_prob[i])).toBeLessThan(1e-4);
      expect(Math.abs(r.target.logit - ref.per_image.Y_logit[i])).toBeLessThan(1e-4);
    });
  });

  for (const method of Object.keys(METHOD_DIRS)) {
    it(`${method} maps match the reference within 5e-4`, async () => {
      for (let i = 0; i < N; i++) {
        const r = results[i];
        if (!r.ok) throw new Error(r.error.message);
        const got = r.maps.find((m) => m.method === method)!.result;
        const want = await readMapPng(referenceMapPath(METHOD_DIRS[method], ref.files[i]));
        expect([got.width, got.height]).toEqual([want.width, want.height]);
        let worst = 0;
        for (let j = 0; j < want.map.length; j++) worst = Math.max(worst, Math.abs(got.map[j] - want.map[j]));
        expect(worst, `${method} on ${ref.files[i]}`).toBeLessThan(5e-4);
      }
    });
  }
});

describe.skipIf(hasShared)('ResNet-18 reference parity', () => {
  it.skip(sharedSkipReason, () => {});
});
