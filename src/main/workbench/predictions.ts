/**
 * The open folder's top-k predictions (the gallery's badges): computed in batches and streamed, kept in memory until
 * the model, the folder or the model's class names change, and kept in the project's result cache as logits.
 */
import type { PredictionRunSummary } from '../../shared/api';
import { contentId } from '../engine/evaluate/run';
import { decodeFloats, encodeFloats, predictionKey } from '../engine/cache/results';
import { explainImages, topPredictions } from '../engine/explain';
import type { JobContext, JobProgressBody, PredictPartial } from './ops';
import type { CacheEntry, ResultCache } from './result-cache';
import type { WorkbenchState } from './state';

export const TOP_K = 5;

export class PredictionService {
  private predictions = new Map<number, { classes: number[]; probs: number[] }>();

  constructor(
    private readonly state: WorkbenchState,
    private readonly cache: Pick<ResultCache, 'fromCache' | 'storeInCache'>,
  ) {}

  /** Forgets every image's predictions (another model, folder or class list). */
  reset(): void {
    this.predictions = new Map();
  }

  async predict(ctx: JobContext): Promise<PredictionRunSummary> {
    const classifier = this.state.requireModel();
    const d = this.state.requireDataset();
    const t0 = performance.now();
    const failed: PredictionRunSummary['failed'] = [];
    const total = d.items.length;
    // Predictions the project already holds (same model, same image content) are shown at once, not computed again.
    this.readCachedPredictions(d.items.map((_, index) => index).filter((index) => !this.predictions.has(index)));
    const cached = [...this.predictions.keys()];
    if (cached.length) ctx.partial(this.batchOf(cached));
    const todo = d.items.map((item, index) => ({ item, index })).filter(({ index }) => !this.predictions.has(index));
    const fresh: CacheEntry[] = [];
    const byPath = new Map(todo.map((t) => [t.item.path, t.index]));
    const batch = Math.max(8, Math.min(256, classifier.suggestedBatchSize()));
    let done = cached.length;
    const progress = (): void => {
      const seconds = (performance.now() - t0) / 1000;
      const rate = (done - cached.length) / Math.max(seconds, 1e-3);
      const p: JobProgressBody = { stage: 'predict', done, total, rate, etaSeconds: rate > 0 ? (total - done) / rate : null };
      ctx.partial(p);
    };
    progress();
    let pending: number[] = [];
    for await (const r of explainImages(classifier, todo.map((t) => t.item.path), { methods: [], topK: TOP_K, batchSize: batch, signal: ctx.signal })) {
      const index = byPath.get(r.file)!;
      if (r.ok) {
        this.predictions.set(index, { classes: r.predictions.map((p) => p.classIndex), probs: r.predictions.map((p) => p.probability) });
        const content = contentId(r.file);
        if (content) fresh.push({ key: predictionKey(classifier, content), kind: 'prediction', bytes: encodeFloats(r.logits) });
      } else {
        failed.push({ index, message: r.error.message });
        this.predictions.set(index, { classes: [], probs: [] });
      }
      pending.push(index);
      done++;
      if (pending.length >= batch || done === total) {
        this.cache.storeInCache(fresh.splice(0));
        ctx.partial(this.batchOf(pending));
        pending = [];
        progress();
      }
    }
    this.cache.storeInCache(fresh);
    if (pending.length) ctx.partial(this.batchOf(pending));
    return { done, failed, seconds: (performance.now() - t0) / 1000 };
  }

  /** Loads cached predictions for these images; returns the logits found, by index. */
  readCachedPredictions(indices: number[]): Map<number, Float32Array> {
    const classifier = this.state.requireModel();
    const d = this.state.requireDataset();
    const found = this.cache.fromCache((get) => {
      const out = new Map<number, Float32Array>();
      for (const index of indices) {
        const content = contentId(d.items[index].path);
        const bytes = content ? get(predictionKey(classifier, content)) : null;
        if (!bytes) continue;
        const logits = decodeFloats(bytes);
        if (logits.length === classifier.numClasses) out.set(index, logits);
      }
      return out;
    }, new Map<number, Float32Array>());
    for (const [index, logits] of found) {
      try {
        const p = topPredictions(logits, 0, classifier.profile.classes, Math.min(TOP_K, classifier.numClasses), classifier.scores);
        this.predictions.set(index, { classes: p.map((x) => x.classIndex), probs: p.map((x) => x.probability) });
      } catch {
        found.delete(index);
      }
    }
    return found;
  }

  /** These images' rows as plain typed arrays (-1 where an image has fewer than k classes or none yet). */
  batchOf(indices: number[]): PredictPartial {
    const k = TOP_K;
    const classes = new Int32Array(indices.length * k).fill(-1);
    const probs = new Float32Array(indices.length * k);
    indices.forEach((index, row) => {
      const p = this.predictions.get(index);
      if (!p) return;
      p.classes.forEach((c, j) => {
        if (j < k) {
          classes[row * k + j] = c;
          probs[row * k + j] = p.probs[j];
        }
      });
    });
    return { k, indices: Int32Array.from(indices), classes, probs };
  }
}
