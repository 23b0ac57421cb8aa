/**
 * The shared shape of every explanation method: a descriptor (what it is, what it needs) and a compute function
 * over one image's context. The pipeline (prediction, activations, target choice, writing maps) lives outside.
 */
import type { Classifier } from '../model/classifier';
import { classScore } from '../model/scores';
import type { OutputSemantics, ScoreVariant } from '../types';

export type { ScoreVariant } from '../types';
export const SCORE_VARIANTS: readonly ScoreVariant[] = ['prob', 'logit'];

export interface Target {
  classIndex: number;
  score: ScoreVariant;
}

/** Everything a method may use for one image. */
export interface CamContext {
  classifier: Classifier;
  /** The normalized input x, CHW. */
  image: Float32Array;
  /** A_k: the target layer's activations for this image, [C, h, w]. */
  activations: Float32Array;
  /** f(x): logits of the unmodified input. */
  logits: Float32Array;
  /** ∂y_c/∂A_k for the target class's raw logit, when a method needs gradients (same layout as activations). */
  gradients?: Float32Array | null;
  target: Target;
  /** Forward passes per onnxruntime run for methods that score masked inputs. */
  batchSize: number;
  /**
   * Score-based methods: run upsampling, masking and the weighted sum inside onnxruntime (the fused graphs) when the
   * model allows it (default), or in JavaScript (false; the reference path, also used for fixed-batch models).
   */
  fused?: boolean;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface CamMap {
  /** The explanation in the model's input frame, [H, W], values in [0, 1]. */
  map: Float32Array;
  width: number;
  height: number;
  /** True when the raw map was constant (max = min): the map is then all zeros and explains nothing. */
  flat: boolean;
  /** Forward passes this method ran (beyond the shared prediction pass). */
  forwardPasses: number;
}

export interface CamMethod {
  /** Name on the CLI, in files and reports, e.g. `scorecam++`. */
  id: string;
  displayName: string;
  /** Citation of the method's paper. */
  paper: string;
  needsGradients: boolean;
  /** Options this instance runs with, recorded in results for provenance. */
  settings: Record<string, string | number | boolean>;
  compute(ctx: CamContext): Promise<CamMap>;
}

/** Score of the target class from one row of the model's class scores, as the chosen variant and the model's semantics. */
export function scoreOf(logits: ArrayLike<number>, offset: number, numClasses: number, target: Target, semantics: OutputSemantics): number {
  return classScore(logits, offset, numClasses, target.classIndex, target.score, semantics);
}

/** ReLU then min-max to [0, 1] in place; reports a constant map as flat (all zeros) instead of dividing by zero. */
export function reluMinMax(cam: Float64Array | Float32Array, out: Float32Array): boolean {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < cam.length; i++) {
    const v = cam[i] > 0 ? cam[i] : 0;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max > min)) {
    out.fill(0);
    return true;
  }
  const range = max - min;
  for (let i = 0; i < cam.length; i++) out[i] = ((cam[i] > 0 ? cam[i] : 0) - min) / range;
  return false;
}
