/**
 * The shared pipeline of gradient CAMs, with pytorch-grad-cam's semantics: a method turns the activations A and
 * the gradients G = ∂y_c/∂A (raw logit of class c) into a map at feature resolution; then ReLU, min-max
 * (x − min) / (1e-7 + max) at h×w, bilinear resize to the input (half-pixel centres), and min-max again at the
 * input resolution (resizing lowers the peak, so the second scaling matters by up to 6e-3).
 * A contrast "A, not B" (`target.versus`) changes only G: the backward pass is seeded +1 at A and −1 at B, so
 * G = ∂(y_A − y_B)/∂A, and every formula below runs on it unchanged.
 */
import { CamscopeError } from '../errors';
import { bilinearResampler } from '../tensor/ops';
import type { CamContext, CamMap, CamMethod } from './base';

/** Feature-resolution map from A and G, both [C, h·w]; writes into `cam` ([h·w], zeroed). */
export type FeatureMap = (A: Float32Array, G: Float32Array, C: number, hw: number, cam: Float64Array) => void;

/** pytorch-grad-cam's scale_cam_image: x − min, then / (1e-7 + max). */
function scaleInPlace(v: Float32Array | Float64Array): void {
  let min = Infinity;
  for (const x of v) if (x < min) min = x;
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) {
    v[i] -= min;
    if (v[i] > max) max = v[i];
  }
  for (let i = 0; i < v.length; i++) v[i] /= 1e-7 + max;
}

/** ReLU → scale → resize → scale, from a feature-resolution map to the input frame. */
export function finishGradientMap(cam: Float64Array, h: number, w: number, H: number, W: number): { map: Float32Array; flat: boolean } {
  const small = new Float32Array(h * w);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < cam.length; i++) {
    small[i] = cam[i] > 0 ? cam[i] : 0;
    min = Math.min(min, small[i]);
    max = Math.max(max, small[i]);
  }
  const map = new Float32Array(H * W);
  if (!(max > min)) return { map, flat: true };
  scaleInPlace(small);
  bilinearResampler(h, w, H, W).resize(small, 0, map);
  for (let i = 0; i < map.length; i++) if (map[i] < 0) map[i] = 0;
  scaleInPlace(map);
  return { map, flat: false };
}

export function gradientCam(ctx: CamContext, featureMap: FeatureMap): CamMap {
  if (!ctx.gradients) throw new CamscopeError('INVALID_ARGUMENT', 'This method needs gradients, but none were computed.');
  const [, C, h, w] = ctx.classifier.layer.shape;
  const [H, W] = ctx.classifier.profile.inputSize;
  const cam = new Float64Array(h * w);
  featureMap(ctx.activations, ctx.gradients, C, h * w, cam);
  for (const v of cam) {
    if (!Number.isFinite(v)) throw new CamscopeError('NUMERICAL_ERROR', 'The gradient map contains NaN or infinite values.');
  }
  const { map, flat } = finishGradientMap(cam, h, w, H, W);
  return { map, width: W, height: H, flat, forwardPasses: 0 };
}

/** cam = Σ_k w_k · A_k for per-channel weights. */
export function weightedSum(A: Float32Array, weights: Float64Array, C: number, hw: number, cam: Float64Array): void {
  for (let k = 0; k < C; k++) {
    const wk = weights[k];
    if (wk === 0) continue;
    const o = k * hw;
    for (let i = 0; i < hw; i++) cam[i] += wk * A[o + i];
  }
}

/** A gradient CAM from its descriptor and its feature-map formula: method modules hold only the formula. */
export function gradientMethod(d: { id: string; displayName: string; paper: string; featureMap: FeatureMap }): () => CamMethod {
  return () => ({
    id: d.id,
    displayName: d.displayName,
    paper: d.paper,
    needsGradients: true,
    settings: { score: 'logit' },
    compute: async (ctx) => gradientCam(ctx, d.featureMap),
  });
}
