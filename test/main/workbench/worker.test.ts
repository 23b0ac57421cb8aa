// The real engine (src/main/workbench/worker.ts, run under tsx as its own process, as the web bridge runs it) driven
// through EngineHost.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineHost, forkedEngine } from '../../../src/main/engine-host/host';
import type { EngineOps } from '../../../src/main/workbench/ops';
import type { Progress } from '../../../src/main/engine-host/protocol';
import { randomTinyCnn, tinyCnnOnnx, writeModel } from '../../helpers/tiny-models';

const entry = fileURLToPath(new URL('../../../src/main/workbench/worker.ts', import.meta.url));
const host = new EngineHost<EngineOps>({ spawn: forkedEngine(entry, { execArgv: ['--import', 'tsx'] }) });
afterAll(() => host.dispose());

const demoModel = fileURLToPath(new URL('../../../resources/demo/fashion-cnn.onnx', import.meta.url));

describe('engine worker', () => {
  it('reports engine errors with their code and plain message', async () => {
    await expect(host.call('inspect', { path: '/no/such/model.onnx' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('/no/such/model.onnx'),
    });
  });

  it.skipIf(!existsSync(demoModel))('inspects the demo model, with progress', async () => {
    const progress: Progress[] = [];
    const inspection = await host.call('inspectDemo', {}, { onProgress: (p) => progress.push(p) });
    expect(inspection.path).toBe(demoModel);
    expect(inspection.numClasses).toBe(inspection.profile.classes.length);
    expect(inspection.candidateLayers.map((l) => l.name)).toContain(inspection.defaultLayer);
    expect(progress[0]).toMatchObject({ stage: 'inspect' });

    const again = await host.call('inspect', { path: demoModel });
    expect(again.fingerprint).toBe(inspection.fingerprint);
  });
});

describe.skipIf(!existsSync(demoModel))('engine worker: the workbench session on the demo', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'camscope-worker-'));
  const project = join(tmp, 'p.camscope');
  let images = '';
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('refuses work before a model and a folder are open, with NOT_READY', async () => {
    const fresh = new EngineHost<EngineOps>({ spawn: forkedEngine(entry, { execArgv: ['--import', 'tsx'] }) });
    try {
      await expect(fresh.call('thumbnails', { indices: [0] })).rejects.toMatchObject({ code: 'NOT_READY', message: /image folder/ });
      await expect(fresh.call('listAnnotations', {})).rejects.toMatchObject({ code: 'NOT_READY' });
    } finally {
      await fresh.dispose();
    }
  });

  it('opens a project, the demo model and its images; lists methods; makes thumbnails', async () => {
    await host.call('openProject', { path: project });
    const paths = await host.call('demoPaths', {});
    images = paths.images;
    const model = await host.call('loadModel', { path: paths.model, provider: 'cpu', precision: 'fp32', layer: 'auto' });
    expect(model.provider).toEqual({ requested: 'cpu', used: 'cpu', fallbackReason: null });
    expect(model.precision).toEqual({ requested: 'fp32', used: 'fp32', fallbackReason: null });
    expect(model.layer.name).toBe(model.inspection.defaultLayer);
    expect(model.methods.map((m) => m.id)).toContain('scorecam++');
    expect(model.methods.find((m) => m.id === 'scorecam')?.speed).toBe('slow');
    const listing = await host.call('openDataset', { root: images });
    expect(listing.items).toHaveLength(100);
    expect(listing.layout).toBe('csv');
    expect(listing.labelMapping).toBe('class-names');
    expect(listing.items[0]).toEqual({ file: '000_ankle-boot.png', label: 9, labelName: 'Ankle boot' });
    const thumbs = await host.call('thumbnails', { indices: [0, 1, 500] });
    expect(thumbs[0].mime).toBe('image/png');
    expect([...thumbs[0].bytes.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    expect(thumbs[2]).toMatchObject({ index: 500, error: 'No such image.' });
  });

  it('predicts the whole folder in batches of typed arrays', async () => {
    const batches: { indices: Int32Array; classes: Int32Array; probs: Float32Array; k: number }[] = [];
    const summary = await host.call('predict', {}, { onPartial: (p) => ('indices' in p ? batches.push(p) : undefined) });
    expect(summary).toMatchObject({ done: 100, failed: [] });
    const n = batches.reduce((a, b) => a + b.indices.length, 0);
    expect(n).toBe(100);
    expect(batches[0].classes).toBeInstanceOf(Int32Array);
    expect(batches[0].k).toBe(5);
    const best = batches[0].probs[0];
    expect(best).toBeGreaterThan(batches[0].probs[1]);
  });

  it('explains one image: the image first, fast methods before slow ones, progress for the slow ones', async () => {
    const order: string[] = [];
    let progress = 0;
    let previews = 0;
    const summary = await host.call(
      'explain',
      { image: 3, classIndex: null, methods: ['scorecam++', 'gradcam', 'layercam'] },
      {
        onPartial: (p) => {
          // Score-based maps arrive as previews first; the order counts each method's exact map.
          if ('kind' in p && p.kind === 'map' && p.preview) previews++;
          else if ('kind' in p) order.push(p.kind === 'image' ? 'image' : p.method);
          else if (p.stage === 'explain') progress++;
        },
      },
    );
    expect(order).toEqual(['image', 'gradcam', 'layercam', 'scorecam++']);
    expect(progress).toBeGreaterThan(0);
    expect(previews).toBeGreaterThan(0);
    expect(summary.target.className).toBe('Trouser');
    expect(summary.methods.every((m) => m.ok)).toBe(true);
    expect(summary.precision).toEqual({ requested: 'fp32', used: 'fp32', fallbackReason: null });
    const explicit = await host.call('explain', { image: 3, classIndex: 0, methods: ['gradcam'] }, { onPartial: () => {} });
    expect(explicit.target).toMatchObject({ classIndex: 0, className: 'T-shirt/top' });
    await expect(host.call('explain', { image: 3, classIndex: null, methods: ['nosuch'] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(host.call('explain', { image: 999, classIndex: null, methods: ['gradcam'] })).rejects.toMatchObject({ message: /no image number 999/ });
  });

  it('measures Average Drop and Increase in Confidence per method on one image', async () => {
    const rows = await host.call('faithfulness', { image: 3, classIndex: null, methods: ['gradcam', 'scorecam++'] }, { onPartial: () => {} });
    expect(rows.map((r) => r.method)).toEqual(['gradcam', 'scorecam++']);
    for (const r of rows) {
      expect(r.averageDropPct).toBeCloseTo((100 * Math.max(0, r.Y - r.O)) / r.Y, 6);
      expect(r.increase).toBe(r.O >= r.Y);
    }
  });

  it('keeps annotations in the project and exports COCO JSON', async () => {
    const a = await host.call('addAnnotation', {
      image: '003_trouser.png', kind: 'rect', label: 'waist', note: 'top band', points: [[20, 9], [4, 1]], imageSize: { width: 28, height: 28 },
    });
    expect(a.points).toEqual([[4, 1], [20, 9]]);
    const p = await host.call('addAnnotation', { image: '003_trouser.png', kind: 'point', label: 'hem', note: '', points: [[10, 26]], imageSize: { width: 28, height: 28 } });
    await expect(
      host.call('addAnnotation', { image: 'x.png', kind: 'polygon', label: 'x', note: '', points: [[1, 1], [2, 2]], imageSize: { width: 28, height: 28 } }),
    ).rejects.toMatchObject({ message: /at least three corners/ });
    expect((await host.call('updateAnnotation', { id: p.id, label: 'hemline' })).label).toBe('hemline');
    expect(await host.call('listAnnotations', { image: '003_trouser.png' })).toHaveLength(2);
    const dest = join(tmp, 'coco.json');
    await host.call('exportCoco', { dest });
    const coco = JSON.parse(readFileSync(dest, 'utf8'));
    expect(coco.categories.map((c: { name: string }) => c.name)).toEqual(['hemline', 'waist']);
    expect(coco.annotations[0]).toMatchObject({ bbox: [4, 1, 16, 8], area: 128 });
    expect(coco.annotations[1]).toMatchObject({ keypoints: [10, 26, 2], num_keypoints: 1 });
    expect(await host.call('deleteAnnotation', { id: p.id })).toEqual({ deleted: true });
    expect(await host.call('projectStats', {})).toMatchObject({ annotationCount: 1 });
  });

  it('runs an evaluation with progress, lists it, and exports a figure and a report', async () => {
    const progress: { done: number; total: number }[] = [];
    const summary = await host.call(
      'evaluate',
      { methods: ['gradcam', 'scorecam++'], sample: 6, seed: 1, score: 'prob' },
      { onPartial: (p) => progress.push(p) },
    );
    expect(summary.images).toBe(6);
    expect(summary.table.methods).toEqual(['gradcam', 'scorecam++']);
    expect(progress.at(-1)).toMatchObject({ stage: 'evaluate', done: 6, total: 6 });
    const list = await host.call('listEvaluations', {});
    expect(list.map((e) => e.id)).toContain(summary.id);
    expect(list[0]).not.toHaveProperty('records');
    const detail = await host.call('getEvaluation', { id: summary.id });
    expect(detail.records).toHaveLength(6);
    expect(detail.metrics.map((m) => m.key)).toContain('average_drop_pct');

    const fig = await host.call(
      'exportFigure',
      { dir: join(tmp, 'fig'), images: [0, 1], methods: ['gradcam', 'scorecam++'], classIndex: null, colormap: 'viridis', opacity: 0.5 },
      { onPartial: () => {} },
    );
    expect(fig.files.map((f) => f.split('/').pop())).toEqual(['figure.svg', 'figure.png']);
    expect(readFileSync(fig.files[0], 'utf8')).toContain('ScoreCAM++');
    const report = await host.call(
      'exportReport',
      { dir: join(tmp, 'report'), evaluationId: summary.id, figureImages: [0], colormap: 'jet', opacity: 0.5 },
      { onPartial: () => {} },
    );
    expect(report.files.map((f) => f.split('/').pop()).sort()).toEqual(
      ['figure.png', 'figure.svg', 'report.csv', 'report.html', 'report.json', 'report.pdf'].sort(),
    );
  });

  it('remembers its context and saves the project under a new name', async () => {
    await host.call('setProjectContext', { datasetRoot: images, modelPath: demoModel, provider: 'webgpu', precision: 'fp16' });
    const saved = await host.call('saveProjectAs', { dest: join(tmp, 'copy.camscope') });
    expect(saved.context).toMatchObject({ datasetRoot: images, modelPath: demoModel, provider: 'webgpu', precision: 'fp16' });
    // Reopened from the file: the precision is read back from its meta ('model.precision'), like the provider.
    const reopened = await host.call('openProject', { path: join(tmp, 'copy.camscope') });
    expect(reopened.context).toMatchObject({ provider: 'webgpu', precision: 'fp16' });
    expect(saved.stats).toMatchObject({ annotationCount: 1, evaluationCount: 1 });
  });

  it('opens the model with fp16 scoring: tried on the first score-based map, and the outcome reported', async () => {
    const model = await host.call('loadModel', { path: demoModel, provider: 'cpu', precision: 'fp16', layer: 'auto' });
    expect(model.precision).toEqual({ requested: 'fp16', used: 'fp16', fallbackReason: null });
    const summary = await host.call('explain', { image: 3, classIndex: null, methods: ['scorecam++'] }, { onPartial: () => {} });
    expect(summary.methods).toEqual([{ id: 'scorecam++', ok: true }]);
    expect(summary.precision.requested).toBe('fp16');
    // Either the CPU ran the fp16 graph, or it could not and fp32 runs, with the reason.
    if (summary.precision.used === 'fp16') expect(summary.precision.fallbackReason).toBeNull();
    else expect(summary.precision.fallbackReason).toMatch(/fp16 could not run/);
  });
});

describe.skipIf(!existsSync(demoModel))('engine worker: a model gradient methods cannot differentiate', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'camscope-worker-sin-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('gives the score-based maps, says why each gradient method failed, and leaves its figure cells empty', async () => {
    // Conv → Relu → Sin → GlobalAveragePool → Flatten → Gemm on 28×28 grayscale: Sin has no gradient rule.
    const bytes = tinyCnnOnnx(randomTinyCnn(1, { inC: 1, h: 14, w: 14, C: 4, K: 3 }), { unaryAfterRelu: 'Sin' });
    const model = writeModel('worker-sin', bytes, { resize: 'stretch', layer: 'relu_out' });
    await host.call('openProject', { path: join(tmp, 'p.camscope') });
    await host.call('loadModel', { path: model, provider: 'cpu', precision: 'fp32', layer: 'auto' });
    await host.call('openDataset', { root: (await host.call('demoPaths', {})).images });
    const maps: string[] = [];
    const summary = await host.call(
      'explain',
      { image: 0, classIndex: null, methods: ['gradcam', 'scorecam++'] },
      { onPartial: (p) => ('kind' in p && p.kind === 'map' && !p.preview ? maps.push(p.method) : undefined) },
    );
    expect(maps).toEqual(['scorecam++']);
    expect(summary.methods).toEqual([
      { id: 'gradcam', ok: false, error: expect.stringMatching(/cannot differentiate the Sin operator/) },
      { id: 'scorecam++', ok: true },
    ]);
    const fig = await host.call(
      'exportFigure',
      { dir: join(tmp, 'fig'), images: [0], methods: ['gradcam', 'scorecam++'], classIndex: null, colormap: 'jet', opacity: 0.5 },
      { onPartial: () => {} },
    );
    expect(readFileSync(fig.files[0], 'utf8')).toContain('n/a');
  });
});
