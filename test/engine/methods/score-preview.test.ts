/**
 * Progressive score-based maps (CamContext.onPreview) and the fast approximations (`@topk=N`, `@noscore`), on a
 * tiny CNN against references written from the definitions (tiny-models.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Classifier } from '../../../src/main/engine/model/classifier';
import type { CamContext, CamMap, CamMethod, PreviewFrame } from '../../../src/main/engine/methods/base';
import { channelDescriptors, coverageOrder, ScoreEstimator } from '../../../src/main/engine/methods/preview';
import { createMethod, METHOD_IDS, parseMethodList } from '../../../src/main/engine/methods/registry';
import { scoreCam } from '../../../src/main/engine/methods/scorecam';
import { scoreCamPlusPlus } from '../../../src/main/engine/methods/scorecam-pp';
import {
  minMaxRef, mulberry32, randomArray, randomTinyCnn, scoreCamRef, softmaxRef, tinyCnnForward, tinyCnnOnnx, upsampleRef, writeModel, type ScoreCamRefOptions, type TinyCnn,
} from '../../helpers/tiny-models';

// 24 channels, so a run takes several batches and the estimate has something to estimate.
const DIMS = { inC: 3, h: 3, w: 4, C: 24, K: 4 };
const sidecar = { inputSize: [6, 8], resize: 'stretch', mean: [0, 0, 0], std: [1, 1, 1] };
const tanh = (up: number[]): number[] => up.map(Math.tanh);
const identity = (up: number[]): number[] => up;
const isZero = (up: number[]): boolean => up.every((v) => v === 0);
const isConstant = (up: number[]): boolean => up.every((v) => v === up[0]);

function withDeadChannels(m: TinyCnn, dead: number[]): TinyCnn {
  const convB = m.convB.slice();
  for (const c of dead) convB[c] = -1000;
  return { ...m, convB };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** ReLU(Σ_k term(up_k)) over the channels the method does not skip, min-max normalised: the score-free map. */
function scoreFreeRef(m: TinyCnn, x: Float32Array, term: (up: number[]) => number[], skip: (up: number[]) => boolean, only?: Set<number>): number[] {
  const { acts } = tinyCnnForward(m, x);
  const H = 2 * m.h, W = 2 * m.w;
  const cam = new Array<number>(H * W).fill(0);
  acts.forEach((plane, k) => {
    const up = upsampleRef(plane, m.h, m.w, H, W);
    if (skip(up) || (only && !only.has(k))) return;
    term(up).forEach((v, i) => (cam[i] += v));
  });
  const relu = cam.map((v) => Math.max(0, v));
  const mn = Math.min(...relu), mx = Math.max(...relu);
  return relu.map((v) => (v - mn) / (mx - mn));
}

describe('progressive score-weighted maps', () => {
  const model = withDeadChannels(randomTinyCnn(11, DIMS), [3, 9]);
  const x = randomArray(3 * 6 * 8, mulberry32(21), 2);
  let classifier: Classifier;
  beforeAll(async () => {
    classifier = await Classifier.load(writeModel('tiny-preview', tinyCnnOnnx(model), sidecar));
  });
  afterAll(() => classifier.release());

  /** Runs a method, counting masked-pass runs (fused scoring runs or forward runs) as previews arrive. */
  async function run(method: CamMethod, target: number, o: { fused: boolean; previews: boolean; batch?: number; every?: number | null }) {
    const { logits, activations } = await classifier.forward(x, 1, true);
    let runs = 0;
    const c = classifier as unknown as { fusedScores: (...a: unknown[]) => Promise<Float32Array>; forward: (...a: unknown[]) => Promise<unknown> };
    const [fusedScores, forward] = [c.fusedScores, c.forward];
    c.fusedScores = (...a) => ((runs += 1), fusedScores.apply(classifier, a));
    c.forward = (...a) => ((runs += 1), forward.apply(classifier, a));
    const frames: (PreviewFrame & { runsBefore: number })[] = [];
    const ctx: CamContext = {
      classifier, image: x, activations: activations!, logits, batchSize: o.batch ?? 5, fused: o.fused,
      target: { classIndex: target, score: (method.settings.score as 'prob' | 'logit') ?? 'prob' },
      ...(o.previews ? { onPreview: (f: PreviewFrame) => frames.push({ ...f, runsBefore: runs }), previewEvery: o.every === null ? undefined : o.every ?? o.batch ?? 5 } : {}),
    };
    try {
      const result: CamMap = await method.compute(ctx);
      return { result, frames };
    } finally {
      c.fusedScores = fusedScores;
      c.forward = forward;
    }
  }

  const cases: [string, () => CamMethod, ScoreCamRefOptions][] = [
    ['scorecam++', () => scoreCamPlusPlus(), { mask: tanh, term: tanh, skip: isZero, score: 'prob' }],
    ['scorecam', () => scoreCam(), { mask: minMaxRef, term: identity, skip: isConstant, score: 'prob' }],
    ['scorecam++ logit with baseline', () => scoreCamPlusPlus({ score: 'logit', subtractBaseline: true }), { mask: tanh, term: tanh, skip: isZero, score: 'logit', baseline: true }],
  ];
  for (const [name, make, ref] of cases) for (const fused of [true, false]) {
    it(`${name}: previews start before any masked pass, are monotone and end exactly at the exact map (${fused ? 'fused' : 'JS'})`, async () => {
      for (let target = 0; target < DIMS.K; target++) {
        const plain = await run(make(), target, { fused, previews: false });
        const { result, frames } = await run(make(), target, { fused, previews: true });
        const want = scoreCamRef(model, x, target, ref);
        // The exact result does not change with previews, and matches the reference.
        expect(result.forwardPasses).toBe(want.passes);
        expect(maxDiff(result.map, plain.result.map)).toBeLessThanOrEqual(1e-5);
        expect(maxDiff(result.map, want.map)).toBeLessThan(1e-5);
        // Frames: first before any masked pass, with nothing scored; one per batch; passes increasing; ms non-decreasing.
        expect(frames[0].passes).toBe(0);
        expect(frames[0].runsBefore).toBe(0);
        expect(frames.length).toBe(Math.ceil(want.passes / 5) + 1);
        for (let i = 1; i < frames.length; i++) {
          expect(frames[i].passes).toBeGreaterThan(frames[i - 1].passes);
          expect(frames[i].ms).toBeGreaterThanOrEqual(frames[i - 1].ms);
        }
        // The last frame is the exact map.
        const last = frames.at(-1)!;
        expect(last.passes).toBe(want.passes);
        expect(Array.from(last.map)).toEqual(Array.from(result.map));
        // The first frame is the score-free map, and the result says how far the exact map is from it.
        const free = scoreFreeRef(model, x, ref.term, ref.skip);
        expect(maxDiff(frames[0].map, free)).toBeLessThan(1e-5);
        expect(result.scoreFree!.maxAbsDiff).toBeCloseTo(maxDiff(want.map, free), 5);
        expect(result.scoreFree!.pearson).toBeLessThanOrEqual(1 + 1e-12);
      }
    });
  }

  it('with previewEvery, frames fall at every multiple of it whatever the batch size', async () => {
    for (const fused of [true, false]) {
      const { frames, result } = await run(scoreCamPlusPlus(), 1, { fused, previews: true, batch: 8, every: 3 });
      const passes = frames.map((f) => f.passes);
      const total = result.forwardPasses;
      for (let k = 0; k * 3 < total; k++) expect(passes).toContain(k * 3);
      expect(passes.at(-1)).toBe(total);
    }
  });

  it('without previewEvery, frames may be skipped to bound their cost, but the first and the exact last always come', async () => {
    for (const fused of [true, false]) {
      const { frames, result } = await run(scoreCamPlusPlus(), 1, { fused, previews: true, batch: 2, every: null });
      expect(frames[0].passes).toBe(0);
      expect(frames.at(-1)!.passes).toBe(result.forwardPasses);
      expect(Array.from(frames.at(-1)!.map)).toEqual(Array.from(result.map));
      expect(frames.length).toBeLessThanOrEqual(Math.ceil(result.forwardPasses / 2) + 1);
      for (const f of frames.slice(1, -1)) expect(f.passes % 2 === 0 || f.passes === result.forwardPasses).toBe(true);
    }
  });

  it('each frame is the map of the estimated weights, a channel moved only when its weight changed by over 1 % of the largest', async () => {
    // Rebuilt here from the definitions: reference scores and terms, coverage order, the regression's weights, and
    // the documented rule (the applied weights first take the common positive scale that fits them best to the new
    // estimate, which leaves a normalised map unchanged; then every channel whose estimate differs from its applied
    // weight by more than 0.01 × the largest weight takes the estimate).
    const target = 1;
    const { acts: planes } = tinyCnnForward(model, x);
    const H = 2 * model.h, W = 2 * model.w;
    const ups = planes.map((p) => upsampleRef(p, model.h, model.w, H, W));
    const kept = ups.flatMap((up, k) => (isZero(up) ? [] : [k]));
    const terms = kept.map((k) => tanh(ups[k]));
    const scores = kept.map((k) => softmaxRef(tinyCnnForward(model, Float32Array.from(x, (v, i) => v * terms[kept.indexOf(k)][i % (H * W)])).logits)[target]);
    const { activations } = await classifier.forward(x, 1, true);
    const descriptors = channelDescriptors(activations!, kept, DIMS.h * DIMS.w, (up, out) => up.forEach((v, i) => (out[i] = Math.tanh(v))));
    const order = coverageOrder(descriptors);
    const normalise = (raw: number[]) => {
      const relu = raw.map((v) => Math.max(0, v));
      const mn = Math.min(...relu), mx = Math.max(...relu);
      return relu.map((v) => (v - mn) / (mx - mn));
    };
    for (const fused of [true, false]) {
      const { frames } = await run(scoreCamPlusPlus(), target, { fused, previews: true });
      expect(frames.length).toBeGreaterThan(3);
      const applied = new Array<number>(kept.length).fill(0);
      const estimator = new ScoreEstimator(descriptors, { logOdds: true });
      let moved = 0;
      for (const f of frames.slice(0, -1)) {
        const known = order.slice(0, f.passes);
        const est = estimator.weights(known, known.map((p) => scores[p]));
        if (f.passes > 0) {
          // The common positive scale that best fits the applied weights to the estimate (least squares).
          const scale = est.reduce((t, v, p) => t + v * applied[p], 0) / applied.reduce((t, a) => t + a * a, 0);
          if (scale > 0) applied.forEach((a, p) => (applied[p] = a * scale));
        }
        const largest = Math.max(...est.map(Math.abs));
        est.forEach((v, p) => {
          if (f.passes === 0 || Math.abs(v - applied[p]) > 0.01 * largest) applied[p] = v;
          else if (v !== applied[p]) moved++;
        });
        const lazy = normalise(terms[0].map((_, i) => applied.reduce((t, a, p) => t + a * terms[p][i], 0)));
        expect(maxDiff(f.map, lazy)).toBeLessThan(1e-4);
        // And within the rule's bound of the map of every estimated weight: |Δraw| ≤ 0.01 · largest · Σ_k |term_k|.
        const full = terms[0].map((_, i) => Array.from(est).reduce((t, a, p) => t + a * terms[p][i], 0));
        const e = 0.01 * largest * Math.max(...terms[0].map((_, i) => terms.reduce((t, term) => t + Math.abs(term[i]), 0)));
        const range = Math.max(...full.map((v) => Math.max(0, v))) - Math.min(...full.map((v) => Math.max(0, v)));
        expect(maxDiff(f.map, normalise(full))).toBeLessThanOrEqual((4 * e) / (range - 2 * e));
      }
      // The rule did leave some small changes out (else this test would not tell it from a full recompute).
      expect(moved).toBeGreaterThan(0);
    }
  });

  it('as the app takes them (no previewEvery), batches of at most 1/32 of the channels (at least 8), whatever the batch size', async () => {
    for (const fused of [true, false]) {
      const { frames, result } = await run(scoreCamPlusPlus(), 0, { fused, previews: true, batch: 64, every: null });
      const plain = await run(scoreCamPlusPlus(), 0, { fused, previews: false, batch: 64 });
      const n = result.forwardPasses;
      expect(n).toBeGreaterThan(16);
      expect(n).toBeLessThanOrEqual(24);
      // Up to 24 channels: batches of 8 (not one of 64), so three scoring runs, and frames only after 8 and 16 passes.
      expect(frames.at(-1)!.runsBefore).toBe(3);
      for (const f of frames.slice(1, -1)) expect([8, 16]).toContain(f.passes);
      expect(frames.at(-1)!.passes).toBe(n);
      expect(maxDiff(result.map, plain.result.map)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('fused and JS previews agree frame by frame (same order, same estimates)', async () => {
    const a = await run(scoreCamPlusPlus(), 2, { fused: true, previews: true });
    const b = await run(scoreCamPlusPlus(), 2, { fused: false, previews: true });
    expect(a.frames.map((f) => f.passes)).toEqual(b.frames.map((f) => f.passes));
    for (let i = 0; i < a.frames.length; i++) expect(maxDiff(a.frames[i].map, b.frames[i].map)).toBeLessThan(1e-4);
  });
});

describe('preview estimator', () => {
  const rand = mulberry32(3);
  const descriptors = Array.from({ length: 30 }, () => Float64Array.from({ length: 6 }, () => rand()));

  it('orders the channels by coverage: a permutation that starts at the largest mask mass', () => {
    const order = coverageOrder(descriptors);
    expect([...order].sort((a, b) => a - b)).toEqual([...descriptors.keys()]);
    const mass = descriptors.map((d) => d.reduce((a, v) => a + v, 0));
    expect(mass[order[0]]).toBe(Math.max(...mass));
    // Second: the descriptor farthest from the first.
    const dist = descriptors.map((d) => d.reduce((a, v, i) => a + (v - descriptors[order[0]][i]) ** 2, 0));
    expect(dist[order[1]]).toBe(Math.max(...dist));
  });

  it('gives 1 everywhere before any score, the known scores where known and the Gaussian-process mean elsewhere', () => {
    const est = new ScoreEstimator(descriptors, { noise: 0.01 });
    expect(Array.from(est.weights([], []))).toEqual(new Array(30).fill(1));
    const known = [0, 4, 7, 12, 20];
    const scores = [0.9, 0.2, 0.5, 0.7, 0.4];
    const w = est.weights(known, scores);
    known.forEach((p, i) => expect(w[p]).toBe(scores[i]));
    // Independent GP mean: m + k*ᵀ (K + σ²I)⁻¹ (s − m), with the inverse by Gauss-Jordan.
    const d2 = (a: Float64Array, b: Float64Array) => a.reduce((t, v, i) => t + (v - b[i]) ** 2, 0);
    const pairs: number[] = [];
    for (let i = 0; i < known.length; i++) for (let j = 0; j < i; j++) pairs.push(d2(descriptors[known[i]], descriptors[known[j]]));
    pairs.sort((a, b) => a - b);
    const ell2 = pairs[pairs.length >> 1];
    const k = (a: Float64Array, b: Float64Array) => Math.exp(-d2(a, b) / ell2);
    const n = known.length;
    const A = known.map((i, r) => [...known.map((j, c) => k(descriptors[i], descriptors[j]) + (r === c ? 0.01 : 0)), ...known.map((_, c) => (r === c ? 1 : 0))]);
    for (let c = 0; c < n; c++) {
      const p = A[c][c];
      A[c] = A[c].map((v) => v / p);
      for (let r = 0; r < n; r++) if (r !== c) { const f = A[r][c]; A[r] = A[r].map((v, j) => v - f * A[c][j]); }
    }
    const mean = scores.reduce((a, v) => a + v, 0) / n;
    const alpha = known.map((_, r) => known.reduce((t, __, c) => t + A[r][n + c] * (scores[c] - mean), 0));
    for (let u = 0; u < 30; u++) {
      if (known.includes(u)) continue;
      const want = mean + known.reduce((t, j, i) => t + alpha[i] * k(descriptors[u], descriptors[j]), 0);
      expect(w[u]).toBeCloseTo(want, 10);
    }
  });

  it('with probability scores, regresses their log-odds and maps the prediction back through the logistic function', () => {
    const known = [3, 9, 15, 22];
    const scores = [0.95, 0.05, 0.6, 0.999999];
    const plain = new ScoreEstimator(descriptors, { noise: 0.01 });
    const odds = new ScoreEstimator(descriptors, { noise: 0.01, logOdds: true });
    const clamp = (v: number) => Math.min(1 - 1e-4, Math.max(1e-4, v));
    // The same regression on z = log(p / (1 − p)) (clamped) gives, through 1 / (1 + e^−z), the log-odds estimate.
    const z = scores.map((v) => Math.log(clamp(v) / (1 - clamp(v))));
    const onZ = plain.weights(known, z);
    const w = odds.weights(known, scores);
    known.forEach((p, i) => expect(w[p]).toBe(scores[i]));
    for (let u = 0; u < 30; u++) {
      if (known.includes(u)) continue;
      expect(w[u]).toBeCloseTo(1 / (1 + Math.exp(-onZ[u])), 12);
      expect(w[u]).toBeGreaterThan(0);
      expect(w[u]).toBeLessThan(1);
    }
    // One score: every other channel gets that score back.
    expect(odds.weights([5], [0.8])[0]).toBeCloseTo(0.8, 12);
  });

  it('describes a channel by its mask at the layer resolution', () => {
    const acts = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
    const d = channelDescriptors(acts, [1], 4, (up, out) => up.forEach((v, i) => (out[i] = Math.tanh(v))));
    expect(Array.from(d[0])).toEqual([4, 5, 6, 7].map((v) => Math.fround(Math.tanh(v))));
  });
});

describe('fast approximations', () => {
  const model = withDeadChannels(randomTinyCnn(5, DIMS), [1]);
  const x = randomArray(3 * 6 * 8, mulberry32(8), 2);
  let classifier: Classifier;
  beforeAll(async () => {
    classifier = await Classifier.load(writeModel('tiny-approx', tinyCnnOnnx(model), sidecar));
  });
  afterAll(() => classifier.release());

  async function compute(method: CamMethod, target: number, fused: boolean) {
    const { logits, activations } = await classifier.forward(x, 1, true);
    return method.compute({ classifier, image: x, activations: activations!, logits, batchSize: 4, fused, target: { classIndex: target, score: 'prob' } });
  }

  /** The k non-skipped channels of largest Σ A² (ties: lower index), from the reference forward pass. */
  function topK(k: number, skip: (up: number[]) => boolean): Set<number> {
    const { acts } = tinyCnnForward(model, x);
    const cands = acts.map((p, c) => ({ c, e: p.reduce((a, v) => a + v * v, 0), skip: skip(upsampleRef(p, model.h, model.w, 6, 8)) })).filter((a) => !a.skip);
    return new Set(cands.sort((a, b) => b.e - a.e || a.c - b.c).slice(0, k).map((a) => a.c));
  }

  it('parse, are flagged approximate, say so in their names, and stay out of the method list', () => {
    for (const id of ['scorecam++@topk=32', 'scorecam@topk=64', 'scorecam++@noscore', 'scorecam++_sigmoid_logit@topk=5', 'scorecam@noscore']) {
      const m = createMethod(id);
      expect(m.id).toBe(id);
      expect(m.approximate).toBe(true);
      expect(m.displayName).toMatch(/approximate/);
      expect(m.withApproximation).toBeUndefined();
    }
    expect(createMethod('scorecam++@topk=32').settings).toMatchObject({ approximation: 'topk', topK: 32, gating: 'tanh' });
    expect(createMethod('scorecam++').approximate).toBeFalsy();
    expect(METHOD_IDS.some((id) => id.includes('@'))).toBe(false);
    expect(parseMethodList('all').some((m) => m.approximate)).toBe(false);
    expect(() => createMethod('gradcam@topk=3')).toThrow(/approximations/);
    expect(() => createMethod('scorecam++@topk=0')).toThrow(/positive/);
    expect(() => createMethod('scorecam++@fast')).toThrow(/Unknown approximation/);
    expect(() => createMethod('scorecam++@topk=3@noscore')).toThrow();
  });

  for (const fused of [true, false]) {
    it(`top-k scores only the k channels of largest activation energy (${fused ? 'fused' : 'JS'})`, async () => {
      for (const k of [1, 3, 10, 100]) for (const [id, ref] of [
        ['scorecam++', { mask: tanh, term: tanh, skip: isZero, score: 'prob' }],
        ['scorecam', { mask: minMaxRef, term: identity, skip: isConstant, score: 'prob' }],
      ] as [string, ScoreCamRefOptions][]) {
        const chosen = topK(k, ref.skip);
        const { acts } = tinyCnnForward(model, x);
        const planes = acts.map((p) => upsampleRef(p, model.h, model.w, 6, 8));
        const got = await compute(createMethod(`${id}@topk=${k}`), 2, fused);
        // Reference: the paper's method, skipping every channel outside the chosen set.
        const want = scoreCamRef(model, x, 2, { ...ref, skip: (up) => ref.skip(up) || !chosen.has(planes.findIndex((p) => p === up || p.every((v, i) => v === up[i]))) });
        expect(got.forwardPasses).toBe(Math.min(k, DIMS.C - 1));
        expect(want.passes).toBe(got.forwardPasses);
        expect(maxDiff(got.map, want.map)).toBeLessThan(1e-5);
      }
      // k at least the channel count: the exact method.
      const exact = await compute(createMethod('scorecam++'), 2, fused);
      expect(maxDiff((await compute(createMethod('scorecam++@topk=100'), 2, fused)).map, exact.map)).toBe(0);
    });

    it(`score-free weighs every channel 1 and runs no masked pass (${fused ? 'fused' : 'JS'})`, async () => {
      const got = await compute(createMethod('scorecam++@noscore'), 0, fused);
      expect(got.forwardPasses).toBe(0);
      expect(maxDiff(got.map, scoreFreeRef(model, x, tanh, isZero))).toBeLessThan(1e-5);
      const sc = await compute(createMethod('scorecam@noscore'), 0, fused);
      expect(maxDiff(sc.map, scoreFreeRef(model, x, identity, isConstant))).toBeLessThan(1e-5);
    });
  }
});
