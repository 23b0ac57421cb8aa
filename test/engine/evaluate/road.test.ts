/**
 * ROAD and complexity in evaluation runs (the embedded demo model, a few images): what each record holds, that the
 * table is their mean, that the numbers come from the images' own ROAD inputs (recomputed here from the explained
 * image), that a run with ROAD is a run of its own which resumes with its values kept, and the CLI's --road.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateArgs } from '../../../src/main/cli/evaluate';
import { demoImagesDir, demoModelPath } from '../../../src/main/engine/demo';
import { ProjectDb } from '../../../src/main/engine/evaluate/project-db';
import { runEvaluation, type EvaluateOptions, type EvaluationResult } from '../../../src/main/engine/evaluate/run';
import type { ImageExplanation } from '../../../src/main/engine/explain';
import { parseMethodList } from '../../../src/main/engine/methods/registry';
import { ROAD_FRACTIONS, roadInput, roadLevels, roadSeed } from '../../../src/main/engine/metrics/road';
import { Classifier } from '../../../src/main/engine/model/classifier';

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

let classifier: Classifier;
let dir: string;
let result: EvaluationResult;
const explained: Extract<ImageExplanation, { ok: true }>[] = [];

const options = (project: string, extra: Partial<EvaluateOptions> = {}): EvaluateOptions => ({
  classifier, methods: parseMethodList('gradcam,random'), datasetRoot: demoImagesDir(), sample: 3, seed: 5, curveSteps: 0,
  batchSize: 8, projectPath: join(dir, project), road: true, ...extra,
});

beforeAll(async () => {
  classifier = await Classifier.load(demoModelPath());
  dir = mkdtempSync(join(tmpdir(), 'camscope-road-'));
  result = await runEvaluation({ ...options('a.camscope'), onScored: (r) => explained.push(r) });
}, 120_000);

afterAll(async () => {
  await classifier?.release();
});

describe('ROAD in an evaluation run', () => {
  it('records 9 MoRF and 9 LeRF probabilities per image and method, and the settings that made them', () => {
    expect(result.settings.road).toEqual({ fractions: [...ROAD_FRACTIONS], noiseStd: 0.01 });
    expect(result.records).toHaveLength(3);
    for (const r of result.records) {
      for (const m of ['gradcam', 'random']) {
        const road = r.methods[m].road!;
        expect(road.morf).toHaveLength(9);
        expect(road.lerf).toHaveLength(9);
        for (const p of [...road.morf, ...road.lerf]) expect(p >= 0 && p <= 1).toBe(true);
      }
    }
  });

  it('scores the images’ own imputed inputs: the run’s probabilities are the model’s on roadInput, seeded by (seed, file, method)', async () => {
    const r = explained[0];
    const record = result.records.find((x) => r.file.endsWith(x.file))!;
    const map = r.maps.find((m) => m.method === 'gradcam')!.result.map;
    const { order, levels } = roadLevels(map, roadSeed(5, record.file, 'gradcam'));
    const checked = [levels[2], levels[9 + 6]]; // MoRF 30 %, LeRF 70 %
    const { width, height } = r.image;
    for (const [i, l] of checked.entries()) {
      const x = roadInput(r.image.tensor, classifier.profile.channels, width, height, order, l.fraction, l.direction, l.seed);
      const out = await classifier.forward(x, 1, false);
      const logits = Array.from(out.logits);
      const max = Math.max(...logits);
      const p = Math.exp(logits[r.target.classIndex] - max) / logits.reduce((s, v) => s + Math.exp(v - max), 0);
      const stored = i === 0 ? record.methods.gradcam.road!.morf[2] : record.methods.gradcam.road!.lerf[6];
      expect(stored).toBeCloseTo(p, 5);
    }
  });

  it('puts the mean over levels and images in the table, combined = (LeRF − MoRF)/2', () => {
    for (const m of ['gradcam', 'random']) {
      const morf = mean(result.records.map((r) => mean(r.methods[m].road!.morf)));
      const lerf = mean(result.records.map((r) => mean(r.methods[m].road!.lerf)));
      const row = result.table.rows[m];
      expect(row.road_morf).toBeCloseTo(morf, 12);
      expect(row.road_lerf).toBeCloseTo(lerf, 12);
      expect(row.road_combined).toBeCloseTo((lerf - morf) / 2, 12);
    }
  });

  it('records the maps’ sparseness (Gini of |map|, recomputed here) and complexity without ROAD too', async () => {
    const r = explained[1];
    const record = result.records.find((x) => r.file.endsWith(x.file))!;
    const a = Array.from(r.maps.find((m) => m.method === 'gradcam')!.result.map, Math.abs).sort((x, y) => x - y);
    const n = a.length;
    const gini = a.reduce((s, v, i) => s + (2 * (i + 1) - n - 1) * v, 0) / (n * a.reduce((s, v) => s + v, 0));
    expect(record.methods.gradcam.sparseness).toBeCloseTo(gini, 10);
    const plain = await runEvaluation(options('plain.camscope', { road: false }));
    expect(plain.settings.road).toBeUndefined();
    expect(plain.records[0].methods.gradcam.road).toBeUndefined();
    expect(plain.table.rows.gradcam.road_combined).toBeUndefined();
    expect(plain.records.map((x) => x.methods.gradcam.sparseness)).toEqual(result.records.map((x) => x.methods.gradcam.sparseness));
    expect(plain.table.rows.gradcam.sparseness).toBeCloseTo(mean(plain.records.map((x) => x.methods.gradcam.sparseness!)), 12);
  });

  it('is a run of its own in the project, and a resumed run keeps its values', async () => {
    const project = 'a.camscope';
    const without = await runEvaluation(options(project, { road: false }));
    expect(without.resumed).toBe(0); // not the ROAD run resumed
    const again = await runEvaluation(options(project));
    expect(again.resumed).toBe(3);
    expect(again.evalId).toBe(result.evalId);
    expect(again.records.map((r) => r.methods.gradcam.road)).toEqual(result.records.map((r) => r.methods.gradcam.road));
    expect(again.table).toEqual(result.table);
    const db = new ProjectDb(join(dir, project));
    try {
      expect(db.evaluations()).toHaveLength(2);
    } finally {
      db.close();
    }
  });

  it('draws the same noise on a fresh run with the same seed', async () => {
    const fresh = await runEvaluation(options('fresh.camscope'));
    expect(fresh.records.map((r) => r.methods.gradcam.road)).toEqual(result.records.map((r) => r.methods.gradcam.road));
  });
});

describe('camscope evaluate --road', () => {
  const base = { model: 'm.onnx', dataset: 'd', out: 'o' };
  it('is off unless asked for', () => {
    expect(evaluateArgs(base).road).toBe(false);
    expect(evaluateArgs({ ...base, road: true }).road).toBe(true);
  });
});
