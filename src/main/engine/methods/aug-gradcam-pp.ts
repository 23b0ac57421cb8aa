/**
 * Augmented Grad-CAM++ (Morbidelli et al., "Augmented Grad-CAM: Heat-Maps Super Resolution Through
 * Augmentation", ICASSP 2020, applied to Grad-CAM++ as in the ScoreCAM++ paper's comparison). What camscope does:
 *  1. Draw `augmentations` random transforms with a seeded generator (the first is the identity): rotation in
 *     ±15°, translation in ±10 % of the size, scale in [0.9, 1.1], horizontal flip with probability ½, and a
 *     photometric change x ↦ a·x + b on the normalized input (a ∈ [0.9, 1.1], b ∈ ±0.1).
 *  2. Warp the normalized input with each transform (bilinear; outside the image = 0, the dataset mean colour).
 *  3. Run Grad-CAM++ on every augmented image (one batched gradient run) at feature resolution, with ReLU.
 *  4. Super-resolve by shift-and-add: upsample each low-resolution map to the input size, map it back into the
 *     original frame through the inverse transform, and average each pixel over the augmentations that saw it.
 *     (The paper solves a TV-regularised least-squares problem; shift-and-add is its unregularised solution for
 *     known sub-pixel shifts, and needs no solver.)
 *  5. ReLU and min-max to [0, 1].
 * A contrast (`target.versus`) differentiates y_A − y_B in step 3, with Grad-CAM++'s formula as gradcam-pp.ts says.
 */
import { CamscopeError, throwIfCancelled } from '../errors';
import { bilinearResampler } from '../tensor/ops';
import { mulberry32 } from '../tensor/random';
import type { CamMethod } from './base';
import { gradCamPlusPlusMap } from './gradcam-pp';

/** Maps output pixel (x, y) to the source position it samples: p_src = M·(p − c) + c + t. */
interface Affine {
  a: number; b: number; c: number; d: number; tx: number; ty: number;
  gain: number; bias: number;
}

/** The augmented image at q samples the original at inverse(q); returned here is that inverse map. */
function drawTransforms(n: number, seed: number, H: number, W: number): Affine[] {
  const rand = mulberry32(seed);
  const uniform = (lo: number, hi: number): number => lo + (hi - lo) * rand();
  const out: Affine[] = [{ a: 1, b: 0, c: 0, d: 1, tx: 0, ty: 0, gain: 1, bias: 0 }];
  for (let i = 1; i < n; i++) {
    const theta = (uniform(-15, 15) * Math.PI) / 180;
    const scale = uniform(0.9, 1.1);
    const flip = rand() < 0.5 ? -1 : 1;
    const cos = Math.cos(theta) / scale;
    const sin = Math.sin(theta) / scale;
    out.push({
      a: cos * flip, b: -sin, c: sin * flip, d: cos,
      tx: uniform(-0.1, 0.1) * W, ty: uniform(-0.1, 0.1) * H,
      gain: uniform(0.9, 1.1), bias: uniform(-0.1, 0.1),
    });
  }
  return out;
}

/** Inverse of the (linear part, translation) transform. */
function invert(t: Affine): Affine {
  const det = t.a * t.d - t.b * t.c;
  const a = t.d / det, b = -t.b / det, c = -t.c / det, d = t.a / det;
  return { a, b, c, d, tx: -(a * t.tx + b * t.ty), ty: -(c * t.tx + d * t.ty), gain: 1, bias: 0 };
}

/** Bilinear sample of a plane at (x, y) in pixel-centre coordinates; null outside the image. */
function sample(plane: Float32Array, offset: number, H: number, W: number, x: number, y: number): number | null {
  if (x < -0.5 || y < -0.5 || x > W - 0.5 || y > H - 0.5) return null;
  const xc = Math.min(Math.max(x, 0), W - 1);
  const yc = Math.min(Math.max(y, 0), H - 1);
  const x0 = Math.floor(xc), y0 = Math.floor(yc);
  const x1 = Math.min(x0 + 1, W - 1), y1 = Math.min(y0 + 1, H - 1);
  const fx = xc - x0, fy = yc - y0;
  const r0 = offset + y0 * W, r1 = offset + y1 * W;
  return (plane[r0 + x0] * (1 - fx) + plane[r0 + x1] * fx) * (1 - fy) + (plane[r1 + x0] * (1 - fx) + plane[r1 + x1] * fx) * fy;
}

/** Calls f(i, sx, sy) for each output pixel i with the source position it maps to under t. */
function forEachMapped(t: Affine, H: number, W: number, f: (i: number, sx: number, sy: number) => void): void {
  const cx = (W - 1) / 2, cy = (H - 1) / 2;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const dx = x - cx, dy = y - cy;
      f(y * W + x, t.a * dx + t.b * dy + cx + t.tx, t.c * dx + t.d * dy + cy + t.ty);
    }
  }
}

export interface AugGradCamOptions {
  augmentations?: number;
  seed?: number;
}

export function augGradCamPlusPlus(options: AugGradCamOptions = {}): CamMethod {
  const n = Math.max(1, Math.floor(options.augmentations ?? 16));
  const seed = options.seed ?? 0;
  return {
    id: 'auggradcam++',
    displayName: 'Augmented Grad-CAM++',
    paper: 'Morbidelli et al., Augmented Grad-CAM, ICASSP 2020',
    needsGradients: true,
    settings: { score: 'logit', augmentations: n, seed },
    async compute(ctx) {
      const { classifier, image } = ctx;
      const [H, W] = classifier.profile.inputSize;
      const channels = classifier.profile.channels;
      const [, C, h, w] = classifier.layer.shape;
      const plane = H * W;
      const transforms = drawTransforms(n, seed, H, W);

      // 2. augmented inputs
      const batch = new Float32Array(n * channels * plane);
      transforms.forEach((t, k) => {
        forEachMapped(t, H, W, (i, sx, sy) => {
          for (let ch = 0; ch < channels; ch++) {
            const v = sample(image, ch * plane, H, W, sx, sy);
            batch[(k * channels + ch) * plane + i] = v === null ? 0 : t.gain * v + t.bias;
          }
        });
      });

      // 3. Grad-CAM++ per augmentation (logit of the target class), in chunks of the batch size
      const up = new Float32Array(plane);
      const sum = new Float64Array(plane);
      const seen = new Uint16Array(plane);
      const resampler = bilinearResampler(h, w, H, W);
      const chunk = Math.max(1, ctx.batchSize);
      for (let start = 0; start < n; start += chunk) {
        throwIfCancelled(ctx.signal);
        const count = Math.min(chunk, n - start);
        const { classIndex, versus } = ctx.target;
        const images = batch.subarray(start * channels * plane, (start + count) * channels * plane);
        const run = await classifier.gradients(images, count, new Array(count).fill(classIndex), 'logit', versus === undefined ? undefined : new Array(count).fill(versus));
        for (let j = 0; j < count; j++) {
          const A = run.activations.subarray(j * C * h * w, (j + 1) * C * h * w);
          const G = run.gradients.subarray(j * C * h * w, (j + 1) * C * h * w);
          const cam = new Float64Array(h * w);
          gradCamPlusPlusMap(A, G, C, h * w, cam);
          const small = Float32Array.from(cam, (v) => (v > 0 ? v : 0));
          resampler.resize(small, 0, up);
          // 4. back into the original frame: original pixel p was seen at inverse(t)(p) in the augmented image
          forEachMapped(invert(transforms[start + j]), H, W, (i, sx, sy) => {
            const v = sample(up, 0, H, W, sx, sy);
            if (v !== null) {
              sum[i] += v;
              seen[i]++;
            }
          });
        }
        ctx.onProgress?.(start + count, n);
      }
      // 5. average, ReLU, min-max
      const map = new Float32Array(plane);
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < plane; i++) {
        const v = seen[i] ? Math.max(0, sum[i] / seen[i]) : 0;
        if (!Number.isFinite(v)) throw new CamscopeError('NUMERICAL_ERROR', 'The augmented gradient maps contain NaN or infinite values.');
        map[i] = v;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      if (!(max > min)) return { map: map.fill(0), width: W, height: H, flat: true, forwardPasses: n };
      for (let i = 0; i < plane; i++) map[i] = (map[i] - min) / (max - min);
      return { map, width: W, height: H, flat: false, forwardPasses: n };
    },
  };
}
