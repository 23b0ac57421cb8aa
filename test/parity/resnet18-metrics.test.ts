/**
 * Metrics on the shared ResNet-18 against the reference: per-image O values of the six paper methods for the first
 * 16 reference images (within 1e-4), and the table computation on the reference's own per-image values (a seeded
 * 40-image sample against the formulas written out here, and all 2,000 images against the reference table).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Classifier } from '../../src/main/engine/model/classifier';
import { PAPER_METHODS, runEvaluation, type EvaluationResult } from '../../src/main/engine/evaluate/run';
import { sampleItems } from '../../src/main/engine/evaluate/dataset';
import { parseMethodList } from '../../src/main/engine/methods/registry';
import { computeTable } from '../../src/main/engine/metrics/table';
import type { ImageRecord } from '../../src/main/engine/evaluate/types';
import { CATSDOGS, hasShared, loadReference, RESNET18, type Reference } from '../helpers/shared';

const REF_NAMES: Record<string, string> = {
  gradcam: 'GradCAM', 'gradcam++': 'GradCAM++', xgradcam: 'XGradCAM', layercam: 'LayerCAM', scorecam: 'ScoreCAM', 'scorecam++': 'ScoreCAM++',
};

type RefO = { O_prob: number[]; O_logit: number[] };
const refO = (ref: Reference, method: string): RefO => ref.per_image[REF_NAMES[method]] as RefO;

/** ImageRecords built from the reference's per-image values. */
function referenceRecords(ref: Reference, indices: number[]): ImageRecord[] {
  return indices.map((i) => ({
    file: ref.files[i], label: ref.per_image.label[i], predicted: ref.per_image.pred[i], target: ref.per_image.pred[i],
    Y_prob: ref.per_image.Y_prob[i], Y_logit: ref.per_image.Y_logit[i],
    methods: Object.fromEntries(PAPER_METHODS.map((m) => [m, {
      O_prob: refO(ref, m).O_prob[i], O_logit: refO(ref, m).O_logit[i], removedLogit: 0, deletionAuc: null, insertionAuc: null, flat: false, mapSha: '', timeMs: 0,
    }])),
  }));
}

describe.runIf(hasShared)('ResNet-18 reference: per-image O values', () => {
  let ref: Reference;
  let result: EvaluationResult;
  let classifier: Classifier;
  beforeAll(async () => {
    ref = loadReference();
    const dir = mkdtempSync(join(tmpdir(), 'camscope-ref-'));
    const csv = join(dir, 'first16.csv');
    // Labels as class indices (the first 16 reference images are all cats, so names alone could not be mapped).
    writeFileSync(csv, `file,label\n${ref.files.slice(0, 16).map((f, i) => `${f},${ref.per_image.label[i]}`).join('\n')}\n`);
    classifier = await Classifier.load(RESNET18);
    result = await runEvaluation({
      classifier, methods: parseMethodList(PAPER_METHODS.join(',')), datasetRoot: CATSDOGS, labelsCsv: csv, curveSteps: 0,
      batchSize: 64, projectPath: join(dir, 'project.camscope'),
    });
  });
  afterAll(() => classifier?.release());

  it('evaluates the 16 images in order, with their labels', () => {
    expect(result.records.map((r) => r.file)).toEqual(ref.files.slice(0, 16));
    expect(result.records.map((r) => r.label)).toEqual(ref.per_image.label.slice(0, 16));
    expect(result.records.map((r) => r.predicted)).toEqual(ref.per_image.pred.slice(0, 16));
  });

  for (const method of PAPER_METHODS) {
    it(`${method}: O (probability and logit) within 1e-4 of the reference`, () => {
      result.records.forEach((r, i) => {
        expect(Math.abs(r.Y_prob - ref.per_image.Y_prob[i])).toBeLessThan(1e-4);
        expect(Math.abs(r.methods[method].O_prob - refO(ref, method).O_prob[i]), `${method} ${r.file}`).toBeLessThan(1e-4);
        expect(Math.abs(r.methods[method].O_logit - refO(ref, method).O_logit[i]), `${method} ${r.file}`).toBeLessThan(1e-4);
      });
    });
  }
});

describe.runIf(hasShared)('ResNet-18 reference: the table computation', () => {
  const ref = hasShared ? loadReference() : (null as unknown as Reference);

  it('on a seeded 40-image sample equals the formulas applied to the reference per-image values', () => {
    const indices = sampleItems(ref.files.map((_, i) => i), 40, 7);
    expect(indices).toHaveLength(40);
    const table = computeTable(referenceRecords(ref, indices), PAPER_METHODS, 'prob');
    const Y = indices.map((i) => ref.per_image.Y_prob[i]);
    const O = (m: string) => indices.map((i) => refO(ref, m).O_prob[i]);
    const wins = new Array(PAPER_METHODS.length).fill(0);
    indices.forEach((_, j) => {
      const row = PAPER_METHODS.map((m) => O(m)[j]);
      const best = Math.max(...row);
      wins[row.findIndex((o) => o >= best - 1e-5 * Math.max(1, Math.abs(best)))]++;
    });
    PAPER_METHODS.forEach((m, k) => {
      const drop = (100 * O(m).reduce((s, o, j) => s + Math.max(0, Y[j] - o) / Y[j], 0)) / 40;
      const inc = (100 * O(m).filter((o, j) => o >= Y[j]).length) / 40;
      expect(table.rows[m].average_drop_pct).toBeCloseTo(drop, 10);
      expect(table.rows[m].increase_in_confidence_pct).toBeCloseTo(inc, 10);
      expect(table.rows[m].win_pct).toBeCloseTo((100 * wins[k]) / 40, 10);
    });
  });

  it('on all 2,000 images reproduces the reference table (probability variant, Win ties to the earlier method)', () => {
    const table = computeTable(referenceRecords(ref, ref.files.map((_, i) => i)), PAPER_METHODS, 'prob');
    for (const m of PAPER_METHODS) {
      const want = ref.table.prob[REF_NAMES[m]];
      expect(table.rows[m].average_drop_pct).toBeCloseTo(want.average_drop_pct, 6);
      expect(table.rows[m].increase_in_confidence_pct).toBeCloseTo(want.increase_in_confidence_pct, 6);
      expect(table.rows[m].win_pct).toBeCloseTo(want.win_pct, 6);
    }
    expect(table.rows.xgradcam.win_pct).toBe(0);
  });
});
