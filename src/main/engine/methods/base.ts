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
  /**
   * A contrastive explanation, "why classIndex, not versus": every method explains s(classIndex) − s(versus) with s
   * the score it explains today (gradient methods: its gradient; score methods: each masked pass's score).
   */
  versus?: number;
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
  /** ∂y_c/∂A_k for the target class's raw logit (∂(y_c − y_versus)/∂A_k for a contrast), when a method needs gradients (same layout as activations). */
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
  /**
   * Score-based methods: called with an estimate of the map before the first masked pass (`passes` 0), after every
   * batch of masked passes, and last with the exact map (`passes` = the method's forward passes; the same values
   * as the returned map). `ms`: milliseconds since the method started. Asking for previews changes the order the
   * channels are scored in, not the result. See preview.ts.
   */
  onPreview?: (p: PreviewFrame) => void;
  /** With onPreview: batches of masked passes also end at every multiple of this, so a preview falls there. */
  previewEvery?: number;
}

export interface PreviewFrame {
  /** Masked passes scored so far. */
  passes: number;
  /** Milliseconds since the method started. */
  ms: number;
  /** The estimated map, [H, W] in [0, 1] like CamMap.map. */
  map: Float32Array;
}

/** Fast approximations of the score-based methods; never one of the paper methods. */
export type Approximation =
  /** Score only the k kept channels of largest activation energy Σ A_k² (ties: lower channel index); drop the rest. */
  | { kind: 'topk'; k: number }
  /** No masked passes: every kept channel weighs 1, map = ReLU(Σ_k term(up_k)), min-max normalised. */
  | { kind: 'noscore' };

export interface CamMap {
  /** The explanation in the model's input frame, [H, W], values in [0, 1]. */
  map: Float32Array;
  width: number;
  height: number;
  /** True when the raw map was constant (max = min): the map is then all zeros and explains nothing. */
  flat: boolean;
  /** Forward passes this method ran (beyond the shared prediction pass). */
  forwardPasses: number;
  /**
   * Score-weighted methods (all but the score-free approximation): how far this map is from the score-free map
   * (every channel weight equal, the first preview), both min-max normalised.
   */
  scoreFree?: { maxAbsDiff: number; pearson: number };
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
  /** True for fast approximations (`…@topk=N`, `…@noscore`): not the paper's method; reports must say so. */
  approximate?: boolean;
  /** A reference, not an explanation (the random baseline): instant, shown for comparison, never ranked. */
  reference?: boolean;
  /** Score-weighted methods: the same method under an approximation (id `<id>@topk=N` or `<id>@noscore`). */
  withApproximation?(a: Approximation): CamMethod;
  compute(ctx: CamContext): Promise<CamMap>;
}

/**
 * Score of the target class from one row of the model's class scores, as the chosen variant and the model's
 * semantics; for a contrast, the target's score minus the versus class's.
 */
export function scoreOf(logits: ArrayLike<number>, offset: number, numClasses: number, target: Target, semantics: OutputSemantics): number {
  const s = classScore(logits, offset, numClasses, target.classIndex, target.score, semantics);
  return target.versus === undefined ? s : s - classScore(logits, offset, numClasses, target.versus, target.score, semantics);
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
