/**
 * "Why A, not B" in the image view, through the real workbench on the demo model: explain with `versus` streams the
 * engine's own contrast maps (explainImages with the same { classIndex, versus } target), never a map cached for the
 * plain class or for the reverse contrast (in memory or in the project), and the cache keys of the three differ.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { channels } from '../../../src/shared/api';
import { check } from '../../../src/shared/validate';
import { faithfulnessKey, mapKey } from '../../../src/main/engine/cache/results';
import { contentId, scoreExplanation } from '../../../src/main/engine/evaluate/run';
import { explainImages, type ClassChoice, type ImageExplanation } from '../../../src/main/engine/explain';
import { createMethod } from '../../../src/main/engine/methods/registry';
import { createWorkbench, type Workbench } from '../../../src/main/workbench/index';
import type { ExplainPartial } from '../../../src/main/workbench/ops';

const demoModel = fileURLToPath(new URL('../../../resources/demo/fashion-cnn.onnx', import.meta.url));
const demoImages = fileURLToPath(new URL('../../../resources/demo/images', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'camscope-contrast-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const METHODS = ['gradcam', 'scorecam++'];
/** The project's maps are 16-bit (engine/cache/results.ts): within half a step of the exact map. */
const STEP = 0.5 / 65535 + 1e-9;

async function openSession(project: string, root: string): Promise<Workbench> {
  const s = createWorkbench();
  s.project.openProject(project);
  await s.model.loadModel({ path: demoModel, provider: 'cpu', precision: 'fp32', layer: 'auto' });
  s.dataset.openDataset(root);
  return s;
}

type Streamed = { target: Extract<ExplainPartial, { kind: 'image' }>['target'] | null; maps: Record<string, { map: Float32Array; cached: boolean }> };

async function explain(s: Workbench, image: number, classIndex: number | null, versus?: number | null): Promise<Streamed> {
  const out: Streamed = { target: null, maps: {} };
  await s.explanations.explain({ image, classIndex, ...(versus === undefined ? {} : { versus }), methods: METHODS }, {
    signal: new AbortController().signal,
    partial: (p) => {
      const m = p as ExplainPartial;
      if (m.kind === 'image') out.target = m.target;
      if (m.kind === 'map' && !m.preview) out.maps[m.method] = { map: m.map, cached: m.cached === true };
    },
  });
  return out;
}

/** The engine's maps for one image and class choice, computed directly (no workbench, no cache). */
async function engineMaps(s: Workbench, image: number, choice: ClassChoice): Promise<Extract<ImageExplanation, { ok: true }>> {
  const path = s.state.item(image).path;
  let result: ImageExplanation | undefined;
  for await (const r of explainImages(s.state.requireModel(), [path], { methods: METHODS.map((id) => createMethod(id)), classChoice: choice, topK: 5 })) result = r;
  if (!result?.ok) throw new Error(`the engine could not explain ${path}`);
  return result;
}

function worstDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('contrast maps in the workbench', () => {
  const root = join(tmp, 'images');
  cpSync(demoImages, root, { recursive: true, filter: (src) => !/\d{3}_/.test(src) || /\/00[0-3]_/.test(src) });
  const project = join(tmp, 'study.camscope');
  const image = 1;

  it('explain with versus streams the engine contrast maps, not the plain or the reverse ones, from memory and from the project', async () => {
    const s = await openSession(project, root);
    const plain = await explain(s, image, null);
    const [top, second] = (await engineMaps(s, image, 'predicted')).predictions;
    const A = top.classIndex;
    const B = second.classIndex;
    expect(plain.target?.classIndex).toBe(A);
    expect(plain.target?.versus).toBeUndefined();

    const forward = await engineMaps(s, image, { classIndex: A, versus: B });
    const reverse = await engineMaps(s, image, { classIndex: B, versus: A });
    const contrast = await explain(s, image, A, B);
    const reversed = await explain(s, image, B, A);
    expect(contrast.target).toEqual({
      classIndex: A, className: top.className, probability: top.probability,
      versus: { classIndex: B, className: second.className, probability: second.probability },
    });
    expect(reversed.target?.versus?.classIndex).toBe(A);
    for (const [i, id] of METHODS.entries()) {
      // Computed now (the plain maps are in memory and in the project, under other keys) and exactly the engine's.
      expect(contrast.maps[id].cached, id).toBe(false);
      expect(reversed.maps[id].cached, id).toBe(false);
      expect(contrast.maps[id].map, id).toEqual(forward.maps[i].result.map);
      expect(reversed.maps[id].map, id).toEqual(reverse.maps[i].result.map);
      // The plain and the reverse maps differ from it (by far more than the cache's 16-bit steps), so a mixed-up
      // cache could not pass the lines above. (With A at ~99 %, s_A − s_B is close to s_A: the plain map is near.)
      expect(worstDifference(contrast.maps[id].map, plain.maps[id].map), id).toBeGreaterThan(100 * STEP);
      expect(worstDifference(contrast.maps[id].map, reversed.maps[id].map), id).toBeGreaterThan(100 * STEP);
    }
    // Explaining A alone again still serves the plain map.
    const again = await explain(s, image, A);
    for (const id of METHODS) expect(again.maps[id]).toEqual({ map: plain.maps[id].map, cached: true });
    const fromMemory = await explain(s, image, A, B);
    for (const id of METHODS) expect(fromMemory.maps[id]).toEqual({ map: contrast.maps[id].map, cached: true });
    expect(s.cache.cacheUsage().map.entries).toBe(3 * METHODS.length);

    // A fresh session reads each from the project under its own key.
    const reopened = await openSession(project, root);
    const cases: [number, number | undefined, Extract<ImageExplanation, { ok: true }>][] = [[B, A, reverse], [A, undefined, await engineMaps(s, image, A)], [A, B, forward]];
    for (const [classIndex, versus, reference] of cases) {
      const got = await explain(reopened, image, classIndex, versus);
      for (const [i, id] of METHODS.entries()) {
        expect(got.maps[id].cached, id).toBe(true);
        expect(worstDifference(got.maps[id].map, reference.maps[i].result.map), id).toBeLessThanOrEqual(STEP);
      }
    }
  });

  it('faithfulness with versus scores the contrast maps, kept under their own key', async () => {
    const s = await openSession(join(tmp, 'faith.camscope'), root);
    const [top, second] = (await engineMaps(s, image, 'predicted')).predictions;
    const ctx = { signal: new AbortController().signal, partial: () => {} };
    const rows = await s.explanations.faithfulness({ image, classIndex: top.classIndex, versus: second.classIndex, methods: METHODS }, ctx);
    const classifier = s.state.requireModel();
    const reference = await scoreExplanation(classifier, await engineMaps(s, image, { classIndex: top.classIndex, versus: second.classIndex }), 0, 8);
    for (const row of rows) {
      expect(row.Y).toBeCloseTo(top.probability, 6);
      expect(row.O).toBeCloseTo(reference[row.method].O_prob, 6);
    }
    const plain = await s.explanations.faithfulness({ image, classIndex: top.classIndex, methods: METHODS }, ctx);
    expect(plain.map((r) => r.O)).not.toEqual(rows.map((r) => r.O));
    expect(s.cache.cacheUsage().faithfulness.entries).toBe(2 * METHODS.length);
  });

  it('a figure row of a contrast holds the contrast maps and says "explaining A, not B"', async () => {
    const s = await openSession(join(tmp, 'figure.camscope'), root);
    const [top, second] = (await engineMaps(s, image, 'predicted')).predictions;
    const ctx = { signal: new AbortController().signal, partial: () => {} };
    const [row] = await s.exports.figureRows([image], ['gradcam'], top.classIndex, 'jet', 0.5, ctx, second.classIndex);
    expect(row.caption).toMatch(new RegExp(`, explaining ${top.className}, not ${second.className}$`));
    // The map the figure drew is the contrast map, now in memory under the contrast's key.
    const forward = await engineMaps(s, image, { classIndex: top.classIndex, versus: second.classIndex });
    expect(s.maps.known(image, { classIndex: top.classIndex, versus: second.classIndex }, 'gradcam')?.result.map).toEqual(forward.maps[0].result.map);
    expect(s.maps.known(image, top.classIndex, 'gradcam')).toBeNull();
    const [plain] = await s.exports.figureRows([image], ['gradcam'], top.classIndex, 'jet', 0.5, ctx);
    expect(plain.caption).not.toContain('explaining');
  });

  it('cache keys of a contrast differ from the plain class and from the reverse contrast; plain keys are unchanged', async () => {
    const s = await openSession(join(tmp, 'keys.camscope'), root);
    const c = s.state.requireModel();
    const content = contentId(s.state.item(image).path)!;
    const method = createMethod('gradcam');
    const keys = [mapKey(c, content, 2, method), mapKey(c, content, 2, method, 4), mapKey(c, content, 4, method, 2), mapKey(c, content, 2, method, 5)];
    expect(new Set(keys).size).toBe(keys.length);
    expect(mapKey(c, content, 2, method, undefined)).toBe(keys[0]);
    const faith = [faithfulnessKey(c, content, 2, 'gradcam'), faithfulnessKey(c, content, 2, 'gradcam', 4), faithfulnessKey(c, content, 4, 'gradcam', 2)];
    expect(new Set(faith).size).toBe(faith.length);
  });

  it('a versus equal to the explained class is refused in one sentence, by the contract and by the engine', async () => {
    const bad = check(channels['image:explain'].request, { jobId: 'j1', image: 0, classIndex: 3, versus: 3, methods: ['gradcam'] });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toBe('payload.versus must be a class other than the explained one (classIndex).');
    expect(check(channels['image:explain'].request, { jobId: 'j1', image: 0, classIndex: 3, versus: null, methods: ['gradcam'] }).ok).toBe(true);
    expect(check(channels['image:faithfulness'].request, { jobId: 'j1', image: 0, classIndex: 3, versus: 3, methods: ['gradcam'] }).ok).toBe(false);
    const s = await openSession(join(tmp, 'refused.camscope'), root);
    const predicted = (await engineMaps(s, image, 'predicted')).predictions[0].classIndex;
    // Against the predicted class (classIndex null) only the engine knows which class that is.
    await expect(explain(s, image, null, predicted)).rejects.toThrow(`Class ${predicted} cannot be explained versus itself: choose two different classes.`);
  });
});
