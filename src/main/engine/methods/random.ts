/**
 * A random baseline: uniform random values at the explained layer's resolution (h × w), finished like the gradient
 * CAMs (ReLU, min-max, bilinear resize to the input, min-max). The generator (mulberry32) is seeded from the
 * method's seed and the image's content and target class, so the same image always gets the same map. Reports show
 * it as a reference: it is never counted in Win % nor marked best.
 */
import { finishGradientMap } from './gradient-based';
import type { CamMethod } from './base';
import { mulberry32 } from '../tensor/random';

export const RANDOM_METHOD_ID = 'random';

/** FNV-1a over the input's float32 bytes, the target class and the seed. */
export function randomMapSeed(image: Float32Array, classIndex: number, seed: number): number {
  const bytes = new Uint8Array(image.buffer, image.byteOffset, image.byteLength);
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  h = Math.imul(h ^ (classIndex >>> 0), 0x01000193);
  return h >>> 0;
}

export function randomMethod(seed = 0): CamMethod {
  return {
    id: RANDOM_METHOD_ID,
    displayName: 'Random',
    paper: 'Reference: uniform random map at the layer resolution (Adebayo et al., Sanity Checks for Saliency Maps, NeurIPS 2018)',
    needsGradients: false,
    reference: true,
    settings: { seed },
    compute: async (ctx) => {
      const [, , h, w] = ctx.classifier.layer.shape;
      const [H, W] = ctx.classifier.profile.inputSize;
      const next = mulberry32(randomMapSeed(ctx.image, ctx.target.classIndex, seed));
      const cam = Float64Array.from({ length: h * w }, () => next());
      const { map, flat } = finishGradientMap(cam, h, w, H, W);
      return { map, width: W, height: H, flat, forwardPasses: 0 };
    },
  };
}
