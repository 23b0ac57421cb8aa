/**
 * The shared pipeline of score-weighted CAMs (ScoreCAM and ScoreCAM++): for each channel k of the target layer,
 * upsample A_k to the input size (up_k), mask the input with mask(up_k), score the masked input with the model,
 * and add s_k · term(up_k) to the map. Channels whose term is identically zero are skipped: they cannot change
 * the map, so skipping their forward passes is exact.
 */
import { CamscopeError, throwIfCancelled } from '../errors';
import type { ChannelTransform } from '../onnx/fused-score';
import { bilinearResampler } from '../tensor/ops';
import { reluMinMax, scoreOf, type CamContext, type CamMap, type ScoreVariant } from './base';

export interface ScoreWeighting {
  /** Writes mask_k = mask(up_k) into `out` (same length as `up`). */
  mask(up: Float32Array, out: Float32Array): void;
  /** Writes the summed map term for channel k into `out`. */
  term(up: Float32Array, out: Float32Array): void;
  /** True when channel k's term is identically zero (or the method skips it by definition). */
  skip(activations: Float32Array, offset: number, length: number): boolean;
  score: ScoreVariant;
  /** Eq. 10 of the ScoreCAM++ paper: s_k = f(x · H_k) − f(x) instead of f(x · H_k). */
  subtractBaseline: boolean;
  /** The same mask and term, named for the fused graphs. */
  maskKind: ChannelTransform;
  termKind: ChannelTransform;
}

/** The fused path: per batch, only B·h·w activation values go in and B scores come out. */
async function fusedScoreWeightedCam(ctx: CamContext, w: ScoreWeighting, kept: number[]): Promise<CamMap> {
  const { classifier, activations, target } = ctx;
  const [, , h, wIn] = classifier.layer.shape;
  const [H, W] = classifier.profile.inputSize;
  const hw = h * wIn;
  const baseline = w.subtractBaseline ? scoreOf(ctx.logits, 0, classifier.numClasses, target, classifier.scores) : 0;
  const acts = new Float32Array(kept.length * hw);
  kept.forEach((k, i) => acts.set(activations.subarray(k * hw, (k + 1) * hw), i * hw));
  const weights = new Float32Array(kept.length);
  const batch = Math.max(1, ctx.batchSize);
  for (let start = 0; start < kept.length; start += batch) {
    throwIfCancelled(ctx.signal);
    const count = Math.min(batch, kept.length - start);
    const scores = await classifier.fusedScores(ctx.image, acts.subarray(start * hw, (start + count) * hw), count, target.classIndex, w.maskKind, target.score);
    for (let b = 0; b < count; b++) {
      const s = scores[b] - baseline;
      if (!Number.isFinite(s)) throw new CamscopeError('NUMERICAL_ERROR', `The model returned a non-finite score for channel ${kept[start + b]} of the masked input.`);
      weights[start + b] = s;
    }
    ctx.onProgress?.(start + count, kept.length);
  }
  throwIfCancelled(ctx.signal);
  const map = new Float32Array(H * W);
  if (kept.length === 0) return { map, width: W, height: H, flat: true, forwardPasses: 0 };
  const cam = await classifier.fusedCombine(acts, weights, kept.length, w.termKind);
  const flat = reluMinMax(cam, map);
  return { map, width: W, height: H, flat, forwardPasses: kept.length };
}

export async function scoreWeightedCam(ctx: CamContext, w: ScoreWeighting): Promise<CamMap> {
  const { classifier, image, activations, target } = ctx;
  const [, C, h, wIn] = classifier.layer.shape;
  const [H, W] = classifier.profile.inputSize;
  const plane = H * W;
  const channels = classifier.profile.channels;
  const numClasses = classifier.numClasses;
  const resampler = bilinearResampler(h, wIn, H, W);

  const kept: number[] = [];
  for (let k = 0; k < C; k++) if (!w.skip(activations, k * h * wIn, h * wIn)) kept.push(k);
  if (ctx.fused !== false && classifier.supportsFusedScoring) return fusedScoreWeightedCam(ctx, w, kept);

  const baseline = w.subtractBaseline ? scoreOf(ctx.logits, 0, numClasses, target, classifier.scores) : 0;
  const batch = Math.max(1, Math.min(ctx.batchSize, kept.length));
  // Two slots: JavaScript fills one batch of masked inputs while onnxruntime scores the other.
  const slots = [0, 1].map(() => ({ masked: new Float32Array(batch * channels * plane), terms: new Float32Array(batch * plane) }));
  const up = new Float32Array(plane);
  const mask = new Float32Array(plane);
  const sameGate = w.mask === w.term;
  const cam = new Float64Array(plane);

  const fill = (slot: (typeof slots)[number], start: number): number => {
    const count = Math.min(batch, kept.length - start);
    for (let b = 0; b < count; b++) {
      resampler.resize(activations, kept[start + b] * h * wIn, up);
      const term = slot.terms.subarray(b * plane, (b + 1) * plane);
      w.term(up, term);
      if (sameGate) mask.set(term);
      else w.mask(up, mask);
      const base = b * channels * plane;
      for (let c = 0; c < channels; c++) {
        const o = base + c * plane;
        const x = c * plane;
        for (let i = 0; i < plane; i++) slot.masked[o + i] = image[x + i] * mask[i];
      }
    }
    return count;
  };
  const score = (slot: (typeof slots)[number], count: number) =>
    classifier.forward(slot.masked.subarray(0, count * channels * plane), count, false);

  let start = 0;
  let s = 0;
  let count = kept.length ? fill(slots[0], 0) : 0;
  let pending = count ? score(slots[0], count) : null;
  while (pending) {
    const nextStart = start + count;
    const nextCount = nextStart < kept.length && !ctx.signal?.aborted ? fill(slots[s ^ 1], nextStart) : 0;
    const { logits } = await pending;
    throwIfCancelled(ctx.signal);
    pending = nextCount ? score(slots[s ^ 1], nextCount) : null;
    const terms = slots[s].terms;
    for (let b = 0; b < count; b++) {
      const sk = scoreOf(logits, b * numClasses, numClasses, target, classifier.scores) - baseline;
      if (!Number.isFinite(sk)) {
        throw new CamscopeError('NUMERICAL_ERROR', `The model returned a non-finite score for channel ${kept[start + b]} of the masked input.`);
      }
      const t = b * plane;
      for (let i = 0; i < plane; i++) cam[i] += sk * terms[t + i];
    }
    ctx.onProgress?.(start + count, kept.length);
    start = nextStart;
    count = nextCount;
    s ^= 1;
  }
  throwIfCancelled(ctx.signal);

  const map = new Float32Array(plane);
  const flat = reluMinMax(cam, map);
  return { map, width: W, height: H, flat, forwardPasses: kept.length };
}

/** A_k is all zeros. */
export function isZeroChannel(a: Float32Array, offset: number, length: number): boolean {
  for (let i = offset; i < offset + length; i++) if (a[i] !== 0) return false;
  return true;
}

/** A_k is constant (its upsampled map, and so its min-max mask, is then undefined). */
export function isConstantChannel(a: Float32Array, offset: number, length: number): boolean {
  const v = a[offset];
  for (let i = offset + 1; i < offset + length; i++) if (a[i] !== v) return false;
  return true;
}

/** mask = (up − min) / (max − min), Score-CAM's normalisation. Only called for non-constant channels. */
export function minMaxInto(up: Float32Array, out: Float32Array): void {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < up.length; i++) {
    if (up[i] < min) min = up[i];
    if (up[i] > max) max = up[i];
  }
  const range = max - min;
  for (let i = 0; i < up.length; i++) out[i] = (up[i] - min) / range;
}
