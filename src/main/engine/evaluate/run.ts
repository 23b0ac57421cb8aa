/**
 * Evaluation runs: explain every image of a (sampled) dataset with each method, score the explanations, and store
 * each image's record in the project database as soon as it is computed. A run with the same result-determining
 * settings resumes where it stopped, skipping finished images; the table is always recomputed from the records,
 * so a resumed run ends with the same numbers as an uninterrupted one.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { throwIfCancelled } from '../errors';
import { explainImages, type ImageExplanation } from '../explain';
import type { CamMethod, ScoreVariant } from '../methods/base';
import { curveArea, curveInputs } from '../metrics/deletion-insertion';
import { computeTable } from '../metrics/table';
import type { Classifier } from '../model/classifier';
import { classScore, noLogits } from '../model/scores';
import { VERSION } from '../version';
import { loadDataset, sampleItems, type DatasetItem } from './dataset';
import { ProjectDb } from './project-db';
import type { EvaluationSettings, ImageRecord, MethodResult, MetricTable } from './types';

export const PAPER_METHODS = ['gradcam', 'gradcam++', 'xgradcam', 'layercam', 'scorecam', 'scorecam++'];

export interface EvaluateOptions {
  classifier: Classifier;
  methods: CamMethod[];
  datasetRoot: string;
  labelsCsv?: string;
  sample?: number | null;
  seed?: number;
  score?: ScoreVariant;
  /** Steps of the deletion/insertion curves; 0 skips them. */
  curveSteps?: number;
  batchSize?: number;
  projectPath: string;
  requestedProvider?: string;
  signal?: AbortSignal;
  onProgress?: (p: EvaluateProgress) => void;
}

export interface EvaluateProgress {
  done: number;
  total: number;
  /** Images finished in an earlier session of this run. */
  resumed: number;
  file: string | null;
  imagesPerSecond: number;
  etaSeconds: number | null;
}

export interface EvaluationResult {
  evalId: number;
  settings: EvaluationSettings;
  records: ImageRecord[];
  failed: { file: string; message: string }[];
  table: MetricTable;
  accuracy: { correct: number; labelled: number } | null;
  elapsedSeconds: number;
  resumed: number;
  items: DatasetItem[];
}

/** Everything that determines the numbers, hashed: equal keys mean "the same run", which may be resumed. */
function runKey(s: EvaluationSettings): string {
  const { model, layer, dataset, sample, methods, score, curveSteps, precision } = s;
  // Profile keys that came later are left out at their defaults, so runs of plain NCHW softmax models still resume.
  const { scale, layout, inputType, scores, threshold, ...rest } = s.preprocessing;
  const later = { scale, layout, inputType, scores, threshold };
  const defaults: Record<string, unknown> = { scale: 1, layout: 'nchw', inputType: 'float32', scores: 'softmax', threshold: 0.5 };
  const preprocessing = { ...rest, ...Object.fromEntries(Object.entries(later).filter(([k, v]) => v !== undefined && v !== defaults[k])) };
  // fp32 keys are unchanged from before precision existed, so older projects still resume.
  const half = precision === 'fp16' ? { precision } : {};
  return createHash('sha256')
    .update(JSON.stringify({ fingerprint: model.fingerprint, layer, preprocessing, dataset: { root: dataset.root, labels: dataset.labels }, sample, methods, score, curveSteps, ...half }))
    .digest('hex');
}

function mapSha(map: Float32Array): string {
  return createHash('sha256').update(new Uint8Array(map.buffer, map.byteOffset, map.byteLength)).digest('hex').slice(0, 16);
}

/** Scores one explained image (every method of it): O on map·x, the logit with the region removed, and the deletion/insertion curves. */
export async function scoreExplanation(classifier: Classifier, r: Extract<ImageExplanation, { ok: true }>, steps: number, batchSize: number): Promise<Record<string, MethodResult>> {
  const x = r.image.tensor;
  const channels = classifier.profile.channels;
  const per = x.length;
  const K = classifier.numClasses;
  const c = r.target.classIndex;
  const perMethod = 2 + (steps > 0 ? 2 * (steps + 1) : 0);
  const inputs = new Float32Array(r.maps.length * perMethod * per);
  r.maps.forEach((m, mi) => {
    const map = m.result.map;
    const plane = map.length;
    const base = mi * perMethod * per;
    for (let ch = 0; ch < channels; ch++) {
      for (let i = 0; i < plane; i++) {
        const v = x[ch * plane + i];
        inputs[base + ch * plane + i] = map[i] * v; // explanation kept
        inputs[base + per + ch * plane + i] = (1 - map[i]) * v; // explanation removed
      }
    }
    if (steps > 0) inputs.set(curveInputs(x, channels, map, steps), base + 2 * per);
  });
  const n = inputs.length / per;
  const logits = new Float32Array(n * K);
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    const out = await classifier.forward(inputs.subarray(start * per, (start + count) * per), count, false);
    logits.set(out.logits, start * K);
  }
  const semantics = classifier.scores;
  const prob = (row: number): number => classScore(logits, row * K, K, c, 'prob', semantics);
  const logit = (row: number): number => (semantics === 'probabilities' ? NaN : logits[row * K + c]);
  const results: Record<string, MethodResult> = {};
  r.maps.forEach((m, mi) => {
    const row = mi * perMethod;
    const curve = (offset: number): number => curveArea(Array.from({ length: steps + 1 }, (_, k) => prob(row + offset + k)));
    results[m.method] = {
      O_prob: prob(row),
      O_logit: logit(row),
      removedLogit: logit(row + 1),
      deletionAuc: steps > 0 ? curve(2) : null,
      insertionAuc: steps > 0 ? curve(3 + steps) : null,
      flat: m.result.flat,
      mapSha: mapSha(m.result.map),
      timeMs: m.timeMs,
    };
  });
  return results;
}

/**
 * An image counts as correctly classified when its predicted (top) class is its label — or, with several labels
 * per image (multi-label ground truth), one of its labels.
 */
export function isCorrect(r: ImageRecord): boolean {
  return r.labels ? r.labels.includes(r.predicted) : r.label === r.predicted;
}

export async function runEvaluation(o: EvaluateOptions): Promise<EvaluationResult> {
  const { classifier } = o;
  const score = o.score ?? 'prob';
  if (score === 'logit' && classifier.scores === 'probabilities') throw noLogits();
  const seed = o.seed ?? 0;
  const steps = o.curveSteps ?? 10;
  const batchSize = o.batchSize ?? classifier.suggestedBatchSize();
  const dataset = loadDataset(resolve(o.datasetRoot), classifier.profile.classes, o.labelsCsv ? resolve(o.labelsCsv) : undefined);
  const items = sampleItems(dataset.items, o.sample ?? null, seed);
  const settings: EvaluationSettings = {
    camscope: VERSION,
    created: new Date().toISOString(),
    model: { path: classifier.inspection.path, fingerprint: classifier.inspection.fingerprint, classes: classifier.profile.classes },
    layer: { name: classifier.layer.name, shape: classifier.layer.shape, ...(classifier.layer.layout === 'nhwc' ? { layout: classifier.layer.layout } : {}) },
    preprocessing: classifier.profile,
    dataset: { root: dataset.root, labels: dataset.labels, layout: dataset.layout, total: dataset.items.length },
    sample: { size: o.sample ?? null, seed },
    methods: o.methods.map((m) => m.id),
    score,
    provider: { requested: o.requestedProvider ?? classifier.provider, used: classifier.provider },
    precision: classifier.requestedPrecision,
    curveSteps: steps,
  };

  const db = new ProjectDb(o.projectPath);
  try {
    const run = db.evaluation(runKey(settings), settings);
    const done = db.doneFiles(run.id);
    const todo = items.map((item, idx) => ({ item, idx })).filter(({ item }) => !done.has(item.file));
    const resumed = items.length - todo.length;
    const t0 = performance.now();
    const elapsed = (): number => run.elapsedSeconds + (performance.now() - t0) / 1000;
    let finished = 0;
    o.onProgress?.({ done: resumed, total: items.length, resumed, file: null, imagesPerSecond: 0, etaSeconds: null });

    const byPath = new Map(todo.map((t) => [t.item.path, t]));
    try {
      for await (const r of explainImages(classifier, todo.map((t) => t.item.path), { methods: o.methods, batchSize, signal: o.signal })) {
        const { item, idx } = byPath.get(r.file)!;
        if (!r.ok) {
          db.addImage(run.id, idx, item.file, { error: r.error.message }, elapsed());
        } else if (r.methodErrors?.length) {
          // Every method must score every image for the table to compare them.
          db.addImage(run.id, idx, item.file, { error: r.methodErrors.map((e) => `${e.method}: ${e.message}`).join('; ') }, elapsed());
        } else {
          const methods = await scoreExplanation(classifier, r, steps, batchSize);
          const record: ImageRecord = {
            file: item.file,
            label: item.label,
            ...(item.labels ? { labels: item.labels } : {}),
            predicted: r.predictions[0].classIndex,
            target: r.target.classIndex,
            Y_prob: r.target.probability,
            Y_logit: r.target.logit,
            methods,
          };
          throwIfCancelled(o.signal);
          db.addImage(run.id, idx, item.file, { record }, elapsed());
        }
        finished++;
        const rate = finished / ((performance.now() - t0) / 1000);
        o.onProgress?.({ done: resumed + finished, total: items.length, resumed, file: item.file, imagesPerSecond: rate, etaSeconds: (todo.length - finished) / rate });
      }
    } catch (e) {
      db.setStatus(run.id, 'cancelled', elapsed());
      throw e;
    }
    db.setStatus(run.id, 'complete', elapsed());

    const rows = db.images(run.id);
    const records = rows.flatMap((r) => (r.record ? [r.record] : []));
    const failed = rows.flatMap((r) => (r.error !== null ? [{ file: r.file, message: r.error }] : []));
    const labelled = records.filter((r) => r.label !== null);
    return {
      evalId: run.id,
      settings: run.settings,
      records,
      failed,
      table: computeTable(records, settings.methods, score),
      accuracy: labelled.length ? { correct: labelled.filter(isCorrect).length, labelled: labelled.length } : null,
      elapsedSeconds: elapsed(),
      resumed,
      items,
    };
  } finally {
    db.close();
  }
}
