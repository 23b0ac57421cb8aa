/**
 * The backward graph's probability seed under each output semantics, against PyTorch autograd fixtures and the
 * chain rule: for sigmoid, ∂σ(z_c)/∂A = σ(z_c)(1 − σ(z_c)) · ∂z_c/∂A with ∂z_c/∂A the fixture's `grad_logit`.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Classifier } from '../../../src/main/engine/model/classifier';

const DIR = join(__dirname, '..', '..', 'fixtures', 'gradients');

interface Fixture {
  input_shape: number[];
  num_classes: number;
  targets: number[];
  input: number[];
  logits: number[];
  grad_logit: number[];
}

describe('backward graph: the probability of a sigmoid (multi-label) model', () => {
  for (const name of ['resnet_block', 'se_block', 'middle_layer_resnet']) {
    it(`${name}: ∂σ(z_c)/∂layer = σ(1 − σ) · ∂z_c/∂layer`, async () => {
      const f = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Fixture;
      const dir = mkdtempSync(join(tmpdir(), 'camscope-sigmoid-grad-'));
      copyFileSync(join(DIR, `${name}.onnx`), join(dir, 'model.onnx'));
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ scores: 'sigmoid' }));
      const c = await Classifier.load(join(dir, 'model.onnx'), { layer: 'layer' });
      try {
        const n = f.input_shape[0];
        const run = await c.gradients(Float32Array.from(f.input), n, f.targets, 'prob');
        const per = run.gradients.length / n;
        let worst = 0;
        let scale = 0;
        for (let i = 0; i < n; i++) {
          const z = f.logits[i * f.num_classes + f.targets[i]];
          const s = 1 / (1 + Math.exp(-z));
          for (let j = 0; j < per; j++) {
            const want = s * (1 - s) * f.grad_logit[i * per + j];
            scale = Math.max(scale, Math.abs(want));
            worst = Math.max(worst, Math.abs(run.gradients[i * per + j] - want));
          }
        }
        expect(worst / scale).toBeLessThan(1e-4);
      } finally {
        await c.release();
      }
    });
  }
});
