/**
 * Contrastive explanations ("why A, not B"): every method on a small CNN against PyTorch autograd and explicit
 * float64 masked passes (test/fixtures/contrast/make-contrast.py), within 1e-5; then the relations a contrast must
 * keep whatever the model: the gradient of y_A − y_B is ∇y_A − ∇y_B (so Grad-CAM's weights subtract before the
 * ReLU), B vs A is its negation, and a masked pass's contrast score is the difference of its two scores.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainImages, type ImageExplanation } from '../../../src/main/engine/explain';
import { Classifier } from '../../../src/main/engine/model/classifier';
import { augGradCamPlusPlus } from '../../../src/main/engine/methods/aug-gradcam-pp';
import type { CamContext, PreviewFrame } from '../../../src/main/engine/methods/base';
import { createMethod, parseMethodList } from '../../../src/main/engine/methods/registry';

const DIR = join(__dirname, '..', '..', 'fixtures', 'contrast');
const MODEL = join(DIR, 'contrast.onnx');
const IMAGE = join(DIR, 'contrast.png');

interface Pair {
  classIndex: number;
  versus: number;
  grad_logit: number[];
  grad_prob: number[];
  maps: Record<string, number[]>;
  scores: Record<string, number[]>;
  flat: string[];
}
interface Reference {
  input_size: [number, number];
  layer_shape: number[];
  dead_channel: number;
  kept_scorecam: number[];
  input: number[];
  logits: number[];
  probabilities: number[];
  activations: number[];
  pairs: Pair[];
}
const ref = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as Reference;
const GRADIENT_METHODS = ['gradcam', 'gradcam++', 'xgradcam', 'layercam', 'hirescam'];
const SCORE_METHODS = ['scorecam', 'scorecam++', 'scorecam++_tanh_logit_baseline'];

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}
/** max |a − b| / max |b|: gradients are small, so they are compared relative to their size. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  return maxAbsDiff(a, b) / scale;
}

async function explainAll(classifier: Classifier, methods: string, classChoice: Parameters<typeof explainImages>[2]['classChoice']) {
  const out: ImageExplanation[] = [];
  for await (const r of explainImages(classifier, [IMAGE], { methods: parseMethodList(methods), classChoice })) out.push(r);
  expect(out).toHaveLength(1);
  const r = out[0];
  if (!r.ok) throw new Error(r.error.message);
  return r;
}

let classifier: Classifier;
beforeAll(async () => {
  classifier = await Classifier.load(MODEL);
});
afterAll(() => classifier.release());

describe('contrastive maps against PyTorch autograd and float64 masked passes', () => {
  const x = Float32Array.from(ref.input);

  it('the fixture model and image reproduce the reference input, logits and activations', async () => {
    expect(classifier.layer.name).toBe('layer');
    expect(classifier.layer.shape).toEqual(ref.layer_shape);
    const r = await explainAll(classifier, 'gradcam', ref.pairs[0].classIndex);
    // The PNG through camscope's preprocessing is the reference input exactly (float32 at every step).
    expect(maxAbsDiff(r.image.tensor, x)).toBe(0);
    expect(maxAbsDiff(r.logits, ref.logits)).toBeLessThan(1e-5);
  });

  for (const [p, pair] of ref.pairs.entries()) {
    const { classIndex: A, versus: B } = pair;
    describe(`pair ${p}: class ${A} versus ${B}`, () => {
      it('the backward graph seeded +1 at A and −1 at B gives ∂(y_A − y_B)/∂layer, for the logit and the probability', async () => {
        const logit = await classifier.gradients(x, 1, [A], 'logit', [B]);
        expect(logit.classes).toEqual([A]);
        expect(maxAbsDiff(logit.activations, ref.activations)).toBeLessThan(1e-5);
        expect(relativeError(logit.gradients, pair.grad_logit)).toBeLessThan(1e-5);
        const prob = await classifier.gradients(x, 1, [A], 'prob', [B]);
        expect(relativeError(prob.gradients, pair.grad_prob)).toBeLessThan(1e-5);
      });

      it('every method through explainImages matches the reference map; the output records both classes', async () => {
        const all = [...GRADIENT_METHODS, ...SCORE_METHODS, 'random'].join(',');
        const r = await explainAll(classifier, all, { classIndex: A, versus: B });
        const classes = classifier.profile.classes;
        expect(r.target.classIndex).toBe(A);
        expect(r.target.className).toBe(classes[A]);
        expect(r.target.probability).toBeCloseTo(ref.probabilities[A], 6);
        expect(r.target.logit).toBeCloseTo(ref.logits[A], 5);
        expect(r.target.versus).toEqual({ classIndex: B, className: classes[B], probability: expect.any(Number), logit: expect.any(Number) });
        expect(r.target.versus!.probability).toBeCloseTo(ref.probabilities[B], 6);
        expect(r.target.versus!.logit).toBeCloseTo(ref.logits[B], 5);
        for (const id of [...GRADIENT_METHODS, ...SCORE_METHODS]) {
          const m = r.maps.find((o) => o.method === createMethod(id).id)!;
          expect(maxAbsDiff(m.result.map, pair.maps[id]), `${id}: map`).toBeLessThan(1e-5);
          expect(m.result.flat, `${id}: flat`).toBe(pair.flat.includes(id));
        }
        // The random reference is the same map with or without a contrast.
        const plain = await explainAll(classifier, 'random', A);
        expect(r.maps.find((o) => o.method === 'random')!.result.map).toEqual(plain.maps[0].result.map);
        expect(plain.target.versus).toBeUndefined();
      });

      const contrastContext = async (): Promise<CamContext> => {
        const g = await classifier.gradients(x, 1, [A], 'logit', [B]);
        return {
          classifier, image: x, activations: g.activations, logits: g.logits, gradients: g.gradients, batchSize: 3,
          target: { classIndex: A, score: 'prob', versus: B },
        };
      };

      it('score methods in JavaScript (the unfused path) match too, and their masked passes score s_A − s_B', async () => {
        const ctx = await contrastContext();
        for (const id of SCORE_METHODS) {
          const method = createMethod(id);
          const score = method.settings.score as 'prob' | 'logit';
          const result = await method.compute({ ...ctx, fused: false, target: { ...ctx.target, score } });
          expect(maxAbsDiff(result.map, pair.maps[id]), `${id}: map`).toBeLessThan(1e-5);
        }
        // Score-CAM's masked passes in the fused graph: one contrast score per kept channel.
        const hw = ref.layer_shape[2] * ref.layer_shape[3];
        const acts = new Float32Array(ref.kept_scorecam.length * hw);
        ref.kept_scorecam.forEach((k, i) => acts.set(ctx.activations.subarray(k * hw, (k + 1) * hw), i * hw));
        const scores = await classifier.fusedScores(x, acts, ref.kept_scorecam.length, A, 'minmax', 'prob', B);
        expect(maxAbsDiff(scores, pair.scores.scorecam)).toBeLessThan(1e-6);
      });

      it('Augmented Grad-CAM++ differentiates the contrast in its own gradient runs (one augmentation: the identity)', async () => {
        const ctx = await contrastContext();
        const result = await augGradCamPlusPlus({ augmentations: 1 }).compute({ ...ctx, gradients: null, target: { ...ctx.target, score: 'logit' } });
        expect(maxAbsDiff(result.map, pair.maps['auggradcam++'])).toBeLessThan(1e-5);
      });

      it('previews of a contrast end on the exact map (contrast scores are not regressed as log-odds)', async () => {
        const ctx = await contrastContext();
        const frames: PreviewFrame[] = [];
        const result = await createMethod('scorecam++').compute({ ...ctx, batchSize: 2, previewEvery: 2, onPreview: (f) => frames.push(f) });
        expect(frames.length).toBeGreaterThan(2);
        for (const f of frames) expect(f.map.every(Number.isFinite)).toBe(true);
        expect(frames.at(-1)!.map).toEqual(result.map);
        expect(maxAbsDiff(result.map, pair.maps['scorecam++'])).toBeLessThan(1e-5);
      });
    });
  }
});

describe('relations every contrast keeps', () => {
  const x = Float32Array.from(ref.input);
  const [C, h, w] = ref.layer_shape.slice(1);
  const hw = h * w;
  const [A, B] = [ref.pairs[2].classIndex, ref.pairs[2].versus];
  const gradCamWeights = (G: Float32Array): number[] =>
    Array.from({ length: C }, (_, k) => G.subarray(k * hw, (k + 1) * hw).reduce((s, v) => s + v, 0) / hw);

  /** The fixture model with a sidecar whose output semantics is `scores`. */
  const withSemantics = async (scores: 'softmax' | 'sigmoid' | 'probabilities'): Promise<Classifier> => {
    const dir = mkdtempSync(join(tmpdir(), 'camscope-contrast-'));
    copyFileSync(MODEL, join(dir, 'm.onnx'));
    const sidecar = JSON.parse(readFileSync(`${MODEL}.json`, 'utf8'));
    writeFileSync(join(dir, 'm.json'), JSON.stringify({ ...sidecar, scores }));
    return Classifier.load(join(dir, 'm.onnx'));
  };

  for (const semantics of ['softmax', 'sigmoid', 'probabilities'] as const) {
    it(`${semantics}: ∇(s_A − s_B) = ∇s_A − ∇s_B; B vs A is its negation; Grad-CAM's weights subtract before the ReLU`, async () => {
      const c = await withSemantics(semantics);
      try {
        for (const score of semantics === 'probabilities' ? (['prob'] as const) : (['logit', 'prob'] as const)) {
          const [ga, gb, gab, gba] = await Promise.all([
            c.gradients(x, 1, [A], score), c.gradients(x, 1, [B], score),
            c.gradients(x, 1, [A], score, [B]), c.gradients(x, 1, [B], score, [A]),
          ]);
          const difference = ga.gradients.map((v, i) => v - gb.gradients[i]);
          expect(relativeError(gab.gradients, difference), `${score}: A − B`).toBeLessThan(1e-5);
          expect(relativeError(gba.gradients, difference.map((v) => -v)), `${score}: B − A`).toBeLessThan(1e-5);
          const wa = gradCamWeights(ga.gradients);
          const wb = gradCamWeights(gb.gradients);
          expect(relativeError(gradCamWeights(gab.gradients), wa.map((v, k) => v - wb[k])), `${score}: Grad-CAM weights`).toBeLessThan(1e-5);
        }
      } finally {
        await c.release();
      }
    });
  }

  it('a masked pass scores s_A − s_B, in the fused graph as in JavaScript, for probabilities and logits', async () => {
    const acts = (await classifier.gradients(x, 1, [A], 'logit')).activations;
    for (const score of ['prob', 'logit'] as const) {
      const [sa, sb, sab] = await Promise.all([
        classifier.fusedScores(x, acts, C, A, 'tanh', score), classifier.fusedScores(x, acts, C, B, 'tanh', score),
        classifier.fusedScores(x, acts, C, A, 'tanh', score, B),
      ]);
      expect(maxAbsDiff(sab, sa.map((v, i) => v - sb[i])), score).toBeLessThan(1e-6);
    }
  });

  it('refuses A versus A, and a versus class the model does not have, in one sentence', async () => {
    const run = (classChoice: { classIndex: number; versus: number }) => explainAll(classifier, 'gradcam', classChoice);
    await expect(run({ classIndex: 2, versus: 2 })).rejects.toThrow(/^Class 2 cannot be explained versus itself: choose two different classes\.$/);
    await expect(run({ classIndex: 2, versus: 5 })).rejects.toThrow(/^Class 5 does not exist: this model has classes 0 to 4\.$/);
    await expect(classifier.gradients(x, 1, [A], 'logit', [7])).rejects.toThrow(/versus class must be a class index from 0 to 4/);
  });
});
