/**
 * The result cache in the project, through the real workbench session on the demo model: reopening predicts nothing
 * again, an evaluation fills the cache so drill-down maps, per-image faithfulness and report/figure export run no
 * model (onnxruntime's run counter stays put), a changed setting or a changed image misses, and the cache shows its
 * size and can be cleared.
 */
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { modelRunCount } from '../../../src/main/engine/onnx/backend';
import { createWorkbench, type Workbench } from '../../../src/main/workbench/index';
import type { JobContext } from '../../../src/main/workbench/ops';

const demoModel = fileURLToPath(new URL('../../../resources/demo/fashion-cnn.onnx', import.meta.url));
const demoImages = fileURLToPath(new URL('../../../resources/demo/images', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'camscope-cache-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ctx = (): JobContext => ({ signal: new AbortController().signal, partial: () => {} });

/** 12 demo images (with their labels) in a folder of our own, so one can be changed. */
function smallDataset(): string {
  const root = join(tmp, 'images');
  cpSync(demoImages, root, { recursive: true, filter: (src) => !/\d{3}_/.test(src) || /\/0(0\d|1[01])_/.test(src) });
  const rows = readFileSync(join(demoImages, 'labels.csv'), 'utf8').trim().split('\n');
  writeFileSync(join(root, 'labels.csv'), [rows[0], ...rows.slice(1).filter((r) => /^0(0\d|1[01])_/.test(r))].join('\n') + '\n');
  return root;
}

async function openSession(project: string, root: string, layer = 'auto'): Promise<Workbench> {
  const s = createWorkbench();
  s.project.openProject(project);
  await s.model.loadModel({ path: demoModel, provider: 'cpu', precision: 'fp32', layer });
  s.dataset.openDataset(root);
  return s;
}

describe('result cache', () => {
  const project = join(tmp, 'study.camscope');
  let root = '';
  let firstPredictions: unknown;

  it('predictions are computed once; a reopened project shows them without running the model', async () => {
    root = smallDataset();
    const a = await openSession(project, root);
    const before = modelRunCount();
    const batches: unknown[] = [];
    await a.predictions.predict({ signal: new AbortController().signal, partial: (p) => batches.push(p) });
    expect(modelRunCount()).toBeGreaterThan(before);
    firstPredictions = batches.filter((b) => typeof b === 'object' && b !== null && 'indices' in b);
    expect(a.cache.cacheUsage().prediction).toMatchObject({ entries: 12 });

    const b = await openSession(project, root);
    const runs = modelRunCount();
    const again: unknown[] = [];
    await b.predictions.predict({ signal: new AbortController().signal, partial: (p) => again.push(p) });
    expect(modelRunCount()).toBe(runs);
    const merged = (list: unknown[]) => list.filter((x) => typeof x === 'object' && x !== null && 'indices' in x)
      .flatMap((x) => { const p = x as { indices: Int32Array; classes: Int32Array; probs: Float32Array; k: number };
        return [...p.indices].map((index, row) => [index, [...p.classes.subarray(row * p.k, (row + 1) * p.k)], [...p.probs.subarray(row * p.k, (row + 1) * p.k)]]); })
      .sort((x, y) => (x[0] as number) - (y[0] as number));
    expect(merged(again)).toEqual(merged(firstPredictions as unknown[]));
  });

  it('an evaluation fills the cache: drill-down maps, faithfulness and report export then run no model', async () => {
    const s = await openSession(project, root);
    const summary = await s.evaluations.evaluate({ methods: ['gradcam', 'scorecam++'], sample: 6, seed: 0, score: 'prob' }, ctx());
    const usage = s.cache.cacheUsage();
    expect(usage.map.entries).toBe(12);
    expect(usage.faithfulness.entries).toBe(12);

    const fresh = await openSession(project, root);
    const detail = fresh.evaluations.getEvaluation(summary.id);
    const evaluated = detail.records.map((r) => fresh.dataset.listing().items.findIndex((i) => i.file === r.file));
    const runs = modelRunCount();
    const maps: Record<string, Float32Array> = {};
    await fresh.explanations.explain({ image: evaluated[0], classIndex: null, methods: ['gradcam', 'scorecam++'] }, {
      signal: new AbortController().signal,
      partial: (p) => {
        const m = p as { kind?: string; method: string; map: Float32Array };
        if (m.kind === 'map') maps[m.method] = m.map;
      },
    });
    const rows = await fresh.explanations.faithfulness({ image: evaluated[0], classIndex: null, methods: ['gradcam', 'scorecam++'] }, ctx());
    const out = join(tmp, 'report');
    const exported = await fresh.exports.exportReport({ dir: out, evaluationId: summary.id, figureImages: evaluated.slice(0, 3), colormap: 'jet', opacity: 0.5 }, ctx());
    expect(modelRunCount()).toBe(runs);
    expect(exported.files.length).toBeGreaterThan(3);
    // The evaluation's own per-image values, and maps equal to a fresh computation within the cache's 16-bit steps.
    const record = detail.records[0];
    for (const row of rows) expect(row.O).toBe(record.methods[row.method].O_prob);
    const uncached = await openSession(join(tmp, 'other.camscope'), root);
    const exact: Record<string, Float32Array> = {};
    await uncached.explanations.explain({ image: evaluated[0], classIndex: null, methods: ['gradcam', 'scorecam++'] }, {
      signal: new AbortController().signal,
      partial: (p) => {
        const m = p as { kind?: string; method: string; map: Float32Array };
        if (m.kind === 'map') exact[m.method] = m.map;
      },
    });
    for (const id of ['gradcam', 'scorecam++']) {
      let worst = 0;
      for (let i = 0; i < exact[id].length; i++) worst = Math.max(worst, Math.abs(maps[id][i] - exact[id][i]));
      expect(worst).toBeLessThanOrEqual(0.5 / 65535 + 1e-9);
    }
  });

  it('a map from memory or the project is marked cached, with the time it took when computed; a computed one is not', async () => {
    const collect = async (s: Awaited<ReturnType<typeof openSession>>, image: number): Promise<Record<string, { cached?: boolean; timeMs: number }>> => {
      const got: Record<string, { cached?: boolean; timeMs: number }> = {};
      await s.explanations.explain({ image, classIndex: null, methods: ['gradcam', 'scorecam++'] }, {
        signal: new AbortController().signal,
        partial: (p) => {
          const m = p as { kind?: string; method: string; cached?: boolean; timeMs: number; preview?: unknown };
          if (m.kind === 'map' && !m.preview) got[m.method] = { cached: m.cached, timeMs: m.timeMs };
        },
      });
      return got;
    };
    const file = join(tmp, 'cached-flag.camscope');
    const s = await openSession(file, root);
    const first = await collect(s, 3);
    for (const id of ['gradcam', 'scorecam++']) {
      expect(first[id].cached, id).toBeUndefined();
      expect(first[id].timeMs, id).toBeGreaterThan(0);
    }
    const again = await collect(s, 3); // from memory
    const reopened = await collect(await openSession(file, root), 3); // from the project's result cache
    for (const id of ['gradcam', 'scorecam++']) {
      expect(again[id], id).toEqual({ cached: true, timeMs: first[id].timeMs });
      expect(reopened[id].cached, id).toBe(true);
      expect(reopened[id].timeMs, id).toBeCloseTo(first[id].timeMs, 3);
    }
  });

  it('a changed setting or a changed image misses; clearing empties it', async () => {
    const s = await openSession(project, root, '/features/features.9/Relu_output_0');
    const runs = modelRunCount();
    await s.explanations.explain({ image: 0, classIndex: null, methods: ['gradcam'] }, ctx());
    expect(modelRunCount()).toBeGreaterThan(runs); // another layer: not the evaluated maps
    // The same file name with other content (a replaced image) is another image.
    const d = s.dataset.listing();
    copyFileSync(join(root, d.items[1].file), join(root, d.items[0].file));
    const t = await openSession(project, root);
    const before = modelRunCount();
    await t.predictions.predict(ctx());
    expect(modelRunCount()).toBeGreaterThan(before);
    const usage = t.cache.cacheUsage();
    expect(Object.values(usage).reduce((a, u) => a + u.bytes, 0)).toBeGreaterThan(0);
    expect(t.cache.clearCache()).toEqual({});
  });

  it('the image view streams score-based maps as previews that end in the exact map', async () => {
    const s = await openSession(join(tmp, 'previews.camscope'), root);
    const events: { method: string; preview?: { passes: number; total: number }; map: Float32Array }[] = [];
    await s.explanations.explain({ image: 1, classIndex: null, methods: ['gradcam', 'scorecam++'] }, {
      signal: new AbortController().signal,
      partial: (p) => {
        const m = p as { kind?: string; method: string; map: Float32Array; preview?: { passes: number; total: number } };
        if (m.kind === 'map') events.push(m);
      },
    });
    const score = events.filter((e) => e.method === 'scorecam++');
    expect(score.length).toBeGreaterThan(1);
    expect(score[0].preview).toMatchObject({ passes: 0 });
    expect(score.at(-1)!.preview).toBeUndefined();
    expect(score.slice(0, -1).every((e) => e.preview)).toBe(true);
    expect(events.filter((e) => e.method === 'gradcam').every((e) => !e.preview)).toBe(true);
  });
});
