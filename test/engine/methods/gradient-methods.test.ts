import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { readFileSync } from 'node:fs';
import { Classifier } from '../../../src/main/engine/model/classifier';
import { decodeModel, encodeModel, graphOf } from '../../../src/main/engine/onnx/graph';
import type { CamMethod } from '../../../src/main/engine/methods/base';
import { createMethod } from '../../../src/main/engine/methods/registry';
import { augGradCamPlusPlus } from '../../../src/main/engine/methods/aug-gradcam-pp';
import { prepareImage } from '../../../src/main/engine/image/preprocess';
import {
  mulberry32, randomArray, randomTinyCnn, tinyCnnForward, tinyCnnOnnx, upsampleRef, valueInfo, writeModel,
} from '../../helpers/tiny-models';
import { CATSDOGS, hasShared, RESNET18 } from '../../helpers/shared';

const DIMS = { inC: 3, h: 3, w: 4, C: 6, K: 4 };
const sidecar = { inputSize: [6, 8], resize: 'stretch', mean: [0, 0, 0], std: [1, 1, 1] };

/** pytorch-grad-cam's final scaling, written out: ReLU, (x−min)/(1e-7+max) at h×w, resize, again at H×W. */
function finishRef(cam: number[], h: number, w: number, H: number, W: number): number[] {
  const scale = (v: number[]): number[] => {
    const mn = Math.min(...v);
    const shifted = v.map((x) => x - mn);
    const mx = Math.max(...shifted);
    return shifted.map((x) => x / (1e-7 + mx));
  };
  return scale(upsampleRef(scale(cam.map((v) => Math.max(0, v))), h, w, H, W));
}

describe('gradient CAMs on a tiny CNN with hand-derived gradients', () => {
  const m = randomTinyCnn(11, DIMS);
  const x = randomArray(3 * 6 * 8, mulberry32(4), 2);
  const hw = DIMS.h * DIMS.w;
  let classifier: Classifier;
  beforeAll(async () => {
    classifier = await Classifier.load(writeModel('tiny-grad', tinyCnnOnnx(m), sidecar));
  });
  afterAll(() => classifier.release());

  async function run(method: CamMethod, target: number) {
    const g = await classifier.gradients(x, 1, [target], 'logit');
    return method.compute({
      classifier, image: x, activations: g.activations, logits: g.logits, gradients: g.gradients, batchSize: 8,
      target: { classIndex: target, score: 'logit' },
    });
  }

  // Conv → ReLU → GAP → Gemm: ∂logit_c/∂A_k^ij = W_fc[c, k] / (h·w) at every position.
  const acts = tinyCnnForward(m, x).acts;
  const grad = (c: number, k: number): number => m.fcW[c * DIMS.C + k] / hw;
  const weightedSum = (wk: (k: number) => number): number[] =>
    Array.from({ length: hw }, (_, i) => acts.reduce((s, a, k) => s + wk(k) * a[i], 0));

  const refs: Record<string, (c: number) => number[]> = {
    gradcam: (c) => weightedSum((k) => grad(c, k)),
    xgradcam: (c) => weightedSum((k) => (acts[k].reduce((s, a) => s + a * grad(c, k), 0)) / (acts[k].reduce((s, a) => s + a, 0) + 1e-7)),
    'gradcam++': (c) =>
      weightedSum((k) => {
        const g = grad(c, k);
        if (g === 0) return 0;
        const sumA = acts[k].reduce((s, a) => s + a, 0);
        const alpha = (g * g) / (2 * g * g + sumA * g * g * g + 1e-6);
        return hw * alpha * Math.max(0, g);
      }),
    layercam: (c) => Array.from({ length: hw }, (_, i) => acts.reduce((s, a, k) => s + Math.max(0, grad(c, k)) * a[i], 0)),
    hirescam: (c) => Array.from({ length: hw }, (_, i) => acts.reduce((s, a, k) => s + grad(c, k) * a[i], 0)),
  };

  for (const [id, ref] of Object.entries(refs)) {
    it(`${id} matches the formula for every class`, async () => {
      for (let c = 0; c < DIMS.K; c++) {
        const got = await run(createMethod(id), c);
        const raw = ref(c);
        const want = finishRef(raw, DIMS.h, DIMS.w, 6, 8);
        const flat = Math.max(...raw.map((v) => Math.max(0, v))) === Math.min(...raw.map((v) => Math.max(0, v)));
        expect(got.flat).toBe(flat);
        if (!flat) want.forEach((v, i) => expect(Math.abs(got.map[i] - v)).toBeLessThan(1e-5));
      }
    });
  }

  it('GradCAM and XGradCAM give the same map on a global-average-pooling head', async () => {
    const a = await run(createMethod('gradcam'), 1);
    const b = await run(createMethod('xgradcam'), 1);
    a.map.forEach((v, i) => expect(Math.abs(v - b.map[i])).toBeLessThan(1e-5));
  });

  it('Augmented GradCAM++ with only the identity augmentation equals GradCAM++', async () => {
    const plain = await run(createMethod('gradcam++'), 2);
    const aug = await run(augGradCamPlusPlus({ augmentations: 1 }), 2);
    plain.map.forEach((v, i) => expect(Math.abs(v - aug.map[i])).toBeLessThan(1e-5));
  });

  it('Augmented GradCAM++ is reproducible for a seed and changes with it', async () => {
    const a = await run(augGradCamPlusPlus({ augmentations: 6, seed: 3 }), 0);
    const b = await run(augGradCamPlusPlus({ augmentations: 6, seed: 3 }), 0);
    const c = await run(augGradCamPlusPlus({ augmentations: 6, seed: 4 }), 0);
    expect(Array.from(a.map)).toEqual(Array.from(b.map));
    expect(Array.from(a.map)).not.toEqual(Array.from(c.map));
    expect(a.forwardPasses).toBe(6);
    expect(Math.max(...a.map)).toBeCloseTo(1, 6);
  });
});

describe('operators without a gradient rule', () => {
  it('give a clear error naming the operator and its node, never a wrong map', async () => {
    const bytes = tinyCnnOnnx(randomTinyCnn(1, DIMS), { unaryAfterRelu: 'Sin' }); // Conv → Relu → Sin → GAP → Gemm
    const c = await Classifier.load(writeModel('tiny-sin', bytes, sidecar), { layer: 'relu_out' });
    try {
      await expect(c.gradients(new Float32Array(144), 1, [-1], 'logit')).rejects.toMatchObject({
        code: 'UNSUPPORTED_MODEL',
        message: expect.stringMatching(/cannot differentiate the Sin operator \(node "sin"\) between the target layer and the output/),
      });
    } finally {
      await c.release();
    }
  });
});

/** The sub-model from `layer` to the logits, with `layer` as its input: f restricted to the layer, for finite differences. */
function cutAt(modelPath: string, layer: string, shape: number[]): Uint8Array {
  const model = decodeModel(readFileSync(modelPath));
  const graph = graphOf(model);
  const needed = new Set([graph.output[0].name!]);
  const kept = [];
  for (let i = graph.node.length - 1; i >= 0; i--) {
    const n = graph.node[i];
    if (!n.output!.some((o) => needed.has(o))) continue;
    kept.unshift(n);
    for (const x of n.input!) if (x && x !== layer) needed.add(x);
  }
  const g = onnxProto.onnx.GraphProto.create({
    ...graph,
    node: kept,
    initializer: graph.initializer.filter((t) => needed.has(t.name!)),
    input: [valueInfo(layer, ['N', ...shape.slice(1)])],
    output: [graph.output[0]],
  });
  return encodeModel(onnxProto.onnx.ModelProto.create({ ...model, graph: g }));
}

describe.runIf(hasShared)('a target layer in the middle of ResNet-18 (layer3)', () => {
  it('has gradients that agree with finite differences of the real model', async () => {
    const layer = '/layer3/layer3.1/relu_1/Relu_output_0';
    const c = await Classifier.load(RESNET18, { layer });
    try {
      expect(c.layer.shape).toEqual([1, 256, 14, 14]);
      const img = await prepareImage(`${CATSDOGS}/dog/${'00001.jpg'}`, c.profile).catch(async () => prepareImage(`${CATSDOGS}/cat/00002.jpg`, c.profile));
      for (const score of ['logit', 'prob'] as const) {
        const run = await c.gradients(img.tensor, 1, [-1], score);
        const target = run.classes[0];
        const session = await ort.InferenceSession.create(cutAt(RESNET18, layer, c.layer.shape));
        const A = run.activations;
        const f = async (t: number, V: Float32Array): Promise<number> => {
          const a = Float32Array.from(A, (v, i) => v + t * V[i]);
          const out = (await session.run({ [layer]: new ort.Tensor('float32', a, c.layer.shape) })).logits.data as Float32Array;
          if (score === 'logit') return out[target];
          const mx = Math.max(...out);
          const e = Array.from(out, (v) => Math.exp(v - mx));
          return e[target] / e.reduce((s, v) => s + v, 0);
        };
        const rand = mulberry32(9);
        for (let trial = 0; trial < 3; trial++) {
          // Perturb only active units (A > 0) so the step never crosses a ReLU kink.
          const V = Float32Array.from(A, (a) => (a > 0.05 ? rand() - 0.5 : 0));
          const eps = 1e-3;
          const fd = ((await f(eps, V)) - (await f(-eps, V))) / (2 * eps);
          const analytic = run.gradients.reduce((s, g, i) => s + g * V[i], 0);
          expect(Math.abs(fd - analytic) / Math.abs(analytic)).toBeLessThan(2e-2);
        }
        await session.release();
      }
    } finally {
      await c.release();
    }
  });
});
