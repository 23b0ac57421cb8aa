/**
 * The shared pipeline of score-weighted CAMs (ScoreCAM and ScoreCAM++): for each channel k of the target layer,
 * upsample A_k to the input size (up_k), mask the input with mask(up_k), score the masked input with the model,
 * and add s_k · term(up_k) to the map. Channels whose term is identically zero are skipped: they cannot change
 * the map, so skipping their forward passes is exact.
 *
 * With `ctx.onPreview` the channels are scored in coverage order and an estimate of the map is reported before the
 * first masked pass and after every batch (preview.ts); the exact map is combined as without previews (the fused
 * path: the same combine run over the channels in their natural order; the JS path: the same float64 sum, in
 * scoring order), so previews change when each score is known, not the result.
 * Approximations (`approximation`): top-k channels by activation energy, or no scores at all (every weight 1).
 * Every map but the score-free one records its distance from the score-free map (`CamMap.scoreFree`).
 * A contrast (`target.versus`) scores each masked input as s_target − s_versus, the baseline likewise (scoreOf).
 */
import { CamscopeError, throwIfCancelled } from '../errors';
import type { ChannelTransform } from '../onnx/fused-score';
import { bilinearResampler } from '../tensor/ops';
import { reluMinMax, scoreOf, type Approximation, type CamContext, type CamMap, type ScoreVariant } from './base';
import { channelDescriptors, coverageOrder, ScoreEstimator } from './preview';

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
  /** A fast approximation instead of the method itself. */
  approximation?: Approximation;
}

/** Σ A_k² over the layer's grid: the activation energy that ranks channels for top-k. */
export function activationEnergy(a: Float32Array, offset: number, length: number): number {
  let e = 0;
  for (let i = offset; i < offset + length; i++) e += a[i] * a[i];
  return e;
}

/** The k kept channels of largest activation energy (ties: lower index), in channel order; all when k ≥ their count. */
export function topKChannels(kept: readonly number[], activations: Float32Array, hw: number, k: number): number[] {
  if (k >= kept.length) return [...kept];
  const energy = new Map(kept.map((c) => [c, activationEnergy(activations, c * hw, hw)]));
  return [...kept].sort((a, b) => energy.get(b)! - energy.get(a)! || a - b).slice(0, k).sort((a, b) => a - b);
}

type RawMap = Float32Array | Float64Array;

/** Min-max normalised maps: largest absolute difference and Pearson correlation. */
export function compareMaps(a: ArrayLike<number>, b: ArrayLike<number>): { maxAbsDiff: number; pearson: number } {
  let max = 0;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < a.length; i++) {
    max = Math.max(max, Math.abs(a[i] - b[i]));
    ma += a[i];
    mb += b[i];
  }
  ma /= a.length;
  mb /= b.length;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return { maxAbsDiff: max, pearson: saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : saa === sbb ? 1 : 0 };
}

/**
 * A frame leaves a channel's weight as it was while the new estimate differs from it by less than this fraction of
 * the largest weight (after the common rescaling, see `rescale`): on the shared ResNet-18 this left the number of
 * passes before the preview is within 0.01 of the exact map unchanged (median over 20 photos, scored 16 at a time)
 * and cut the channels re-combined per frame by about half.
 */
const LAZY_UPDATE = 0.01;

/**
 * Progressive estimates for one run: descriptors, scoring order and the regression (preview.ts). The preview's raw
 * map Σ_k applied_k · term(up_k) is kept between frames; a frame adds `addTerms(positions, deltas)` =
 * Σ_i deltas_i · term(up_{kept[positions_i]}) for the channels whose weight changed by more than LAZY_UPDATE, so
 * a frame costs a fraction of a full combine; the preview is the estimator's map up to that tolerance.
 */
class Previewer {
  readonly order: number[];
  private readonly estimator: ScoreEstimator;
  private readonly known: number[] = [];
  private readonly scores: number[] = [];
  /** The weight each channel has in `raw` (0: not in it yet). */
  private readonly applied: Float64Array;
  private raw: Float64Array | null = null;
  private scoreFree: Float32Array | null = null;
  /** Milliseconds spent making previews. */
  private spent = 0;

  constructor(
    private readonly ctx: CamContext,
    private readonly t0: number,
    activations: Float32Array,
    kept: readonly number[],
    hw: number,
    weighting: ScoreWeighting,
    private readonly addTerms: (positions: readonly number[], deltas: Float64Array) => Promise<RawMap>,
  ) {
    const descriptors = channelDescriptors(activations, kept, hw, weighting.mask);
    this.order = coverageOrder(descriptors);
    this.applied = new Float64Array(kept.length);
    // Probabilities without Eq. 10's baseline lie in (0, 1): regressed as log-odds (preview.ts). A contrast's
    // difference of two probabilities lies in (−1, 1) and is regressed as it is.
    const probability = weighting.score === 'prob' && !weighting.subtractBaseline && ctx.target.versus === undefined;
    this.estimator = new ScoreEstimator(descriptors, { logOdds: probability });
  }

  /** Records the score of the channel at kept position `position`. */
  add(position: number, score: number): void {
    this.known.push(position);
    this.scores.push(score);
  }

  /**
   * Makes and reports a frame. Without `ctx.previewEvery` (the app) a frame is skipped while the frames after the
   * first have taken over a tenth of max(elapsed time, a quarter of the projected run time), so by the end they
   * have slowed the exact map by at most about 10 % (plus one frame). The quarter lets the first frames, which
   * re-combine nearly every channel and are the ones a user flipping through images sees, come after every batch;
   * counting only the elapsed time skipped every other one of them. The first frame (the score-free map, before
   * any masked pass) is never skipped and not counted.
   */
  async emit(): Promise<void> {
    const start = performance.now();
    const first = this.known.length === 0;
    const elapsed = start - this.t0;
    const projected = first ? elapsed : (elapsed * this.applied.length) / this.known.length;
    if (!first && !this.ctx.previewEvery && this.spent > 0.1 * Math.max(elapsed, 0.25 * projected)) return;
    await this.frame();
    if (!first) this.spent += performance.now() - start;
  }

  private async frame(): Promise<void> {
    const estimate = this.estimator.weights(this.known, this.scores);
    if (this.raw) this.rescale(estimate);
    let largest = 0;
    for (const v of estimate) largest = Math.max(largest, Math.abs(v));
    const positions: number[] = [];
    const deltas: number[] = [];
    estimate.forEach((v, p) => {
      const d = v - this.applied[p];
      if (d !== 0 && (Math.abs(d) > LAZY_UPDATE * largest || !this.raw)) {
        positions.push(p);
        deltas.push(d);
        this.applied[p] = v;
      }
    });
    const added = positions.length ? await this.addTerms(positions, Float64Array.from(deltas)) : null;
    if (!this.raw) this.raw = added ? Float64Array.from(added) : new Float64Array(0);
    else if (added) for (let i = 0; i < added.length; i++) this.raw[i] += added[i];
    const raw = this.raw;
    const map = new Float32Array(raw.length);
    reluMinMax(raw, map);
    if (this.known.length === 0) this.scoreFree = map;
    this.ctx.onPreview!({ passes: this.known.length, ms: performance.now() - this.t0, map });
  }

  /**
   * Scales the kept raw map (and the applied weights) by the f > 0 that best fits the applied weights to `estimate`
   * (least squares). A min-max normalised ReLU map does not change under a positive scale, so this is free for the
   * preview and spares the update of every channel whose weight only followed the common level: after the first
   * batch every weight moves from 1 (the score-free frame) to about the mean score.
   */
  private rescale(estimate: Float64Array): void {
    let num = 0;
    let den = 0;
    estimate.forEach((v, p) => {
      num += v * this.applied[p];
      den += this.applied[p] * this.applied[p];
    });
    const f = num / den;
    if (!(f > 0) || !Number.isFinite(f) || f === 1) return;
    for (let p = 0; p < this.applied.length; p++) this.applied[p] *= f;
    const raw = this.raw!;
    for (let i = 0; i < raw.length; i++) raw[i] *= f;
  }

  /** The last frame: the exact map itself. Returns how far it is from the score-free first frame. */
  finish(result: CamMap): CamMap {
    this.ctx.onPreview!({ passes: result.forwardPasses, ms: performance.now() - this.t0, map: result.map.slice() });
    return this.scoreFree ? { ...result, scoreFree: compareMaps(result.map, this.scoreFree) } : result;
  }
}

/**
 * Passes per batch: the context's batch size; on CPU with previews as the app takes them (no `previewEvery`), at
 * most 1/32 of the channels (at least 8), so a frame can follow every ~3 % of the work (on CPU a pass costs the same
 * in batches of 8 to 64: ResNet-18, 24.4–25.1 ms). GPUs keep their batch size: a whole map takes a fraction of a
 * second there, and smaller batches were not measured on one.
 */
function scoringBatch(ctx: CamContext, channels: number): number {
  const batch = Math.max(1, ctx.batchSize);
  const fineFrames = ctx.onPreview && !ctx.previewEvery && ctx.classifier.provider === 'cpu';
  return fineFrames ? Math.min(batch, Math.max(8, Math.ceil(channels / 32))) : batch;
}

/** Batch boundaries: at most `batch` passes, and with `every` set, ending at each multiple of it. */
function batchCount(start: number, total: number, batch: number, every: number | undefined): number {
  const n = Math.min(batch, total - start);
  return every && every > 0 ? Math.min(n, every - (start % every)) : n;
}

/**
 * The exact map's distance from the score-free map (`raw`: Σ term(up_k), every weight 1, over the same channels):
 * users see how much the masked passes changed their model's map. Costs one combine, no model pass.
 */
function withScoreFree(result: CamMap, raw: RawMap): CamMap {
  const free = new Float32Array(raw.length);
  reluMinMax(raw, free);
  return { ...result, scoreFree: compareMaps(result.map, free) };
}

/** Min-max normalised result of a raw map. */
function finalMap(cam: RawMap, W: number, H: number, passes: number): CamMap {
  const map = new Float32Array(W * H);
  const flat = reluMinMax(cam, map);
  return { map, width: W, height: H, flat, forwardPasses: passes };
}

/** The fused path: per batch, only B·h·w activation values go in and B scores come out. */
async function fusedScoreWeightedCam(ctx: CamContext, w: ScoreWeighting, kept: number[], t0: number): Promise<CamMap> {
  const { classifier, activations, target } = ctx;
  const [, , h, wIn] = classifier.layer.shape;
  const [H, W] = classifier.profile.inputSize;
  const hw = h * wIn;
  const baseline = w.subtractBaseline ? scoreOf(ctx.logits, 0, classifier.numClasses, target, classifier.scores) : 0;
  const acts = new Float32Array(kept.length * hw);
  kept.forEach((k, i) => acts.set(activations.subarray(k * hw, (k + 1) * hw), i * hw));
  const weights = new Float32Array(kept.length);
  if (kept.length === 0) return finalMap(new Float32Array(H * W), W, H, 0);
  const scoreFreeRaw = () => classifier.fusedCombine(acts, new Float32Array(kept.length).fill(1), kept.length, w.termKind);
  if (w.approximation?.kind === 'noscore') return finalMap(await scoreFreeRaw(), W, H, 0);

  const previewer = ctx.onPreview
    ? new Previewer(ctx, t0, activations, kept, hw, w, (positions, deltas) => {
        const some = new Float32Array(positions.length * hw);
        positions.forEach((p, i) => some.set(acts.subarray(p * hw, (p + 1) * hw), i * hw));
        return classifier.fusedCombine(some, Float32Array.from(deltas), positions.length, w.termKind);
      })
    : null;
  // Scoring order: coverage order with previews, else the channels' own order; scores land at their channel's position.
  const order = previewer?.order ?? kept.map((_, i) => i);
  const scoring = previewer ? new Float32Array(kept.length * hw) : acts;
  if (previewer) order.forEach((p, i) => scoring.set(acts.subarray(p * hw, (p + 1) * hw), i * hw));
  if (previewer) await previewer.emit();
  const batch = scoringBatch(ctx, kept.length);
  // One batch at a time: onnxruntime runs one session run after another, so a frame's combine started while the
  // next batch scores would wait for it (measured), and the frame would come a batch later.
  for (let start = 0; start < kept.length; ) {
    throwIfCancelled(ctx.signal);
    const count = batchCount(start, kept.length, batch, ctx.onPreview ? ctx.previewEvery : undefined);
    const scores = await classifier.fusedScores(ctx.image, scoring.subarray(start * hw, (start + count) * hw), count, target.classIndex, w.maskKind, target.score, target.versus);
    for (let b = 0; b < count; b++) {
      const s = scores[b] - baseline;
      const p = order[start + b];
      if (!Number.isFinite(s)) throw new CamscopeError('NUMERICAL_ERROR', `The model returned a non-finite score for channel ${kept[p]} of the masked input.`);
      weights[p] = s;
      previewer?.add(p, s);
    }
    start += count;
    ctx.onProgress?.(start, kept.length);
    if (previewer && start < kept.length) {
      throwIfCancelled(ctx.signal);
      await previewer.emit();
    }
  }
  throwIfCancelled(ctx.signal);
  const result = finalMap(await classifier.fusedCombine(acts, weights, kept.length, w.termKind), W, H, kept.length);
  return previewer ? previewer.finish(result) : withScoreFree(result, await scoreFreeRaw());
}

export async function scoreWeightedCam(ctx: CamContext, w: ScoreWeighting): Promise<CamMap> {
  const t0 = performance.now();
  const { classifier, image, activations, target } = ctx;
  const [, C, h, wIn] = classifier.layer.shape;
  const [H, W] = classifier.profile.inputSize;
  const plane = H * W;
  const hw = h * wIn;
  const channels = classifier.profile.channels;
  const numClasses = classifier.numClasses;
  const resampler = bilinearResampler(h, wIn, H, W);

  let kept: number[] = [];
  for (let k = 0; k < C; k++) if (!w.skip(activations, k * hw, hw)) kept.push(k);
  if (w.approximation?.kind === 'topk') kept = topKChannels(kept, activations, hw, w.approximation.k);
  if (ctx.fused !== false && classifier.supportsFusedScoring) return fusedScoreWeightedCam(ctx, w, kept, t0);

  const up = new Float32Array(plane);
  const termOf = (k: number, out: Float32Array): void => {
    resampler.resize(activations, k * hw, up);
    w.term(up, out);
  };
  const scoreFreeRaw = (): Float64Array => {
    const cam = new Float64Array(plane);
    const term = new Float32Array(plane);
    for (const k of kept) {
      termOf(k, term);
      for (let i = 0; i < plane; i++) cam[i] += term[i];
    }
    return cam;
  };
  if (w.approximation?.kind === 'noscore') return finalMap(scoreFreeRaw(), W, H, 0);

  const baseline = w.subtractBaseline ? scoreOf(ctx.logits, 0, numClasses, target, classifier.scores) : 0;
  const batch = Math.max(1, Math.min(scoringBatch(ctx, kept.length), kept.length));
  // Two slots: JavaScript fills one batch of masked inputs while onnxruntime scores the other.
  const slots = [0, 1].map(() => ({ masked: new Float32Array(batch * channels * plane), terms: new Float32Array(batch * plane) }));
  const mask = new Float32Array(plane);
  const sameGate = w.mask === w.term;
  const cam = new Float64Array(plane);

  const previewTerm = new Float32Array(plane);
  const previewer = ctx.onPreview
    ? new Previewer(ctx, t0, activations, kept, hw, w, async (positions, deltas) => {
        const out = new Float64Array(plane);
        positions.forEach((p, j) => {
          termOf(kept[p], previewTerm);
          for (let i = 0; i < plane; i++) out[i] += deltas[j] * previewTerm[i];
        });
        return out;
      })
    : null;
  const order = previewer?.order ?? kept.map((_, i) => i);
  const every = ctx.onPreview ? ctx.previewEvery : undefined;
  if (previewer) await previewer.emit();

  const fill = (slot: (typeof slots)[number], start: number): number => {
    const count = batchCount(start, kept.length, batch, every);
    for (let b = 0; b < count; b++) {
      resampler.resize(activations, kept[order[start + b]] * hw, up);
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
      const p = order[start + b];
      const sk = scoreOf(logits, b * numClasses, numClasses, target, classifier.scores) - baseline;
      if (!Number.isFinite(sk)) {
        throw new CamscopeError('NUMERICAL_ERROR', `The model returned a non-finite score for channel ${kept[p]} of the masked input.`);
      }
      const t = b * plane;
      for (let i = 0; i < plane; i++) cam[i] += sk * terms[t + i];
      previewer?.add(p, sk);
    }
    ctx.onProgress?.(start + count, kept.length);
    if (previewer && nextStart < kept.length) await previewer.emit();
    start = nextStart;
    count = nextCount;
    s ^= 1;
  }
  throwIfCancelled(ctx.signal);

  const result = finalMap(cam, W, H, kept.length);
  if (previewer) return previewer.finish(result);
  return kept.length ? withScoreFree(result, scoreFreeRaw()) : result;
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
