/**
 * The generated backward graph against PyTorch autograd (fixtures from scripts/make_gradient_fixtures.py):
 * ∂logit_c/∂layer and ∂softmax_c/∂layer for a batch of 2, relative error ≤ 1e-4.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Classifier } from '../../../src/main/engine/model/classifier';

const DIR = join(__dirname, '..', '..', 'fixtures', 'gradients');
const CASES = readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));

interface Fixture {
  ops: string[];
  input_shape: number[];
  layer_shape: number[];
  num_classes: number;
  targets: number[];
  input: number[];
  logits: number[];
  activations: number[];
  grad_logit: number[];
  grad_prob: number[];
  token_layout?: { class_token: boolean; grid: [number, number] };
  /** 'nhwc': the layer is channels-last [N, h, w, C] (Swin); absent: NCHW or tokens. */
  layer_layout?: 'nhwc';
}

/**
 * The fixture's tensor (PyTorch layout) in camscope's map layout [N, C, h·w]: tokens transposed (class token
 * dropped), channels-last [N, h, w, C] transposed, NCHW as is.
 */
function toMapLayout(f: Fixture, v: number[]): number[] {
  if (f.layer_layout === 'nhwc') {
    const [N, h, w, C] = f.layer_shape;
    const out: number[] = [];
    for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let p = 0; p < h * w; p++) out.push(v[(n * h * w + p) * C + c]);
    return out;
  }
  if (!f.token_layout) return v;
  const [N, T, C] = f.layer_shape;
  const skip = f.token_layout.class_token ? 1 : 0;
  const out: number[] = [];
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let t = skip; t < T; t++) out.push(v[(n * T + t) * C + c]);
  return out;
}

function relativeError(got: Float32Array, want: number[]): number {
  let maxRef = 0;
  let maxDiff = 0;
  want.forEach((w, i) => {
    maxRef = Math.max(maxRef, Math.abs(w));
    maxDiff = Math.max(maxDiff, Math.abs(got[i] - w));
  });
  return maxDiff / maxRef;
}

describe('backward graph vs PyTorch autograd', () => {
  expect(CASES.length).toBeGreaterThanOrEqual(16);
  for (const name of CASES) {
    it(`${name}: gradients of the logit and of the probability`, async () => {
      const f = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Fixture;
      const c = await Classifier.load(join(DIR, `${name}.onnx`), { layer: 'layer' });
      try {
        // The layout is read from the graph (Swin: a LayerNormalization over the last axis of a 4-D tensor).
        expect(c.layer.layout, `${name}: layer layout`).toBe(f.layer_layout ?? (f.token_layout ? 'tokens' : 'nchw'));
        const x = Float32Array.from(f.input);
        const n = f.input_shape[0];
        for (const score of ['logit', 'prob'] as const) {
          const run = await c.gradients(x, n, f.targets, score);
          expect(run.classes).toEqual(f.targets);
          expect(relativeError(run.logits, f.logits)).toBeLessThan(1e-4);
          const actErr = relativeError(run.activations, toMapLayout(f, f.activations));
          expect(actErr, `${name}: activations in map layout [N, C, h·w]${f.layer_layout ? ` (layer layout ${f.layer_layout})` : ''}`).toBeLessThan(1e-4);
          const err = relativeError(run.gradients, toMapLayout(f, score === 'logit' ? f.grad_logit : f.grad_prob));
          expect(err, `${name} ${score} relative error`).toBeLessThan(1e-4);
        }
        // −1 explains the predicted class, chosen inside the graph.
        const predicted = await c.gradients(x, n, [-1, -1], 'logit');
        const argmax = (row: number) => f.logits.slice(row * f.num_classes, (row + 1) * f.num_classes).reduce((best, v, i, a) => (v > a[best] ? i : best), 0);
        expect(predicted.classes).toEqual([argmax(0), argmax(1)]);
      } finally {
        await c.release();
      }
    });
  }
});
