/**
 * The app's model comparison (workbench/comparison.ts) on the demo model (A) and a tiny CNN (B) whose classes are the
 * demo's names in another order and whose input frame is a centre crop of another size: the image view's pairs and
 * the folder run give what the engine's compare functions give on the same images (compareImage, runComparison in
 * a project of their own); a model with a class A lacks is refused in one sentence; B is released when A changes.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchClasses } from '../../../src/main/engine/compare/classes';
import { compareImage, runComparison } from '../../../src/main/engine/compare/run';
import { demoModelPath } from '../../../src/main/engine/demo';
import { createMethod } from '../../../src/main/engine/methods/registry';
import { Classifier } from '../../../src/main/engine/model/classifier';
import { createWorkbench, type Workbench } from '../../../src/main/workbench/index';
import type { JobContext } from '../../../src/main/workbench/ops';
import { demoSubset, writeDemoLabels } from '../../cli/demo-subset';
import { randomTinyCnn, tinyCnnOnnx, writeModel } from '../../helpers/tiny-models';

const FASHION: string[] = JSON.parse(readFileSync(demoModelPath().replace(/\.onnx$/, '.json'), 'utf8')).classes;
const B_CLASSES = [...FASHION].reverse();
[B_CLASSES[0], B_CLASSES[1]] = [B_CLASSES[1], B_CLASSES[0]];
const METHODS = ['gradcam', 'scorecam++'];

function tinyModel(name: string, classes: string[]): string {
  const m = randomTinyCnn(7, { inC: 1, h: 8, w: 6, C: 6, K: 10 });
  return writeModel(name, tinyCnnOnnx(m), { classes, inputSize: [16, 12], channels: 1, resize: 'shorter-side-crop', mean: [0.286], std: [0.353] });
}

const ctx = (partials: unknown[] = []): JobContext => ({ signal: new AbortController().signal, partial: (p) => partials.push(p) });

let tmp: string;
let dataset: string;
let files: string[];
let modelB: string;
let wb: Workbench;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'camscope-app-compare-'));
  ({ dataset, files } = demoSubset(tmp, 6));
  writeDemoLabels(join(dataset, 'labels.csv'), files);
  modelB = tinyModel('app-compare-b', B_CLASSES);
  wb = createWorkbench();
  wb.project.openProject(join(tmp, 'app.camscope'));
  await wb.model.loadModel({ path: demoModelPath(), provider: 'cpu', precision: 'fp32', layer: 'auto' });
  wb.dataset.openDataset(dataset);
});
afterAll(async () => {
  await wb.comparison.release();
  await wb.state.classifier?.release();
  rmSync(tmp, { recursive: true, force: true });
});

describe('ComparisonService', () => {
  it('opens B beside A: classes matched by name, not in the same order', async () => {
    const m = await wb.comparison.open(modelB);
    expect(m).toMatchObject({ name: 'app-compare-b.onnx', classes: 10, classesSource: 'sidecar', sameOrder: false, inputSize: [16, 12] });
    expect(wb.comparison.model()).toEqual(m);
  });

  it("an image's pairs: B explains A's class by name, distances equal the engine's compareImage", async () => {
    const a = await Classifier.load(demoModelPath(), { ep: 'cpu' });
    const b = await Classifier.load(modelB, { ep: 'cpu' });
    try {
      const match = matchClasses({ file: 'a', names: FASHION }, { file: 'b', names: B_CLASSES });
      for (const image of [0, 3]) {
        const pair = await wb.comparison.pair({ image, classIndex: null, methods: METHODS }, ctx());
        const ref = await compareImage(a, b, join(dataset, files[image]), METHODS.map(createMethod), match);
        expect(pair.failures).toEqual([]);
        expect(pair.target.classIndex).toBe(ref.stored.explained[1].classIndex);
        expect(pair.target.className).toBe(FASHION[ref.stored.explained[0].classIndex]);
        expect([pair.frame.width, pair.frame.height]).toEqual([12, 16]);
        for (const p of pair.pairs) {
          const d = ref.stored.methods[p.method];
          expect(p.distances.map_max_abs_diff).toBeCloseTo(d.map_max_abs_diff, 5);
          expect(p.distances.map_pearson!).toBeCloseTo(d.map_pearson!, 5);
          expect(p.distances.map_top20_iou).toBeCloseTo(d.map_top20_iou, 5);
          expect(p.pixels).toBe(ref.stored.grid.pixels);
        }
        expect(pair.pairs.map((p) => p.method)).toEqual(METHODS);
      }
      // Another class chosen in the image view: B explains the class of that name.
      const chosen = await wb.comparison.pair({ image: 1, classIndex: 2, methods: ['gradcam'] }, ctx());
      expect(chosen.target.className).toBe(FASHION[2]);
      expect(B_CLASSES[chosen.target.classIndex]).toBe(FASHION[2]);
    } finally {
      await a.release();
      await b.release();
    }
  });

  it('the folder run streams every row and equals runComparison on the same images; the project keeps it', async () => {
    const partials: unknown[] = [];
    const result = await wb.comparison.run({ methods: ['gradcam'], sample: null, seed: 0 }, ctx(partials));
    const rows = partials.filter((p): p is { row: { file: string } } => typeof p === 'object' && p !== null && 'row' in p);
    expect(rows.map((r) => r.row.file).sort()).toEqual([...files].sort());
    const a = await Classifier.load(demoModelPath(), { ep: 'cpu' });
    const b = await Classifier.load(modelB, { ep: 'cpu' });
    try {
      mkdirSync(join(tmp, 'ref'), { recursive: true });
      const ref = await runComparison({ a, b, methods: [createMethod('gradcam')], datasetRoot: dataset, labelsCsv: join(dataset, 'labels.csv'), projectPath: join(tmp, 'ref', 'ref.camscope') });
      expect(result.summary.compared).toBe(6);
      expect(result.summary.accuracy).toEqual(ref.summary.accuracy);
      expect(result.summary.agreement).toEqual(ref.summary.agreement);
      expect(result.summary.crossTable).toEqual(ref.summary.crossTable);
      expect(result.images.map((i) => i.file)).toEqual(ref.images.map((i) => i.file));
      result.images.forEach((img, i) => {
        expect(img.index).toBe(files.indexOf(img.file));
        expect(img.methods.gradcam.map_max_abs_diff).toBeCloseTo(ref.images[i].methods.gradcam.map_max_abs_diff, 6);
        expect(img.methods.gradcam.map_top20_iou).toBeCloseTo(ref.images[i].methods.gradcam.map_top20_iou, 6);
      });
    } finally {
      await a.release();
      await b.release();
    }
    expect(wb.comparison.last()).toEqual(result);
    // A second run reads every image from the project.
    expect((await wb.comparison.run({ methods: ['gradcam'], sample: null, seed: 0 }, ctx())).resumed).toBe(6);
  });

  it('refuses a model with a class A does not have, in one sentence naming it; B is released when A changes', async () => {
    const other = tinyModel('app-compare-odd', [...FASHION.slice(0, 9), 'Umbrella']);
    await expect(wb.comparison.open(other)).rejects.toThrow(/^The models .*fashion-cnn\.onnx and .*app-compare-odd\.onnx cannot be compared: class "Ankle boot" of fashion-cnn\.onnx is not a class of app-compare-odd\.onnx \(classes are matched by name;[^()]*\)\.$/);
    expect(wb.comparison.model()?.name).toBe('app-compare-b.onnx'); // the one open before stays
    await wb.model.loadModel({ path: demoModelPath(), provider: 'cpu', precision: 'fp32', layer: 'auto' });
    expect(wb.comparison.model()).toBeNull();
    await expect(wb.comparison.pair({ image: 0, classIndex: null, methods: ['gradcam'] }, ctx())).rejects.toThrow(/Open a second model first/);
  });
});
