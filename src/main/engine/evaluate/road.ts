/**
 * ROAD in evaluation runs (metrics/road.ts): for each method's map of an image, the 18 imputed inputs (9 levels,
 * MoRF and LeRF) and the model's probability of the explained class on each. That is 18 model passes per image and
 * method — at the default 10 curve steps the other metrics take 24 — plus one sparse solve per level (all channels
 * at once) on the CPU, which on a 224 × 224 input costs more than the passes (bench/road-bench.ts), so runs
 * compute it only when asked (`evaluate --road`).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { throwIfCancelled } from '../errors';
import type { ImageExplanation } from '../explain';
import { ROAD_NOISE_STD } from '../metrics/imputation';
import { ROAD_FRACTIONS, roadInput, roadLevels, roadSeed } from '../metrics/road';
import type { Classifier } from '../model/classifier';
import { classScore } from '../model/scores';
import type { EvaluationSettings, MethodResult } from './types';

/** What a run with ROAD records in its settings (and so in its run key). */
export function roadSettings(): NonNullable<EvaluationSettings['road']> {
  return { fractions: [...ROAD_FRACTIONS], noiseStd: ROAD_NOISE_STD };
}

export interface RoadOptions {
  /** The run's seed; the noise of each image and method is drawn from (seed, file, method, order, level). */
  seed: number;
  /** The image's dataset-relative path (the same in every shard of a run). */
  file: string;
  batchSize: number;
  signal?: AbortSignal;
}

/** Adds `road` (the probabilities at each level, MoRF and LeRF) to each method's result of the image. */
export async function addRoad(
  results: Record<string, MethodResult>,
  classifier: Classifier,
  r: Extract<ImageExplanation, { ok: true }>,
  o: RoadOptions,
): Promise<void> {
  const x = r.image.tensor;
  const { width, height } = r.image;
  const channels = classifier.profile.channels;
  const per = x.length;
  const K = classifier.numClasses;
  const c = r.target.classIndex;
  for (const m of r.maps) {
    const { order, levels } = roadLevels(m.result.map, roadSeed(o.seed, o.file, m.method));
    const inputs = new Float32Array(levels.length * per);
    for (let i = 0; i < levels.length; i++) {
      const l = levels[i];
      inputs.set(roadInput(x, channels, width, height, order, l.fraction, l.direction, l.seed), i * per);
      // Each level is a sparse solve of up to a few hundred ms: let progress and cancellation through between them.
      await nextTurn();
      throwIfCancelled(o.signal);
    }
    const probs: number[] = [];
    for (let start = 0; start < levels.length; start += o.batchSize) {
      const count = Math.min(o.batchSize, levels.length - start);
      const out = await classifier.forward(inputs.subarray(start * per, (start + count) * per), count, false);
      for (let j = 0; j < count; j++) probs.push(classScore(out.logits, j * K, K, c, 'prob', classifier.scores));
    }
    const n = ROAD_FRACTIONS.length;
    if (results[m.method]) results[m.method].road = { morf: probs.slice(0, n), lerf: probs.slice(n, 2 * n) };
  }
}
