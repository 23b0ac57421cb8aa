/**
 * One image's first pass (its pixels, predictions and the class explained) and its maps, cached in memory and then in
 * the project: the shared core of explanations, faithfulness, the layer sweep, region agreement, the sanity check's
 * strip and figure exports.
 */
import type { ExplainTarget, ImageFrame, Prediction } from '../../shared/api';
import { CamscopeError } from '../engine/errors';
import { contentId } from '../engine/evaluate/run';
import { encodeMap, mapKey } from '../engine/cache/results';
import { checkClassChoice, explainImages, topPredictions, type ImageExplanation, type MethodOutcome } from '../engine/explain';
import { prepareImage, type PreparedImage } from '../engine/image/preprocess';
import type { PreviewFrame } from '../engine/methods/base';
import { createMethod, METHODS } from '../engine/methods/registry';
import { classScore } from '../engine/model/scores';
import { frameTransform as inputFrameTransform } from '../engine/regions/frame';
import type { ModelProfile } from '../engine/types';
import { LruCache } from './lru';
import { explainedClass, mapClassKey, versusClass, type MapClass } from './map-class';
import { TOP_K, type PredictionService } from './predictions';
import type { ResultCache } from './result-cache';
import type { WorkbenchState } from './state';

/** The first pass over an image: its prepared pixels, predictions and the class explained. */
export interface ImagePass {
  image: PreparedImage;
  predictions: Prediction[];
  logits: Float32Array;
  target: Omit<ExplainTarget, 'versus'> & { logit: number };
}

/** A map, and whether it came from a cache (memory or the project) rather than being computed now. */
export interface MapResult {
  outcome: MethodOutcome;
  cached: boolean;
}

const MAP_CACHE_BYTES = 256 * 1024 * 1024;

/** Gradient methods first (milliseconds), then the score methods (one forward pass per channel), else as asked. */
export function fastFirst(ids: string[]): string[] {
  const slow = new Set(METHODS.filter((m) => !m.needsGradients && !m.reference).map((m) => m.id));
  const isSlow = (id: string): boolean => slow.has(id) || id.startsWith('scorecam');
  return [...ids.filter((id) => !isSlow(id)), ...ids.filter(isSlow)];
}

/** Where the model's input frame sits in the original image (the inverse of preprocess.ts's resize and crop). */
export function frameTransform(
  resize: ModelProfile['resize'],
  original: { width: number; height: number },
  frame: { width: number; height: number },
): ImageFrame['transform'] {
  // The one geometry of preprocess.ts's resize and crop (also used to map expert regions into the model's frame).
  const t = inputFrameTransform(original.width, original.height, { inputSize: [frame.height, frame.width], resize });
  return { scaleX: t.sx, scaleY: t.sy, offsetX: t.left, offsetY: t.top };
}

export class MapService {
  private readonly passes = new LruCache<string, ImagePass>(16);
  private readonly maps = new LruCache<string, MethodOutcome>(MAP_CACHE_BYTES, (m) => m.result.map.byteLength + 64);

  constructor(
    private readonly state: WorkbenchState,
    private readonly cache: Pick<ResultCache, 'cachedMap' | 'storeInCache'>,
    private readonly predictions: Pick<PredictionService, 'readCachedPredictions'>,
  ) {}

  /** Forgets every pass and map held in memory (another model or folder). */
  reset(): void {
    this.passes.clear();
    this.maps.clear();
  }

  /** Predictions and the explained class for one image (cached). */
  async pass(index: number, classIndex: number | null, signal: AbortSignal): Promise<ImagePass> {
    const classifier = this.state.requireModel();
    const item = this.state.item(index);
    const key = `${this.state.modelKey()}|${index}|${classIndex ?? 'predicted'}`;
    const cached = this.passes.get(key);
    if (cached) return cached;
    // With the image's logits in the project's cache, only the image is read: no model run.
    const logits = this.predictions.readCachedPredictions([index]).get(index);
    if (logits) {
      const image = await prepareImage(item.path, classifier.profile);
      const predictions = topPredictions(logits, 0, classifier.profile.classes, Math.min(TOP_K, classifier.numClasses), classifier.scores);
      const c = classIndex ?? predictions[0].classIndex;
      const probability = classScore(logits, 0, classifier.numClasses, c, 'prob', classifier.scores);
      const pass: ImagePass = {
        image, predictions, logits,
        target: { classIndex: c, className: classifier.profile.classes[c], probability, logit: classifier.scores === 'probabilities' ? NaN : logits[c] },
      };
      this.passes.set(key, pass);
      this.passes.set(`${this.state.modelKey()}|${index}|${c}`, pass);
      return pass;
    }
    let result: ImageExplanation | undefined;
    for await (const r of explainImages(classifier, [item.path], {
      methods: [],
      classChoice: classIndex ?? 'predicted',
      topK: TOP_K,
      batchSize: 1,
      signal,
    })) {
      result = r;
    }
    if (!result) throw new CamscopeError('INVALID_IMAGE', `Nothing could be read from ${item.file}.`);
    if (!result.ok) throw new CamscopeError(result.error.code === 'INTERNAL' ? 'INVALID_IMAGE' : result.error.code, result.error.message);
    const pass: ImagePass = {
      image: result.image,
      predictions: result.predictions,
      logits: result.logits,
      target: {
        classIndex: result.target.classIndex,
        className: result.target.className,
        probability: result.target.probability,
        logit: result.target.logit,
      },
    };
    this.passes.set(key, pass);
    // "predicted" and the explicit class of the same image share their maps.
    this.passes.set(`${this.state.modelKey()}|${index}|${pass.target.classIndex}`, pass);
    return pass;
  }

  frame(index: number, image: PreparedImage): ImageFrame {
    const classifier = this.state.requireModel();
    const item = this.state.item(index);
    const original = { width: image.originalWidth, height: image.originalHeight };
    return {
      index,
      file: item.file,
      width: image.width,
      height: image.height,
      channels: classifier.profile.channels,
      pixels: image.pixels,
      original,
      transform: frameTransform(classifier.profile.resize, original, image),
      ...(image.source ? { source: image.source } : {}),
    };
  }

  /** Whether a map is in memory or in the project's result cache (export progress counts it as one step). */
  hasMap(index: number, target: MapClass, methodId: string): boolean {
    return this.maps.has(this.memoryKey(index, target, methodId)) || this.cache.cachedMap(index, target, methodId) !== null;
  }

  /** A map already computed (in memory or in the project), or null: this never computes one. */
  known(index: number, target: MapClass, methodId: string): MethodOutcome | null {
    return this.maps.get(this.memoryKey(index, target, methodId)) ?? this.cache.cachedMap(index, target, methodId);
  }

  /**
   * One method's map for an image and class, or for a contrast "A, not B" (`target` { classIndex, versus }): from
   * memory, else from the project, else computed (and kept in both).
   */
  async mapFor(
    index: number,
    target: MapClass,
    methodId: string,
    signal: AbortSignal,
    onProgress?: (done: number, total: number) => void,
    onPreview?: (frame: PreviewFrame) => void,
  ): Promise<MapResult> {
    const classifier = this.state.requireModel();
    checkClassChoice(target, classifier.numClasses);
    const key = this.memoryKey(index, target, methodId);
    const cached = this.maps.get(key) ?? this.cache.cachedMap(index, target, methodId);
    if (cached) {
      this.maps.set(key, cached);
      return { outcome: cached, cached: true };
    }
    const method = createMethod(methodId);
    const item = this.state.item(index);
    let result: ImageExplanation | undefined;
    for await (const r of explainImages(classifier, [item.path], {
      methods: [method],
      classChoice: target,
      topK: 1,
      signal,
      onProgress: (p) => onProgress?.(p.done, p.total),
      ...(onPreview ? { onPreview: (p: { frame: PreviewFrame }) => onPreview(p.frame) } : {}),
    })) {
      result = r;
    }
    if (!result) throw new CamscopeError('INVALID_IMAGE', `Nothing could be read from ${item.file}.`);
    if (!result.ok) throw new CamscopeError(result.error.code === 'INTERNAL' ? 'NUMERICAL_ERROR' : result.error.code, result.error.message);
    // e.g. a gradient method on a model with an operator the backward graph cannot differentiate.
    const skipped = result.methodErrors?.find((m) => m.method === methodId);
    if (skipped) throw new CamscopeError('UNSUPPORTED_MODEL', skipped.message);
    const outcome = result.maps.find((m) => m.method === methodId);
    if (!outcome) throw new CamscopeError('UNSUPPORTED_MODEL', `${method.displayName} produced no map for ${item.file}.`);
    this.maps.set(key, outcome);
    const content = contentId(item.path);
    if (content) this.cache.storeInCache([{ key: mapKey(classifier, content, explainedClass(target), method, versusClass(target)), kind: 'map', bytes: encodeMap(outcome) }]);
    return { outcome, cached: false };
  }

  private memoryKey(index: number, target: MapClass, methodId: string): string {
    return `${this.state.modelKey()}|${index}|${mapClassKey(target)}|${methodId}`;
  }
}
