/**
 * The explanation pipeline shared by the CLI, the app's worker and the evaluation runner: prepare images, predict,
 * pick the target class, run each method. Results stream out image by image, so nothing piles up in memory and a
 * bad image costs only itself.
 */
import { CamscopeError, errorMessage, isCamscopeError, throwIfCancelled, type CamscopeErrorCode } from './errors';
import { prepareImage, type PreparedImage } from './image/preprocess';
import type { CamMap, CamMethod, PreviewFrame, ScoreVariant } from './methods/base';
import type { Classifier } from './model/classifier';
import { checkProbabilities, classProbabilities, noLogits } from './model/scores';
import type { OutputSemantics, Prediction } from './types';

/** 'predicted' explains the top class; a number explains that class index; a contrast, one class versus another. */
export type ClassChoice = 'predicted' | number | ContrastChoice;

/** "Why classIndex, not versus": every method explains s(classIndex) − s(versus) (see Target.versus). */
export interface ContrastChoice {
  classIndex: number;
  versus: number;
}

/** A class as an explanation records it: index, name, and its scores on the unmodified image. */
export interface ExplainedClass {
  classIndex: number;
  className: string;
  probability: number;
  /** NaN for models that output probabilities only. */
  logit: number;
}

export interface ExplainProgress {
  imageIndex: number;
  imageCount: number;
  file: string;
  method: string;
  /** Work units done / total within this method on this image (forward-pass batches for score methods). */
  done: number;
  total: number;
}

export interface ExplainOptions {
  methods: CamMethod[];
  classChoice?: ClassChoice;
  /** Images per prediction batch and forward passes per run for score methods (default: chosen from the model's size and free memory). */
  batchSize?: number;
  topK?: number;
  maxPixels?: number;
  signal?: AbortSignal;
  onProgress?: (p: ExplainProgress) => void;
  /** Score-weighted methods: progressive estimates of each map, ending with the exact map (see CamContext.onPreview). */
  onPreview?: (p: { imageIndex: number; file: string; method: string; frame: PreviewFrame }) => void;
  /** With onPreview: also end a batch of masked passes at every multiple of this many passes. */
  previewEvery?: number;
}

export interface MethodOutcome {
  method: string;
  settings: Record<string, string | number | boolean>;
  result: CamMap;
  timeMs: number;
}

export type ImageExplanation =
  | {
      ok: true;
      file: string;
      image: PreparedImage;
      predictions: Prediction[];
      logits: Float32Array;
      /** The explained class; for a contrast, also the class it was explained against (`versus`). */
      target: ExplainedClass & { versus?: ExplainedClass };
      /** Multi-label (sigmoid) models: the classes at or over the threshold, most probable first. */
      predictedSet?: number[];
      maps: MethodOutcome[];
      /** Methods that could not run on this image (e.g. gradient methods on a model with an operator camscope cannot differentiate). */
      methodErrors?: { method: string; message: string }[];
    }
  | { ok: false; file: string; error: { code: CamscopeErrorCode | 'INTERNAL'; message: string } };

/** The k most probable classes of one row of class scores, with probabilities under the model's output semantics. */
export function topPredictions(logits: Float32Array, offset: number, classes: string[], k: number, semantics: OutputSemantics): Prediction[] {
  if (semantics === 'probabilities') checkProbabilities(logits, offset, classes.length);
  const probs = classProbabilities(logits, offset, classes.length, semantics);
  return [...probs.keys()]
    .sort((a, b) => probs[b] - probs[a] || a - b)
    .slice(0, k)
    .map((i) => ({ classIndex: i, className: classes[i], probability: probs[i], logit: semantics === 'probabilities' ? NaN : logits[offset + i] }));
}

/** Multi-label (sigmoid) models: every class whose probability reaches the threshold, most probable first. */
export function predictedSet(logits: Float32Array, offset: number, numClasses: number, threshold: number): number[] {
  const probs = classProbabilities(logits, offset, numClasses, 'sigmoid');
  return [...probs.keys()].filter((i) => probs[i] >= threshold).sort((a, b) => probs[b] - probs[a] || a - b);
}

function checkClassIndex(index: number, numClasses: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= numClasses) {
    throw new CamscopeError('CLASS_OUT_OF_RANGE', `Class ${index} does not exist: this model has classes 0 to ${numClasses - 1}.`);
  }
}

export function checkClassChoice(choice: ClassChoice, numClasses: number): void {
  if (choice === 'predicted') return;
  if (typeof choice === 'number') return checkClassIndex(choice, numClasses);
  checkClassIndex(choice.classIndex, numClasses);
  checkClassIndex(choice.versus, numClasses);
  if (choice.versus === choice.classIndex) {
    throw new CamscopeError('INVALID_ARGUMENT', `Class ${choice.classIndex} cannot be explained versus itself: choose two different classes.`);
  }
}

function failure(file: string, e: unknown): ImageExplanation {
  if (isCamscopeError(e)) return { ok: false, file, error: { code: e.code, message: e.message } };
  return { ok: false, file, error: { code: 'INTERNAL', message: errorMessage(e) } };
}

export async function* explainImages(classifier: Classifier, files: string[], options: ExplainOptions): AsyncGenerator<ImageExplanation> {
  const choice = options.classChoice ?? 'predicted';
  checkClassChoice(choice, classifier.numClasses);
  const classChoice = typeof choice === 'object' ? choice.classIndex : choice;
  const versus = typeof choice === 'object' ? choice.versus : undefined;
  const semantics = classifier.scores;
  if (semantics === 'probabilities' && options.methods.some((m) => !m.needsGradients && m.settings.score === 'logit')) throw noLogits();
  // Gradient methods differentiate the raw logit (pytorch-grad-cam's target); a model without logits, its probability.
  const gradientScore = semantics === 'probabilities' ? 'prob' : 'logit';
  const batchSize = Math.max(1, options.batchSize ?? classifier.suggestedBatchSize());
  const { classes } = classifier.profile;
  const K = classifier.numClasses;
  const per = classifier.imageSize;
  const actPer = classifier.activationSize;
  let gradientError: string | null = null;

  const prepareGroup = (start: number) =>
    Promise.all(
      files.slice(start, start + batchSize).map((f) =>
        prepareImage(f, classifier.profile, options.maxPixels).then((image) => ({ image }), (error: unknown) => ({ error }))),
    );
  // Decoding runs one group ahead (sharp works on its own threads) while the current group is being explained.
  let next = files.length ? prepareGroup(0) : null;
  for (let start = 0; start < files.length; start += batchSize) {
    throwIfCancelled(options.signal);
    const group = files.slice(start, start + batchSize);
    const prepared = await next!;
    next = start + batchSize < files.length ? prepareGroup(start + batchSize) : null;
    const good = prepared.flatMap((p, i) => ('image' in p ? [{ file: group[i], image: p.image }] : []));
    const input = new Float32Array(good.length * per);
    good.forEach((g, i) => input.set(g.image.tensor, i * per));
    // With gradient methods, one run through the backward graph returns logits, activations and gradients.
    // A model the backward graph cannot differentiate still gets its score-based maps; gradient methods then
    // report why they could not run (once per image) instead of failing the whole job.
    const needsGradients = !gradientError && options.methods.some((m) => m.needsGradients);
    const targets = good.map(() => (classChoice === 'predicted' ? -1 : classChoice));
    let run: { logits: Float32Array; activations: Float32Array | null; gradients: Float32Array | null; classes: number[] | null } = {
      logits: new Float32Array(0), activations: new Float32Array(0), gradients: null, classes: [],
    };
    if (good.length && needsGradients) {
      try {
        run = await classifier.gradients(input, good.length, targets, gradientScore, versus === undefined ? undefined : good.map(() => versus));
      } catch (e) {
        if (!isCamscopeError(e) || e.code !== 'UNSUPPORTED_MODEL') throw e;
        gradientError = e.message;
      }
    }
    if (good.length && (!needsGradients || gradientError)) {
      run = { ...(await classifier.forward(input, good.length, true)), gradients: null, classes: null };
    }
    const { logits, activations } = run;

    let g = 0;
    for (let i = 0; i < group.length; i++) {
      const p = prepared[i];
      if ('error' in p) {
        yield failure(group[i], p.error);
        continue;
      }
      const index = g++;
      const rowLogits = logits.slice(index * K, (index + 1) * K);
      const acts = activations!.subarray(index * actPer, (index + 1) * actPer);
      const grads = run.gradients ? run.gradients.subarray(index * actPer, (index + 1) * actPer) : null;
      try {
        if (rowLogits.some((v) => !Number.isFinite(v)) || acts.some((v) => !Number.isFinite(v))) {
          throw new CamscopeError('NUMERICAL_ERROR', 'The model produced NaN or infinite values for this image.');
        }
        const predictions = topPredictions(rowLogits, 0, classes, Math.min(options.topK ?? 5, K), semantics);
        // The backward graph picks the predicted class itself; use its choice so maps and gradients agree on ties.
        const classIndex = run.classes ? run.classes[index] : classChoice === 'predicted' ? predictions[0].classIndex : classChoice;
        const probs = classProbabilities(rowLogits, 0, K, semantics);
        const explained = (c: number): ExplainedClass =>
          ({ classIndex: c, className: classes[c], probability: probs[c], logit: semantics === 'probabilities' ? NaN : rowLogits[c] });
        const maps: MethodOutcome[] = [];
        const methodErrors: { method: string; message: string }[] = [];
        for (const method of options.methods) {
          throwIfCancelled(options.signal);
          if (method.needsGradients && gradientError) {
            methodErrors.push({ method: method.id, message: gradientError });
            continue;
          }
          const t0 = performance.now();
          const score = (method.settings.score as ScoreVariant | undefined) ?? 'prob';
          const result = await method.compute({
            classifier,
            image: p.image.tensor,
            activations: acts,
            logits: rowLogits,
            gradients: grads,
            target: { classIndex, score, ...(versus === undefined ? {} : { versus }) },
            batchSize,
            signal: options.signal,
            onProgress: (done, total) =>
              options.onProgress?.({ imageIndex: start + i, imageCount: files.length, file: group[i], method: method.id, done, total }),
            ...(options.onPreview
              ? { previewEvery: options.previewEvery, onPreview: (frame: PreviewFrame) => options.onPreview!({ imageIndex: start + i, file: group[i], method: method.id, frame }) }
              : {}),
          });
          // Provenance says what was differentiated: without logits, gradient methods explain the probability.
          const settings = method.needsGradients && gradientScore === 'prob' ? { ...method.settings, score: 'prob' } : method.settings;
          maps.push({ method: method.id, settings, result, timeMs: performance.now() - t0 });
        }
        yield {
          ok: true,
          file: group[i],
          image: p.image,
          predictions,
          logits: rowLogits,
          target: { ...explained(classIndex), ...(versus === undefined ? {} : { versus: explained(versus) }) },
          ...(semantics === 'sigmoid' ? { predictedSet: predictedSet(rowLogits, 0, K, classifier.profile.threshold) } : {}),
          maps,
          methodErrors,
        };
      } catch (e) {
        if (isCamscopeError(e) && e.code === 'CANCELLED') throw e;
        yield failure(group[i], e);
      }
    }
  }
}
