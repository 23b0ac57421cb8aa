/**
 * The Model screen's layer sweep through the real workbench session on the demo model: Grad-CAM of one image at the
 * last candidate layers, each explaining the same class, maps in the image's frame, the open layer's map equal to the
 * image view's Grad-CAM, the other layers' models kept for the next sweep (and across a change of target layer), and
 * a cancelled sweep stopping.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExplainPartial, JobContext } from '../../../src/main/workbench/ops';
import { createWorkbench, type Workbench } from '../../../src/main/workbench/index';

const demoModel = fileURLToPath(new URL('../../../resources/demo/fashion-cnn.onnx', import.meta.url));
const demoImages = fileURLToPath(new URL('../../../resources/demo/images', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'camscope-sweep-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('layer sweep', () => {
  it('explains one class at each of the last layers, reusing the open model at its own layer', async () => {
    const s = createWorkbench();
    s.project.openProject(join(tmp, 'sweep.camscope'));
    const model = await s.model.loadModel({ path: demoModel, provider: 'cpu', precision: 'fp32', layer: 'auto' });
    s.dataset.openDataset(demoImages);
    const progress: { done: number; total: number; message?: string }[] = [];
    const ctx: JobContext = { signal: new AbortController().signal, partial: (p) => progress.push(p as { done: number; total: number }) };

    const sweep = await s.explanations.sweepLayers({ image: 3, classIndex: null, count: 4 }, ctx);
    const candidates = model.inspection.candidateLayers.map((l) => l.name);
    expect(sweep.layers.map((l) => l.layer)).toEqual(candidates.slice(-4));
    expect(sweep.layers.every((l) => l.error === null && l.map !== null)).toBe(true);
    for (const l of sweep.layers) {
      expect([l.width, l.height]).toEqual([sweep.frame.width, sweep.frame.height]);
      expect(l.map!.length).toBe(l.width * l.height);
      expect(Math.max(...l.map!)).toBeLessThanOrEqual(1);
    }
    expect(sweep.target.className).toBe('Trouser');
    expect(progress.map((p) => p.done)).toEqual([0, 1, 2, 3, 4]);
    // Different layers give different maps.
    expect(sweep.layers[0].map).not.toEqual(sweep.layers[3].map);

    // The open layer's map is the image view's Grad-CAM.
    const parts: ExplainPartial[] = [];
    await s.explanations.explain({ image: 3, classIndex: null, methods: ['gradcam'] }, { signal: new AbortController().signal, partial: (p) => parts.push(p as ExplainPartial) });
    const map = parts.find((p) => 'kind' in p && p.kind === 'map') as Extract<ExplainPartial, { kind: 'map' }>;
    expect(Array.from(sweep.layers[3].map!)).toEqual(Array.from(map.map));

    // Another target layer of the same model: the sweep's models stay open, and the results do not change.
    await s.model.loadModel({ path: demoModel, provider: 'cpu', precision: 'fp32', layer: candidates[candidates.length - 2] });
    const again = await s.explanations.sweepLayers({ image: 3, classIndex: sweep.target.classIndex, count: 4 }, ctx);
    expect(again.layers.map((l) => Array.from(l.map!))).toEqual(sweep.layers.map((l) => Array.from(l.map!)));

    // A cancelled sweep stops.
    const abort = new AbortController();
    abort.abort();
    await expect(s.explanations.sweepLayers({ image: 3, classIndex: null, count: 4 }, { signal: abort.signal, partial: () => {} })).rejects.toMatchObject({ code: 'CANCELLED' });
  }, 120_000);
});
