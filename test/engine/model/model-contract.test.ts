/**
 * The model contract as invariances: the same weights rewired as exported classifiers differ (a final Softmax,
 * LogSoftmax or Sigmoid, a single binary logit, channels-last or uint8 inputs with the normalisation inside, a
 * channels-last target layer) must give the plain NCHW logits model's probabilities and maps — never a second
 * softmax, never a transposed layer read as NCHW. Independent references: the plain model, and tiny-models.ts's
 * JavaScript forward pass and ScoreCAM written from the papers' formulas.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { explainImages, type ImageExplanation } from '../../../src/main/engine/explain';
import { parseMethodList } from '../../../src/main/engine/methods/registry';
import { Classifier, inspectModel } from '../../../src/main/engine/model/classifier';
import { IMAGENET_MEAN, IMAGENET_STD } from '../../../src/main/engine/model/profile';
import { antisymmetric, contractModelOnnx, mirrored, type ContractOptions } from '../../helpers/contract-models';
import {
  encode, initializer, mulberry32, node, randomTinyCnn, scoreCamRef, softmaxRef, tinyCnnForward, upsampleRef, valueInfo, writeModel, type TinyCnn,
} from '../../helpers/tiny-models';

const DIMS = { inC: 3, h: 4, w: 4, C: 6, K: 3 };
const SIZE = 8;
const BASE_SIDECAR = { inputSize: [SIZE, SIZE], resize: 'stretch' };
const METHODS = 'gradcam,gradcam++,xgradcam,layercam,hirescam,scorecam,scorecam++';

let images: string[] = [];
/** Raw pixels of the test images, CHW in 0–255, as the reference implementations read them. */
let pixels: Float32Array[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-contract-'));
  const rand = mulberry32(5);
  images = [];
  pixels = [];
  for (let i = 0; i < 3; i++) {
    const hwc = Uint8Array.from({ length: SIZE * SIZE * 3 }, () => Math.floor(rand() * 256));
    const path = join(dir, `img${i}.png`);
    await sharp(hwc, { raw: { width: SIZE, height: SIZE, channels: 3 } }).png().toFile(path);
    images.push(path);
    const chw = new Float32Array(3 * SIZE * SIZE);
    for (let p = 0; p < SIZE * SIZE; p++) for (let c = 0; c < 3; c++) chw[c * SIZE * SIZE + p] = hwc[p * 3 + c];
    pixels.push(chw);
  }
});

/** ImageNet normalisation in float32 steps, as ToTensor + Normalize (and the graphs' Div/Sub/Div) compute it. */
function normalize(px: Float32Array): Float32Array {
  const plane = SIZE * SIZE;
  return Float32Array.from(px, (p, i) => {
    const c = Math.floor(i / plane);
    return Math.fround(Math.fround(Math.fround(p / 255) - Math.fround(IMAGENET_MEAN[c])) / Math.fround(IMAGENET_STD[c]));
  });
}

type Ok = Extract<ImageExplanation, { ok: true }>;

async function explain(m: TinyCnn, opts: ContractOptions, sidecar: object = BASE_SIDECAR, methods = METHODS, layer = 'relu_out'): Promise<{ results: Ok[]; classifier: Classifier }> {
  const name = `contract-${JSON.stringify(opts).replace(/\W+/g, '-')}-${Math.random().toString(36).slice(2, 8)}`;
  const classifier = await Classifier.load(writeModel(name, contractModelOnnx(m, opts), sidecar), { layer });
  const results: Ok[] = [];
  for await (const r of explainImages(classifier, images, { methods: parseMethodList(methods), batchSize: 4 })) {
    if (!r.ok) throw new Error(r.error.message);
    results.push(r);
  }
  return { results, classifier };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

function expectSameExplanations(got: Ok[], want: Ok[], methods: string[], tol = 1e-5): void {
  got.forEach((g, i) => {
    const w = want[i];
    expect(g.target.classIndex).toBe(w.target.classIndex);
    expect(g.target.probability).toBeCloseTo(w.target.probability, 6);
    expect(maxDiff(g.predictions.map((p) => p.probability), w.predictions.map((p) => p.probability))).toBeLessThan(1e-6);
    for (const id of methods) {
      const gm = g.maps.find((m) => m.method === id)!.result.map;
      const wm = w.maps.find((m) => m.method === id)!.result.map;
      expect(maxDiff(gm, wm), `${id} on image ${i}`).toBeLessThan(tol);
    }
  });
}

describe('output semantics', () => {
  const model = randomTinyCnn(11, DIMS);
  let base: Ok[];
  beforeAll(async () => {
    const b = await explain(model, {});
    base = b.results;
    expect(b.classifier.inspection.output).toMatchObject({ semantics: 'softmax', source: 'default', activation: null, binary: false });
    await b.classifier.release();
  });

  it('the plain logits model: probabilities are the softmax of the independent forward pass', () => {
    base.forEach((r, i) => {
      const p = softmaxRef(tinyCnnForward(model, normalize(pixels[i])).logits);
      for (const pred of r.predictions) expect(pred.probability).toBeCloseTo(p[pred.classIndex], 6);
    });
  });

  for (const head of ['softmax', 'logsoftmax', 'manual-softmax'] as const) {
    it(`a model ending in ${head}: its own probabilities (no second softmax) and the logits model's maps`, async () => {
      const sidecar = head === 'manual-softmax' ? { ...BASE_SIDECAR, scores: 'probabilities' } : BASE_SIDECAR;
      const { results, classifier } = await explain(model, { head }, sidecar);
      const expected = head === 'manual-softmax'
        ? { semantics: 'probabilities', source: 'sidecar', activation: null }
        : { semantics: 'softmax', source: 'graph', activation: head === 'softmax' ? 'Softmax' : 'LogSoftmax', tensor: 'logits' };
      expect(classifier.inspection.output).toMatchObject(expected);
      // Gradient methods differentiate the probability when the model has no logits: compare score maps only.
      const methods = head === 'manual-softmax' ? ['scorecam', 'scorecam++'] : METHODS.split(',');
      expectSameExplanations(results, base, methods);
      if (head === 'manual-softmax') expect(results[0].target.logit).toBeNaN();
      await classifier.release();
    });
  }

  it('a model that outputs probabilities differentiates them: its gradients equal the softmax model\'s probability gradients', async () => {
    const probs = await Classifier.load(writeModel('contract-probs-grad', contractModelOnnx(model, { head: 'manual-softmax' }), { ...BASE_SIDECAR, scores: 'probabilities' }));
    const logits = await Classifier.load(writeModel('contract-logits-grad', contractModelOnnx(model), BASE_SIDECAR));
    const x = normalize(pixels[0]);
    const a = await probs.gradients(x, 1, [1], 'prob');
    const b = await logits.gradients(x, 1, [1], 'prob');
    const scale = Math.max(...Array.from(b.gradients, Math.abs));
    expect(maxDiff(a.gradients, b.gradients) / scale).toBeLessThan(1e-4);
    await probs.release();
    await logits.release();
  });

  it('"probabilities" on a model whose outputs are logits is refused with the reason, and --score logit has nothing to score', async () => {
    const big = { ...model, fcW: model.fcW.map((v) => v * 50) };
    const c = await Classifier.load(writeModel('contract-not-probs', contractModelOnnx(big), { ...BASE_SIDECAR, scores: 'probabilities' }));
    const out = [];
    for await (const r of explainImages(c, images.slice(0, 1), { methods: parseMethodList('gradcam') })) out.push(r);
    expect(out[0]).toMatchObject({ ok: false, error: { code: 'NUMERICAL_ERROR', message: expect.stringMatching(/is not a probability.*set "scores" to "softmax" or "sigmoid"/) } });
    await expect((async () => {
      for await (const r of explainImages(c, images, { methods: parseMethodList('scorecam++_tanh_logit') })) void r;
    })()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/outputs probabilities only/) });
    await c.release();
  });

  it('a sidecar that contradicts the final activation is refused', async () => {
    const path = writeModel('contract-contradiction', contractModelOnnx(model, { head: 'softmax' }), { ...BASE_SIDECAR, scores: 'sigmoid' });
    await expect(inspectModel(path)).rejects.toMatchObject({ code: 'INVALID_PROFILE', message: expect.stringMatching(/"scores" is "sigmoid" but the model ends in Softmax/) });
  });

  describe('sigmoid (multi-label): each class its own probability', () => {
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    for (const variant of ['graph', 'sidecar'] as const) {
      it(`${variant === 'graph' ? 'a model ending in Sigmoid' : 'a logits model with "scores": "sigmoid"'}: σ per class, predicted set, ScoreCAM on σ`, async () => {
        const opts: ContractOptions = variant === 'graph' ? { head: 'sigmoid' } : {};
        const sidecar = { ...BASE_SIDECAR, threshold: 0.4, ...(variant === 'sidecar' ? { scores: 'sigmoid' } : {}) };
        const { results, classifier } = await explain(model, opts, sidecar, METHODS);
        expect(classifier.inspection.output).toMatchObject({ semantics: 'sigmoid', source: variant });
        results.forEach((r, i) => {
          const x = normalize(pixels[i]);
          const l = tinyCnnForward(model, x).logits;
          for (const p of r.predictions) expect(p.probability).toBeCloseTo(sig(l[p.classIndex]), 6);
          const argmax = l.indexOf(Math.max(...l));
          expect(r.target.classIndex).toBe(argmax);
          expect(r.predictedSet).toEqual(l.map((v, k) => [k, sig(v)] as const).filter(([, p]) => p >= 0.4).sort((a, b) => b[1] - a[1]).map(([k]) => k));
          // ScoreCAM++ with s_k = σ(l_c(x ∘ tanh(up_k))), from the paper's formula and the JS forward pass.
          const ref = scoreCamRef(model, x, argmax, {
            mask: (u) => u.map(Math.tanh), term: (u) => u.map(Math.tanh), skip: (u) => u.every((v) => v === 0), score: 'prob', probability: (lg) => lg.map(sig),
          });
          expect(maxDiff(r.maps.find((m) => m.method === 'scorecam++')!.result.map, ref.map)).toBeLessThan(1e-5);
          // Gradient maps explain the raw logit: the same as on the softmax model.
          expect(maxDiff(r.maps.find((m) => m.method === 'gradcam')!.result.map, base[i].maps.find((m) => m.method === 'gradcam')!.result.map)).toBeLessThan(1e-5);
        });
        await classifier.release();
      });
    }
  });

  describe('binary: a single output column', () => {
    // Two references: softmax over [−z/2, z/2] gives the same probabilities (p₁ = σ(z)) and score maps; logits
    // [−z, z] read as sigmoid are the binary head's canonical form, so every map — gradient ones too — must match.
    const pair = randomTinyCnn(12, { ...DIMS, K: 2 });
    let softmaxPair: Ok[];
    let sigmoidPair: Ok[];
    beforeAll(async () => {
      const a = await explain(antisymmetric(pair), {});
      const b = await explain(mirrored(pair), {}, { ...BASE_SIDECAR, scores: 'sigmoid' });
      softmaxPair = a.results;
      sigmoidPair = b.results;
      await a.classifier.release();
      await b.classifier.release();
    });

    for (const head of ['logits', 'sigmoid'] as const) {
      it(`z${head === 'sigmoid' ? ' through a Sigmoid' : ''} is two classes [−z, z]: p₁ = σ(z), p₀ = 1 − p₁, and the two-class models' maps`, async () => {
        const { results, classifier } = await explain(pair, { binary: true, head }, { ...BASE_SIDECAR, classes: ['healthy', 'lesion'] });
        expect(classifier.inspection.output).toMatchObject({ semantics: 'sigmoid', binary: true, activation: head === 'sigmoid' ? 'Sigmoid' : null });
        expect(classifier.numClasses).toBe(2);
        expect(classifier.profile.classes).toEqual(['healthy', 'lesion']);
        expectSameExplanations(results, softmaxPair, ['scorecam', 'scorecam++']);
        expectSameExplanations(results, sigmoidPair, METHODS.split(','));
        results.forEach((r) => {
          const [p0, p1] = [0, 1].map((k) => r.predictions.find((p) => p.classIndex === k)!);
          expect(p0.probability + p1.probability).toBeCloseTo(1, 6);
          expect(p0.logit).toBe(-p1.logit);
        });
        await classifier.release();
      });
    }

    it('a binary model whose column is a probability p: [1 − p, p]', async () => {
      const { results, classifier } = await explain(pair, { binary: true, head: 'sigmoid' }, { ...BASE_SIDECAR, scores: 'probabilities' });
      // The graph's Sigmoid decides (its input is explained as logits), and "probabilities" agrees with it.
      expect(classifier.inspection.output).toMatchObject({ semantics: 'sigmoid', activation: 'Sigmoid' });
      expectSameExplanations(results, softmaxPair, ['scorecam', 'scorecam++']);
      await classifier.release();
    });

    it('a sidecar naming one class of a binary model is refused with what to do', async () => {
      const path = writeModel('contract-binary-one-name', contractModelOnnx(pair, { binary: true }), { ...BASE_SIDECAR, classes: ['lesion'] });
      await expect(inspectModel(path)).rejects.toMatchObject({ code: 'INVALID_PROFILE', message: expect.stringMatching(/one output column, a binary classifier, so name both classes/) });
    });
  });
});

describe('input layouts and value ranges', () => {
  const model = randomTinyCnn(21, DIMS);
  let base: Ok[];
  beforeAll(async () => {
    const b = await explain(model, {});
    base = b.results;
    await b.classifier.release();
  });

  it('channels-last input [N, H, W, 3] is detected and gives the NCHW model\'s results', async () => {
    const { results, classifier } = await explain(model, { input: 'nhwc' });
    expect(classifier.inspection.input).toMatchObject({ layout: 'nhwc', layoutSource: 'graph', type: 'float32' });
    expectSameExplanations(results, base, METHODS.split(','));
    await classifier.release();
  });

  for (const input of ['uint8', 'float255'] as const) {
    it(`${input} pixels with the normalisation inside: the same prediction and gradient maps; ScoreCAM masks the pixels`, async () => {
      const sidecar = input === 'float255' ? { ...BASE_SIDECAR, scale: 255 } : BASE_SIDECAR;
      const { results, classifier } = await explain(model, { input }, sidecar);
      expect(classifier.profile).toMatchObject({ scale: 255, mean: [0, 0, 0], std: [1, 1, 1], inputType: input === 'uint8' ? 'uint8' : 'float32' });
      expectSameExplanations(results, base, ['gradcam', 'gradcam++', 'xgradcam', 'layercam', 'hirescam']);
      results.forEach((r, i) => {
        // x ∘ H_k in pixel units; a uint8 input holds the masked pixels rounded, as an image file would.
        const prepare = (px: Float32Array): Float32Array =>
          normalize(input === 'uint8' ? px.map((v) => Math.floor(Math.min(255, Math.max(0, v)) + 0.5)) : px);
        const target = r.target.classIndex;
        const ref = scoreCamRef(model, pixels[i], target, {
          mask: (u) => u.map(Math.tanh), term: (u) => u.map(Math.tanh), skip: (u) => u.every((v) => v === 0), score: 'prob', prepare,
        });
        expect(maxDiff(r.maps.find((m) => m.method === 'scorecam++')!.result.map, ref.map)).toBeLessThan(1e-5);
      });
      await classifier.release();
    });
  }

  it('an input whose layout the shape cannot tell needs "layout" in the sidecar', async () => {
    const path = writeModel('contract-ambiguous', ambiguousInputModel(), {});
    await expect(inspectModel(path)).rejects.toMatchObject({ code: 'UNSUPPORTED_MODEL', message: expect.stringMatching(/"input" \[N, 3, 6, 3\] does not show which axis.*set "layout" to "nchw" or "nhwc"/) });
    const fixed = await inspectModel(writeModel('contract-ambiguous-set', ambiguousInputModel(), { layout: 'nchw' }));
    expect(fixed.input).toMatchObject({ layout: 'nchw', layoutSource: 'sidecar' });
    expect(fixed.profile.inputSize).toEqual([6, 3]);
  });
});

/** An RGB input [N, 3, 6, 3]: axis 1 and axis 3 are both 3, so only the user can say which holds the colours. */
function ambiguousInputModel(): Uint8Array {
  const r = mulberry32(3);
  const w = Float32Array.from({ length: 4 * 3 * 4 }, () => r() - 0.5);
  return encode({
    name: 'ambiguous',
    node: [
      node('Conv', ['input', 'conv.w'], ['conv_out'], { kernel_shape: [2, 2] }),
      node('Relu', ['conv_out'], ['relu_out']),
      node('GlobalAveragePool', ['relu_out'], ['gap_out']),
      node('Flatten', ['gap_out'], ['logits']),
    ],
    input: [valueInfo('input', ['N', 3, 6, 3])],
    output: [valueInfo('logits', ['N', 4])],
    initializer: [initializer('conv.w', [4, 3, 2, 2], w)],
  });
}

describe('layer layouts', () => {
  const model = randomTinyCnn(31, DIMS);
  it('a channels-last copy of the layer [N, h, w, C] is detected from its Transposes and explained as the NCHW layer', async () => {
    const base = await explain(model, {});
    const nhwc = await explain(model, { layer: 'nhwc' });
    expect(nhwc.classifier.layer).toMatchObject({ name: 'relu_out', layout: 'nhwc', layoutSource: 'graph', shape: [1, DIMS.C, DIMS.h, DIMS.w] });
    expectSameExplanations(nhwc.results, base.results, METHODS.split(','));
    await base.classifier.release();
    await nhwc.classifier.release();
  });

  it('the sidecar can set a layer\'s layout; a name that is no 4-D tensor is refused', async () => {
    const forced = await inspectModel(writeModel('contract-layer-forced', contractModelOnnx(model, { layer: 'nhwc' }), { ...BASE_SIDECAR, layerLayouts: { conv_out: 'nhwc' } }));
    const conv = forced.candidateLayers.find((c) => c.name === 'conv_out');
    // conv_out really is NCHW [1, 6, 4, 4]; forced to NHWC it reads as 4 channels of 6×4 — the user's word is kept.
    expect(conv).toMatchObject({ layout: 'nhwc', layoutSource: 'sidecar', shape: [1, 4, 6, 4] });
    await expect(inspectModel(writeModel('contract-layer-bad', contractModelOnnx(model), { ...BASE_SIDECAR, layerLayouts: { flat_out: 'nhwc' } })))
      .rejects.toMatchObject({ code: 'INVALID_PROFILE', message: expect.stringMatching(/"layerLayouts" names "flat_out", which is not a 4-D tensor/) });
  });

  it('maps at a channels-last layer equal Grad-CAM computed by hand on the NCHW tensor', async () => {
    const { results, classifier } = await explain(model, { layer: 'nhwc' }, BASE_SIDECAR, 'gradcam');
    results.forEach((r, i) => {
      const x = normalize(pixels[i]);
      const { acts } = tinyCnnForward(model, x);
      const c = r.target.classIndex;
      // ∂l_c/∂A_k = fcW[c, k] / (h·w) everywhere: Grad-CAM weight α_k = fcW[c, k] / (h·w).
      const hw = DIMS.h * DIMS.w;
      const cam = Array.from({ length: hw }, (_, p) => Math.max(0, acts.reduce((s, plane, k) => s + (model.fcW[c * DIMS.C + k] / hw) * plane[p], 0)));
      const mn = Math.min(...cam), mx = Math.max(...cam);
      const up = upsampleRef(cam.map((v) => (v - mn) / (mx - mn)), DIMS.h, DIMS.w, SIZE, SIZE);
      const umn = Math.min(...up), umx = Math.max(...up);
      expect(maxDiff(r.maps[0].result.map, up.map((v) => (v - umn) / (umx - umn)))).toBeLessThan(1e-5);
    });
    await classifier.release();
  });
});

