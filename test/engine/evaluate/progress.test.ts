/** Evaluation progress moves within an image (masked passes) with a rate and an ETA before the first image ends. */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { runEvaluation, type EvaluateProgress } from '../../../src/main/engine/evaluate/run';
import { parseMethodList } from '../../../src/main/engine/methods/registry';
import { Classifier } from '../../../src/main/engine/model/classifier';
import { randomTinyCnn, tinyCnnOnnx, writeModel } from '../../helpers/tiny-models';

describe('evaluation progress', () => {
  it('reports fractions of an image while ScoreCAM runs, with a rate and an ETA from the first seconds', async () => {
    const root = mkdtempSync(join(tmpdir(), 'camscope-progress-'));
    mkdirSync(join(root, 'a'));
    for (let i = 0; i < 2; i++) {
      // Noise, not a flat colour: ScoreCAM skips channels that are constant over the image.
      const pixels = Buffer.from(Array.from({ length: 64 * 64 * 3 }, (_, k) => (k * 7919 + i * 104729) % 251));
      await sharp(pixels, { raw: { width: 64, height: 64, channels: 3 } }).png().toFile(join(root, 'a', `${i}.png`));
    }
    const c = await Classifier.load(writeModel('progress-heavy', tinyCnnOnnx(randomTinyCnn(5, { inC: 3, h: 32, w: 32, C: 512, K: 3 })), { inputSize: [64, 64], resize: 'stretch' }));
    const seen: EvaluateProgress[] = [];
    await runEvaluation({ classifier: c, methods: parseMethodList('scorecam'), datasetRoot: root, curveSteps: 0, batchSize: 16, projectPath: join(root, 'p.camscope'), onProgress: (p) => seen.push(p) });
    await c.release();
    const within = seen.filter((p) => p.fraction !== undefined && p.fraction > 0 && p.fraction < 0.5 && p.done === 0);
    expect(within.length).toBeGreaterThan(0);
    expect(within.every((p) => p.etaSeconds !== null && p.etaSeconds > 0 && p.imagesPerSecond > 0)).toBe(true);
    const fractions = seen.map((p) => p.fraction ?? 0);
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1] - 1e-9)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ done: 2, total: 2, fraction: 1 });
  });
});
