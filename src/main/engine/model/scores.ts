/**
 * Class scores under the model's output semantics: the one place that turns a row of the model's class scores
 * into probabilities, so predictions, targets, ScoreCAM weights and every metric agree on what "probability" means.
 *
 * - softmax: p = softmax(l) over the classes (one class per image);
 * - sigmoid: p_c = σ(l_c), each class on its own (multi-label; single-logit binary models, whose logits are [−z, z]);
 * - probabilities: the row already is p; there is no logit.
 */
import { CamscopeError } from '../errors';
import type { OutputSemantics, ScoreVariant } from '../types';

/** σ(z) computed without overflow for large |z|. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Probabilities of one row of class scores, in float64 (softmax with the max subtracted). */
export function classProbabilities(row: ArrayLike<number>, offset: number, length: number, semantics: OutputSemantics): Float64Array {
  const p = new Float64Array(length);
  if (semantics === 'probabilities') {
    for (let i = 0; i < length; i++) p[i] = row[offset + i];
    return p;
  }
  if (semantics === 'sigmoid') {
    for (let i = 0; i < length; i++) p[i] = sigmoid(row[offset + i]);
    return p;
  }
  let max = -Infinity;
  for (let i = 0; i < length; i++) max = Math.max(max, row[offset + i]);
  let sum = 0;
  for (let i = 0; i < length; i++) sum += p[i] = Math.exp(row[offset + i] - max);
  for (let i = 0; i < length; i++) p[i] /= sum;
  return p;
}

/** One class's score as the chosen variant: its probability, or its logit (refused where the model has none). */
export function classScore(row: ArrayLike<number>, offset: number, length: number, classIndex: number, variant: ScoreVariant, semantics: OutputSemantics): number {
  if (variant === 'logit') {
    if (semantics === 'probabilities') throw noLogits();
    return row[offset + classIndex];
  }
  if (semantics === 'softmax') return classProbabilities(row, offset, length, semantics)[classIndex];
  return semantics === 'sigmoid' ? sigmoid(row[offset + classIndex]) : row[offset + classIndex];
}

export function noLogits(): CamscopeError {
  return new CamscopeError('INVALID_ARGUMENT', 'This model outputs probabilities only, so there is no logit to explain or score: use the probability score.');
}

/** Outputs declared as probabilities must look like them; anything else would be explained on a wrong scale. */
export function checkProbabilities(row: ArrayLike<number>, offset: number, length: number): void {
  for (let i = 0; i < length; i++) {
    const v = row[offset + i];
    if (!(v >= -1e-4 && v <= 1 + 1e-4)) {
      throw new CamscopeError('NUMERICAL_ERROR', `The model's output ${v} for class ${i} is not a probability, although its settings say "scores": "probabilities"; set "scores" to "softmax" or "sigmoid" in the model's settings file.`);
    }
  }
}

/** How the score variant is named in reports and the UI, e.g. "probability (softmax)". */
export function scoreName(variant: ScoreVariant, semantics: OutputSemantics): string {
  if (variant === 'logit') return semantics === 'sigmoid' ? 'logit (pre-sigmoid score)' : 'logit (pre-softmax score)';
  if (semantics === 'sigmoid') return 'probability (sigmoid, per class)';
  if (semantics === 'probabilities') return "probability (the model's own output)";
  return 'probability (softmax)';
}
