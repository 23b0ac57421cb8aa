/**
 * Figure and report export progress through the real workbench session: masked passes of score-based maps count,
 * so the fraction moves within a slow map, with a rate and an ETA from the first seconds; maps already computed
 * count one step each. ExportProgress itself is checked on a hand-worked schedule.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../../src/shared/api';
import { createMethod } from '../../../src/main/engine/methods/registry';
import { ExportProgress, expectedUnits } from '../../../src/main/workbench/export-progress';
import { createWorkbench, type Workbench } from '../../../src/main/workbench/index';
import { randomTinyCnn, tinyCnnOnnx, writeModel } from '../../helpers/tiny-models';

const tmp = mkdtempSync(join(tmpdir(), 'camscope-export-progress-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('ExportProgress', () => {
  it('counts passes of score-based maps and one unit for the others, on a worked schedule', () => {
    expect(expectedUnits(createMethod('gradcam'), 512)).toBe(1);
    expect(expectedUnits(createMethod('scorecam++'), 512)).toBe(512);
    expect(expectedUnits(createMethod('scorecam++@topk=64'), 512)).toBe(64);
    expect(expectedUnits(createMethod('scorecam++@noscore'), 512)).toBe(1);
    // 2 images × [gradcam (1), scorecam++ (expected 100; cached on the second image: 1)] = 103 units expected.
    const w = new ExportProgress([[1, 100], [1, 1]], 0);
    w.start(0, 0);
    w.finish(); // 1 of 103
    const r1 = w.report(1000);
    expect(r1.fraction).toBeCloseTo(1 / 103, 12);
    expect(r1.rate).toBeCloseTo(2 / 103, 12);
    expect(r1.etaSeconds).toBeCloseTo(102, 9);
    w.start(0, 1);
    w.passes(40, 80); // the method has 80 passes, not 100: 1 + 80 + 2 = 83 units, 41 done
    const r = w.report(2000);
    expect(r.fraction).toBeCloseTo(41 / 83, 12);
    expect(r.etaSeconds).toBeCloseTo((2 * (83 - 41)) / 41, 9);
    expect(r.rate).toBeCloseTo(((41 / 83) * 2) / 2, 12);
    w.passes(80, 80);
    w.finish();
    w.start(1, 0);
    w.finish();
    w.start(1, 1);
    expect(w.report(3000).fraction).toBeCloseTo(82 / 83, 12);
    w.finish();
    expect(w.report(4000)).toEqual({ fraction: 1, rate: 0.5, etaSeconds: 0 });
  });
});

describe('export progress in the session', () => {
  it('moves within a score-based map with a rate and an ETA; computed maps count one step each', async () => {
    const root = join(tmp, 'images');
    mkdirSync(join(root, 'a'), { recursive: true });
    for (let i = 0; i < 2; i++) {
      // Noise, not a flat colour: ScoreCAM skips channels that are constant over the image.
      const pixels = Buffer.from(Array.from({ length: 32 * 32 * 3 }, (_, k) => (k * 7919 + i * 104729) % 251));
      await sharp(pixels, { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(join(root, 'a', `${i}.png`));
    }
    const model = writeModel('export-progress', tinyCnnOnnx(randomTinyCnn(5, { inC: 3, h: 16, w: 16, C: 512, K: 3 })), { inputSize: [32, 32], resize: 'stretch' });
    const s = createWorkbench();
    s.project.openProject(join(tmp, 'p.camscope'));
    await s.model.loadModel({ path: model, provider: 'cpu', precision: 'fp32', layer: 'auto' });
    s.dataset.openDataset(root);
    const seen: JobProgress[] = [];
    const ctx = { signal: new AbortController().signal, partial: (p: unknown) => seen.push(p as JobProgress) };
    const methods = ['scorecam', 'gradcam'];
    await s.exports.exportFigure({ dir: join(tmp, 'fig'), images: [0, 1], methods, classIndex: null, colormap: 'jet', opacity: 0.5 }, ctx);
    const first = seen.filter((p) => p.stage === 'export');
    // Within the first image's Score-CAM map (gradcam runs first: fast first), before any image is done.
    const within = first.filter((p) => p.method === 'scorecam' && p.done === 1 && p.fraction! > 0.01 && p.fraction! < 0.5);
    expect(within.length).toBeGreaterThan(2);
    expect(within.every((p) => p.etaSeconds !== null && p.etaSeconds! > 0 && p.rate! > 0)).toBe(true);
    const fractions = first.map((p) => p.fraction!);
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1] - 1e-9)).toBe(true);
    expect(first.at(-1)).toMatchObject({ done: 4, total: 4, fraction: 1, etaSeconds: 0 });

    // Again: every map is computed, so each counts one step (a quarter of the export); the end of each row reports too.
    seen.length = 0;
    await s.exports.exportFigure({ dir: join(tmp, 'fig2'), images: [0, 1], methods, classIndex: null, colormap: 'jet', opacity: 0.5 }, ctx);
    const again = seen.filter((p) => p.stage === 'export');
    expect(again.map((p) => [p.done, p.fraction])).toEqual([[0, 0], [1, 0.25], [2, 0.5], [2, 0.5], [3, 0.75], [4, 1]]);
    expect(again.at(-1)).toMatchObject({ done: 4, fraction: 1 });
  });
});
