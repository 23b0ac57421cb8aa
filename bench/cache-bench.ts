/**
 * The project's result cache, measured (`npm run bench:cache`): reopening a project of N images (time until every
 * prediction is shown), and report export (tables, HTML/PDF/CSV/JSON and a figure) right after an evaluation —
 * with the cache the evaluation filled, and with the cache cleared. Prints onnxruntime runs per step (the
 * acceptance is zero model runs for the cached export). Uses the shared ResNet-18 and its photos when ../shared is
 * there (else the embedded demo).
 *
 *   npx tsx bench/cache-bench.ts [--images 2000] [--eval-sample 100] [--methods gradcam,layercam] [--figure 4]
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { modelRunCount } from '../src/main/engine/onnx/backend';
import { createWorkbench, type Workbench } from '../src/main/workbench/index';
import type { JobContext } from '../src/main/workbench/ops';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '2000' },
    'eval-sample': { type: 'string', default: '100' },
    methods: { type: 'string', default: 'gradcam,layercam' },
    figure: { type: 'string', default: '4' },
  },
});
const shared = resolve(import.meta.dirname, '../../shared');
const haveShared = existsSync(join(shared, 'models/resnet18_catsdogs.onnx'));
const model = haveShared ? join(shared, 'models/resnet18_catsdogs.onnx') : resolve(import.meta.dirname, '../resources/demo/fashion-cnn.onnx');
const dataset = haveShared ? join(shared, 'data/catsdogs') : resolve(import.meta.dirname, '../resources/demo/images');
const methods = values.methods.split(',');
const ctx = (): JobContext => ({ signal: new AbortController().signal, partial: () => {} });
const tmp = mkdtempSync(join(tmpdir(), 'camscope-cache-bench-'));
const project = join(tmp, 'bench.camscope');

async function open(): Promise<{ s: Workbench; seconds: number }> {
  const t0 = performance.now();
  const s = createWorkbench();
  s.project.openProject(project);
  await s.model.loadModel({ path: model, provider: 'cpu', precision: 'fp32', layer: 'auto' });
  s.dataset.openDataset(dataset);
  return { s, seconds: (performance.now() - t0) / 1000 };
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const runs = modelRunCount();
  const t0 = performance.now();
  const out = await fn();
  rows.push([label, ((performance.now() - t0) / 1000).toFixed(2), String(modelRunCount() - runs)]);
  console.log(`${label}: ${((performance.now() - t0) / 1000).toFixed(2)} s, ${modelRunCount() - runs} model runs`);
  return out;
}

const rows: string[][] = [];
console.log(`model ${model}\ndataset ${dataset}`);
const first = await open();
const total = first.s.dataset.listing().items.length;
console.log(`${total} images in the folder (the whole folder is predicted)`);
await timed(`predict ${total} images (empty cache)`, () => first.s.predictions.predict(ctx()));
const reopened = await open();
await timed(`reopen: predictions shown (from the cache; open took ${reopened.seconds.toFixed(2)} s)`, () => reopened.s.predictions.predict(ctx()));
const summary = await timed(`evaluation of ${values['eval-sample']} images (${methods.join(', ')}; fills the cache)`, () =>
  reopened.s.evaluations.evaluate({ methods, sample: Number(values['eval-sample']), seed: 0, score: 'prob' }, ctx()));
const figureImages = reopened.s.evaluations.getEvaluation(summary.id).records.slice(0, Number(values.figure))
  .map((r) => reopened.s.dataset.listing().items.findIndex((i) => i.file === r.file));
const exporter = (await open()).s;
await timed('report export after the evaluation (cache filled)', () =>
  exporter.exports.exportReport({ dir: join(tmp, 'report-cached'), evaluationId: summary.id, figureImages, colormap: 'jet', opacity: 0.5 }, ctx()));
exporter.cache.clearCache();
const cold = (await open()).s;
await timed('report export with the cache cleared', () =>
  cold.exports.exportReport({ dir: join(tmp, 'report-cold'), evaluationId: summary.id, figureImages, colormap: 'jet', opacity: 0.5 }, ctx()));
console.log('\n| step | seconds | model runs |\n|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
rmSync(tmp, { recursive: true, force: true });
