/**
 * ROAD, RemOve And Debias (Rong, Leemann, Borisov, Kasneci, Kasneci: "A Consistent and Efficient Evaluation
 * Strategy for Attribution Methods", ICML 2022). Pixels are removed in order of the map — MoRF: the most relevant
 * first, LeRF: the least relevant first — at 10 %, 20 %, …, 90 % of the image, and each removed pixel is replaced
 * by noisy linear imputation (./imputation.ts), which leaks far less of the removed region's shape to the model
 * than a constant baseline does. The score at each level is the model's probability of the explained class.
 *
 * The imputation works where the paper's code does it: on the normalised model input tensor (after mean/std), each
 * channel on its own with the same removed pixels.
 *
 *   road_morf = mean over the 9 levels of MoRF   (lower is better: removing what the map marks should hurt),
 *   road_lerf = mean over the 9 levels of LeRF   (higher is better: removing what it leaves out should not),
 *   road_combined = (road_lerf − road_morf) / 2  (higher is better).
 *
 * The noise is drawn from a seed (the run's seed, the image and the method), so a run repeats to the last digit.
 */
import { mulberry32 } from '../tensor/random';
import { saliencyOrder } from './deletion-insertion';
import { imputeLinear, ROAD_NOISE_STD } from './imputation';

/** Fractions of the pixels removed at each level. */
export const ROAD_FRACTIONS: readonly number[] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** Model passes ROAD costs per image and method: one per level, for MoRF and for LeRF. */
export const ROAD_PASSES = 2 * ROAD_FRACTIONS.length;

export type RoadOrder = 'morf' | 'lerf';

/** Probability of the explained class at each level of ROAD_FRACTIONS, in both orders. */
export interface RoadCurves {
  morf: number[];
  lerf: number[];
}

/**
 * The pixels removed at one level: the round(fraction · n) first of the map's order (decreasing value, ties by
 * position) for MoRF, the as many last ones for LeRF.
 */
export function roadRemoved(order: Uint32Array, fraction: number, direction: RoadOrder): Uint8Array {
  const n = order.length;
  const count = Math.round(fraction * n);
  const removed = new Uint8Array(n);
  for (let j = 0; j < count; j++) removed[order[direction === 'morf' ? j : n - 1 - j]] = 1;
  return removed;
}

/** FNV-1a over the parts, mixed with the seed: each image, method and level gets its own noise stream. */
export function roadSeed(seed: number, ...parts: string[]): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) h = Math.imul(h ^ part.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0xff, 0x01000193); // a separator, so ('ab', 'c') and ('a', 'bc') differ
  }
  return h >>> 0;
}

/** n draws from N(0, std²): Box–Muller over mulberry32(seed). */
export function gaussianNoise(n: number, std: number, seed: number): Float64Array {
  const u = mulberry32(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = std * Math.sqrt(-2 * Math.log(1 - u()));
    const t = 2 * Math.PI * u();
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

/**
 * The model input of one ROAD level: `image` (normalised CHW) with the level's pixels imputed, noise drawn from
 * `seed`. The noise has one value per channel and removed pixel (see imputeLinear).
 */
export function roadInput(
  image: Float32Array, channels: number, width: number, height: number, order: Uint32Array,
  fraction: number, direction: RoadOrder, seed: number,
): Float32Array {
  const removed = roadRemoved(order, fraction, direction);
  let count = 0;
  for (const r of removed) count += r;
  return imputeLinear(image, channels, width, height, removed, gaussianNoise(channels * count, ROAD_NOISE_STD, seed));
}

/** The levels of one image and map, MoRF then LeRF, each with the seed of its noise. */
export function roadLevels(map: Float32Array, seed: number): { order: Uint32Array; levels: { fraction: number; direction: RoadOrder; seed: number }[] } {
  const order = saliencyOrder(map);
  const levels = (['morf', 'lerf'] as const).flatMap((direction) =>
    ROAD_FRACTIONS.map((fraction, k) => ({ fraction, direction, seed: roadSeed(seed, direction, String(k)) })));
  return { order, levels };
}

const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

/** One image's ROAD numbers from its curves. */
export function roadScores(c: RoadCurves): { road_morf: number; road_lerf: number; road_combined: number } {
  const morf = mean(c.morf);
  const lerf = mean(c.lerf);
  return { road_morf: morf, road_lerf: lerf, road_combined: (lerf - morf) / 2 };
}

/** A method's ROAD columns over images: the per-image means averaged (null without any image). */
export function roadRow(curves: readonly RoadCurves[]): { road_morf: number | null; road_lerf: number | null; road_combined: number | null } {
  if (curves.length === 0) return { road_morf: null, road_lerf: null, road_combined: null };
  const morf = mean(curves.map((c) => mean(c.morf)));
  const lerf = mean(curves.map((c) => mean(c.lerf)));
  return { road_morf: morf, road_lerf: lerf, road_combined: (lerf - morf) / 2 };
}
