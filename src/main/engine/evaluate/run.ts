/**
 * Evaluation runs: explain every image of a (sampled) dataset with each method, score the explanations, and store
 * each image's record in the project database as soon as it is computed. A run with the same result-determining
 * settings resumes where it stopped, skipping finished images whose file is unchanged (size and times, see
 * contentId); changed images are computed again, images no longer in the dataset dropped, new ones added and failed
 * ones tried again. The table is always recomputed from the records, in dataset order, so a resumed run ends with
 * the same numbers as an uninterrupted run on the dataset as it is now.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { throwIfCancelled } from '../errors';
import { frameReference } from '../image/decode';
import { intensitySetting } from '../image/intensity-setting';
import { explainImages, type ImageExplanation } from '../explain';
import type { CamMethod, ScoreVariant } from '../methods/base';
import { complexity, sparseness } from '../metrics/complexity';
import { curveArea, curveInputs } from '../metrics/deletion-insertion';
import { computeTable } from '../metrics/table';
import { addLocalization, localizationSettings, withLocalization, type LocalizationSpec } from '../metrics/localization/evaluation';
import type { Classifier } from '../model/classifier';
import { classScore, noLogits } from '../model/scores';
import { VERSION } from '../version';
import { loadDataset, sampleItems, type DatasetItem } from './dataset';
import { shardItems, shardSettings, type Shard } from './shard';
import { ProjectDb, type ImageRow } from './project-db';
import { addRoad, roadSettings } from './road';
import { withScoreFree } from './score-free';
import type { EvaluationSettings, ImageRecord, MethodResult, MetricTable, RunOutcome } from './types';

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
  /** Evaluate only this shard of the run's images (see ./shard); the project then holds that shard alone. */
  shard?: Shard;
  /** Expert regions: adds localization values to each image's results and localization columns to the table. */
  localization?: LocalizationSpec;
  /** ROAD (evaluate/road.ts): 18 more model passes per image and method, and a sparse solve per level. */
  road?: boolean;
  requestedProvider?: string;
  signal?: AbortSignal;
  onProgress?: (p: EvaluateProgress) => void;
  /** Called with each image's explanation and its scores once they are stored (the app fills its result cache). */
  onScored?: (r: Extract<ImageExplanation, { ok: true }>, scored: Record<string, MethodResult>) => void;
}

export interface EvaluateProgress {
  done: number;
  total: number;
  /** Images finished in an earlier session of this run. */
  resumed: number;
  file: string | null;
  imagesPerSecond: number;
  etaSeconds: number | null;
  /**
   * Overall progress in [0, 1] counting the part of the image being explained (score-based methods report their
   * masked passes), so a bar moves within an image and the rate and ETA count from the first seconds.
   */
  fraction?: number;
  /** How the dataset changed since the run's earlier sessions (first event only). */
  changes?: DatasetChanges;
}

/**
 * What a resumed run found changed since its earlier sessions (dataset-relative paths). Changed images are computed
 * again, removed ones dropped from the table, added ones computed; images that failed are tried again.
 */
export interface DatasetChanges {
  changed: string[];
  removed: string[];
  added: string[];
  retried: string[];
  /** Images whose label changed (their results are kept: the explained class is the predicted one). */
  relabelled: string[];
}

export interface EvaluationResult extends RunOutcome {
  evalId: number;
  resumed: number;
  /** What changed since the run's earlier sessions (all empty for a new run). */
  changes: DatasetChanges;
  items: DatasetItem[];
}

/** Everything that determines the numbers, hashed: equal keys mean "the same run", which may be resumed. */
function runKey(s: EvaluationSettings): string {
  const { model, layer, dataset, sample, methods, score, curveSteps, precision } = s;
  // Profile keys that came later are left out at their defaults, so runs of plain NCHW softmax models still resume.
  // The intensity mapping enters when set (absent, keys are as before); who set it changes no number.
  const { scale, layout, inputType, scores, threshold, intensitySource: _source, ...rest } = s.preprocessing;
  const later = { scale, layout, inputType, scores, threshold };
  const defaults: Record<string, unknown> = { scale: 1, layout: 'nchw', inputType: 'float32', scores: 'softmax', threshold: 0.5 };
  const preprocessing = { ...rest, ...Object.fromEntries(Object.entries(later).filter(([k, v]) => v !== undefined && v !== defaults[k])) };
  // fp32 keys are unchanged from before precision existed, so older projects still resume.
  const half = precision === 'fp16' ? { precision } : {};
  // Each shard is its own run; unsharded keys are unchanged. The sample digest is left out so a shard resumes after dataset changes.
  const shard = s.shard ? { shard: [s.shard.index, s.shard.count] } : {};
  // Runs without regions keep their keys; regions (and how they count) make a run of their own.
  const regions = s.localization ? { localization: s.localization } : {};
  // Likewise ROAD: a run with it is a run of its own, so a resumed one never mixes images with and without it.
  const road = s.road ? { road: s.road } : {};
  return createHash('sha256')
    .update(JSON.stringify({ fingerprint: model.fingerprint, layer, preprocessing, dataset: { root: dataset.root, labels: dataset.labels }, sample, methods, score, curveSteps, ...half, ...shard, ...regions, ...road }))
    .digest('hex');
}

/**
 * An image's identity for resuming: its size and its modification and status-change times (nanoseconds). A file
 * replaced, rewritten, or moved into place under the same name gets a new one; reading the bytes (a hash) would cost
 * a read of the whole dataset on every resume for the same answer in practice (see README, "Resuming"). Null for a
 * file that cannot be read (it fails, and is tried again, when computed).
 */
export function contentId(path: string): string | null {
  // A frame of a multi-frame DICOM file (`scan.dcm#3`) is the file's identity and the frame's number.
  const { file, frame } = frameReference(path);
  try {
    const s = statSync(file, { bigint: true });
    return `${s.size}:${s.mtimeNs}:${s.ctimeNs}${frame === null ? '' : `#${frame}`}`;
  } catch {
    return null;
  }
}

function sameLabels(record: ImageRecord, item: DatasetItem): boolean {
  return record.label === item.label && JSON.stringify(record.labels ?? null) === JSON.stringify(item.labels ?? null);
}

/**
 * Compares a run's stored images with the current dataset: which results stay (at their current position), which
 * are dropped (removed from the dataset or sample, changed, failed, damaged), and what to tell the user.
 */
export function planResume(stored: ImageRow[], items: DatasetItem[]): {
  content: (string | null)[];
  kept: Set<string>;
  drop: string[];
  update: { file: string; idx: number; content: string | null; record?: ImageRecord }[];
  changes: DatasetChanges;
} {
  const changes: DatasetChanges = { changed: [], removed: [], added: [], retried: [], relabelled: [] };
  const content = items.map((i) => contentId(i.path));
  const current = new Map(items.map((item, idx) => [item.file, { item, idx }]));
  const kept = new Set<string>();
  const drop: string[] = [];
  const update: { file: string; idx: number; content: string | null; record?: ImageRecord }[] = [];
  for (const row of stored) {
    const cur = current.get(row.file);
    if (!cur) {
      drop.push(row.file);
      changes.removed.push(row.file);
      continue;
    }
    const id = content[cur.idx];
    // Rows from before content identities were stored (null) are trusted and given the current one.
    if (row.content !== null && row.content !== id) {
      drop.push(row.file);
      changes.changed.push(row.file);
    } else if (row.record === null) {
      drop.push(row.file);
      changes.retried.push(row.file);
    } else {
      kept.add(row.file);
      const { item } = cur;
      let record: ImageRecord | undefined;
      if (!sameLabels(row.record, item)) {
        const { file, predicted, target, Y_prob, Y_logit, methods } = row.record;
        record = { file, label: item.label, ...(item.labels ? { labels: item.labels } : {}), predicted, target, Y_prob, Y_logit, methods };
        changes.relabelled.push(row.file);
      }
      if (record || row.idx !== cur.idx || row.content !== id) update.push({ file: row.file, idx: cur.idx, content: id, ...(record ? { record } : {}) });
    }
  }
  if (stored.length) {
    const known = new Set(stored.map((r) => r.file));
    for (const item of items) if (!known.has(item.file)) changes.added.push(item.file);
  }
  return { content, kept, drop, update, changes };
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
      // From the map alone, so every run records them; they enter no run key (they change no other number).
      sparseness: sparseness(m.result.map),
      complexity: complexity(m.result.map),
      mapSha: mapSha(m.result.map),
      timeMs: m.timeMs,
      ...(m.result.scoreFree ? { scoreFree: { maxAbsDiff: m.result.scoreFree.maxAbsDiff, pearson: m.result.scoreFree.pearson } } : {}),
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
  // A model without class names takes the dataset's (sorted folder or label names, as torchvision numbers them).
  if (dataset.classNames) classifier.adoptClassNames(dataset.classNames);
  const sample = sampleItems(dataset.items, o.sample ?? null, seed);
  // A shard evaluates its part of the same sample (see ./shard).
  const items = o.shard ? shardItems(sample, o.shard) : sample;
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
    ...(o.shard ? { shard: shardSettings(sample, o.shard) } : {}),
    ...(o.localization ? { localization: localizationSettings(o.localization) } : {}),
    ...(o.road ? { road: roadSettings() } : {}),
    intensity: intensitySetting(classifier.profile),
  };

  const db = new ProjectDb(o.projectPath);
  try {
    const run = db.evaluation(runKey(settings), settings);
    const releaseRun = db.claimRun(run.id);
    try {
      const plan = planResume(db.images(run.id), items);
      const runSettings = run.settings.dataset.total === settings.dataset.total && run.settings.shard?.sample === settings.shard?.sample ? run.settings : { ...run.settings, dataset: { ...run.settings.dataset, total: settings.dataset.total }, ...(settings.shard ? { shard: settings.shard } : {}) };
      db.reconcile(run.id, { drop: plan.drop, keep: plan.update, settings: runSettings === run.settings ? undefined : runSettings });
      const todo = items.map((item, idx) => ({ item, idx, content: plan.content[idx] })).filter(({ item }) => !plan.kept.has(item.file));
      const resumed = items.length - todo.length;
      const { changes } = plan;
      const t0 = performance.now();
      const elapsed = (): number => run.elapsedSeconds + (performance.now() - t0) / 1000;
      let finished = 0;
      o.onProgress?.({ done: resumed, total: items.length, resumed, file: null, imagesPerSecond: 0, etaSeconds: null, changes });

      const byPath = new Map(todo.map((t) => [t.item.path, t]));
      try {
        // Within-image progress: the methods done on the current image and the masked passes of the one running.
        let lastPartial = 0;
        const onMethodProgress = (p: { method: string; done: number; total: number }): void => {
          const now = performance.now();
          if (now - lastPartial < 250) return;
          lastPartial = now;
          const m = Math.max(0, o.methods.findIndex((x) => x.id === p.method));
          const within = Math.min(0.999, (m + (p.total > 0 ? p.done / p.total : 0)) / Math.max(1, o.methods.length));
          const doneNow = finished + within;
          const rate = doneNow / Math.max(1e-3, (now - t0) / 1000);
          o.onProgress?.({
            done: resumed + finished, total: items.length, resumed, file: null, imagesPerSecond: rate,
            etaSeconds: rate > 0 ? (todo.length - doneNow) / rate : null, fraction: (resumed + doneNow) / Math.max(1, items.length),
          });
        };
        for await (const r of explainImages(classifier, todo.map((t) => t.item.path), { methods: o.methods, batchSize, signal: o.signal, onProgress: onMethodProgress })) {
          const { item, idx, content } = byPath.get(r.file)!;
          if (!r.ok) {
            db.addImage(run.id, idx, item.file, { error: r.error.message }, elapsed(), content);
          } else if (r.methodErrors?.length) {
            // Every method must score every image for the table to compare them.
            db.addImage(run.id, idx, item.file, { error: r.methodErrors.map((e) => `${e.method}: ${e.message}`).join('; ') }, elapsed(), content);
          } else {
            const methods = await scoreExplanation(classifier, r, steps, batchSize);
            if (o.localization) await addLocalization(methods, r, item.file, o.localization, classifier.profile);
            if (o.road) await addRoad(methods, classifier, r, { seed, file: item.file, batchSize, signal: o.signal });
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
            db.addImage(run.id, idx, item.file, { record }, elapsed(), content);
            o.onScored?.(r, methods);
          }
          finished++;
          const rate = finished / ((performance.now() - t0) / 1000);
          o.onProgress?.({ done: resumed + finished, total: items.length, resumed, file: item.file, imagesPerSecond: rate, etaSeconds: (todo.length - finished) / rate, fraction: (resumed + finished) / Math.max(1, items.length) });
        }
      } catch (e) {
        try {
          db.setStatus(run.id, 'cancelled', elapsed());
        } catch {
          // e.g. the disk is full: the run stays 'running', which resumes the same way; the first error says more
        }
        throw e;
      }
      db.setStatus(run.id, 'complete', elapsed());

      const rows = db.images(run.id);
      const records = rows.flatMap((r) => (r.record ? [r.record] : []));
      const failed = rows.flatMap((r) => (r.error !== null ? [{ file: r.file, message: r.error }] : []));
      const labelled = records.filter((r) => r.label !== null);
      return {
        evalId: run.id,
        settings: runSettings,
        records,
        failed,
        table: withScoreFree(withLocalization(computeTable(records, settings.methods, score), records), records),
        accuracy: labelled.length ? { correct: labelled.filter(isCorrect).length, labelled: labelled.length } : null,
        elapsedSeconds: elapsed(),
        resumed,
        changes,
        items,
      };
    } finally {
      releaseRun();
    }
  } finally {
    db.close();
  }
}
