import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Classifier } from '../../../src/main/engine/model/classifier';
import type { CamContext, CamMethod } from '../../../src/main/engine/methods/base';
import { createMethod, parseMethodList } from '../../../src/main/engine/methods/registry';
import { scoreCam } from '../../../src/main/engine/methods/scorecam';
import { scoreCamPlusPlus } from '../../../src/main/engine/methods/scorecam-pp';
import {
  minMaxRef, mulberry32, randomArray, randomTinyCnn, scoreCamRef, tinyCnnOnnx, writeModel, type ScoreCamRefOptions, type TinyCnn,
} from '../../helpers/tiny-models';

const DIMS = { inC: 3, h: 3, w: 4, C: 8, K: 4 };
const sidecar = { inputSize: [6, 8], resize: 'stretch', mean: [0, 0, 0], std: [1, 1, 1] };

function withDeadChannels(m: TinyCnn, dead: number[]): TinyCnn {
  const convB = m.convB.slice();
  for (const c of dead) convB[c] = -1000; // ReLU turns these channels into exact zeros
  return { ...m, convB };
}

const tanh = (up: number[]): number[] => up.map(Math.tanh);
const sigmoid = (up: number[]): number[] => up.map((v) => 1 / (1 + Math.exp(-v)));
const relu = (up: number[]): number[] => up.map((v) => Math.max(0, v));
const mish = (up: number[]): number[] => up.map((v) => v * Math.tanh(Math.log1p(Math.exp(v))));
const identity = (up: number[]): number[] => up;
const isZero = (up: number[]): boolean => up.every((v) => v === 0);
const isConstant = (up: number[]): boolean => up.every((v) => v === up[0]);

describe('score-weighted CAMs on a tiny CNN against a reference written from the papers', () => {
  const model = withDeadChannels(randomTinyCnn(7, DIMS), [2, 5]);
  let classifier: Classifier;
  const x = randomArray(3 * 6 * 8, mulberry32(99), 2);

  beforeAll(async () => {
    classifier = await Classifier.load(writeModel('tiny-score', tinyCnnOnnx(model), sidecar));
  });
  afterAll(() => classifier.release());

  async function run(method: CamMethod, target: number, batchSize = 3, signal?: AbortSignal, fused = true) {
    const { logits, activations } = await classifier.forward(x, 1, true);
    const ctx: CamContext = {
      classifier, image: x, activations: activations!, logits, batchSize, signal, fused,
      target: { classIndex: target, score: (method.settings.score as 'prob' | 'logit') ?? 'prob' },
    };
    return method.compute(ctx);
  }

  function expectClose(actual: Float32Array, expected: number[]): void {
    expect(actual.length).toBe(expected.length);
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    expect(worst).toBeLessThan(1e-5);
  }

  const cases: [string, CamMethod, ScoreCamRefOptions][] = [
    ['scorecam', scoreCam(), { mask: minMaxRef, term: identity, skip: isConstant, score: 'prob' }],
    ['scorecam++', scoreCamPlusPlus(), { mask: tanh, term: tanh, skip: isZero, score: 'prob' }],
    ['scorecam++ sigmoid (g(0) ≠ 0: zero channels are not skipped)', scoreCamPlusPlus({ gating: 'sigmoid' }), { mask: sigmoid, term: sigmoid, skip: () => false, score: 'prob' }],
    ['scorecam++ relu in the mask only', scoreCamPlusPlus({ gating: 'relu', placement: 'mask' }), { mask: relu, term: identity, skip: isZero, score: 'prob' }],
    ['scorecam++ mish in the sum only', scoreCamPlusPlus({ gating: 'mish', placement: 'sum' }), { mask: minMaxRef, term: mish, skip: (u) => isConstant(u) || isZero(u), score: 'prob' }],
    ['scorecam++ logit with Eq. 10 baseline', scoreCamPlusPlus({ score: 'logit', subtractBaseline: true }), { mask: tanh, term: tanh, skip: isZero, score: 'logit', baseline: true }],
  ];

  for (const [name, method, ref] of cases) for (const fused of [true, false]) {
    it(`${name} matches the reference for every class (${fused ? 'fused graph' : 'JavaScript path'})`, async () => {
      for (let target = 0; target < DIMS.K; target++) {
        const got = await run(method, target, 3, undefined, fused);
        const want = scoreCamRef(model, x, target, ref);
        expect(got.flat).toBe(want.flat);
        expect(got.forwardPasses).toBe(want.passes);
        expectClose(got.map, want.map);
      }
    });
  }

  it('skips exactly the all-zero channels for ScoreCAM++ (8 channels, 2 dead → 6 passes)', async () => {
    expect((await run(scoreCamPlusPlus(), 0)).forwardPasses).toBe(6);
  });

  it('gives the same map whatever the batch size', async () => {
    const a = await run(scoreCamPlusPlus(), 1, 1);
    const b = await run(scoreCamPlusPlus(), 1, 64);
    expect(Array.from(b.map)).toEqual(Array.from(a.map));
  });

  it('stops with CANCELLED when the job is cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(run(scoreCamPlusPlus(), 0, 2, controller.signal)).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('flat maps', () => {
  it('reports a map with no signal as flat (all zeros), not as NaN or an error', async () => {
    const allDead = withDeadChannels(randomTinyCnn(3, DIMS), [0, 1, 2, 3, 4, 5, 6, 7]);
    const classifier = await Classifier.load(writeModel('tiny-flat', tinyCnnOnnx(allDead), sidecar));
    try {
      const x = randomArray(3 * 6 * 8, mulberry32(5), 2);
      const { logits, activations } = await classifier.forward(x, 1, true);
      for (const method of [scoreCamPlusPlus(), scoreCam()]) {
        const r = await method.compute({ classifier, image: x, activations: activations!, logits, batchSize: 4, target: { classIndex: 0, score: 'prob' } });
        expect(r.flat).toBe(true);
        expect(r.forwardPasses).toBe(0);
        expect(r.map.every((v) => v === 0)).toBe(true);
      }
    } finally {
      await classifier.release();
    }
  });
});

describe('method registry', () => {
  it('parses method lists, ablation ids and rejects unknown names clearly', () => {
    expect(parseMethodList('scorecam++, scorecam,scorecam++').map((m) => m.id)).toEqual(['scorecam++', 'scorecam']);
    expect(parseMethodList('all').map((m) => m.id)).toContain('scorecam++');
    const ablation = createMethod('scorecam++_sigmoid_mask_logit_baseline');
    expect(ablation.settings).toEqual({ gating: 'sigmoid', placement: 'mask', score: 'logit', subtractBaseline: true });
    expect(ablation.id).toBe('scorecam++_sigmoid_mask_logit_baseline');
    expect(createMethod('scorecam++_tanh_both').id).toBe('scorecam++');
    expect(() => createMethod('gradcam-xyz')).toThrow(/Unknown method "gradcam-xyz"/);
  });
});
