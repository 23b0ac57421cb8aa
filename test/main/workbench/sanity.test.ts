/**
 * The Sanity screen's job (workbench/sanity-job.ts) through the real workbench session on the embedded demo model:
 * progress per stage, the per-stage similarities (checked against a Spearman and Pearson written here from their
 * definitions), verdicts and their sentences, the strip, the files written, the seeded sample, cancelling; and the
 * `sanity:run` handler, which picks the folder itself (under user data) and lets only those files be opened.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { channels, SANITY_MODE_NAMES, type EventName, type Events, type JobProgress, type SanityResult } from '../../../src/shared/api';
import { SANITY_MODES } from '../../../src/main/engine/sanity/run';
import type { Dialogs } from '../../../src/main/handlers/deps';
import { createHandlers } from '../../../src/main/handlers/index';
import { PathAllowList } from '../../../src/main/handlers/access';
import { UserDataStore } from '../../../src/main/handlers/user-data';
import { runSanityJob, sampleIndices, verdictSentence } from '../../../src/main/workbench/sanity';
import { createWorkbench, type Workbench } from '../../../src/main/workbench/index';
import type { JobContext } from '../../../src/main/workbench/ops';

const demoModel = fileURLToPath(new URL('../../../resources/demo/fashion-cnn.onnx', import.meta.url));
const demoImages = fileURLToPath(new URL('../../../resources/demo/images', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'camscope-sanity-job-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Ranks 1..n, ties given their average rank (scipy.stats.rankdata's default). */
function ranks(x: ArrayLike<number>): number[] {
  const idx = Array.from(x, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const r = new Array<number>(x.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && x[idx[j + 1]] === x[idx[i]]) j++;
    for (let k = i; k <= j; k++) r[idx[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

function pearsonRef(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] / n;
    mb += b[i] / n;
  }
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa === 0 || sbb === 0 ? null : sab / Math.sqrt(saa * sbb);
}

const ctxOf = (progress: JobProgress[] | null, signal = new AbortController().signal): JobContext => ({
  signal,
  partial: (p) => progress?.push(p as JobProgress),
});

let session: Workbench;
beforeAll(async () => {
  session = createWorkbench();
  session.project.openProject(join(tmp, 'sanity.camscope'));
  await session.model.loadModel({ path: demoModel, provider: 'cpu', precision: 'fp32', layer: 'auto' });
  session.dataset.openDataset(demoImages);
}, 60_000);

describe('sanity job on the demo model', () => {
  let result: SanityResult;
  const progress: JobProgress[] = [];
  const dir = join(tmp, 'cascading');

  beforeAll(async () => {
    result = await runSanityJob(session.sanity, { methods: ['gradcam', 'random'], images: { indices: [3, 0] }, mode: 'cascading', seed: 0, dir }, ctxOf(progress));
  }, 120_000);

  it('reports progress once per stage, ending at the total', () => {
    const stages = result.stages.length;
    expect(result.stages[0]).toEqual({ name: 'original', layers: 0 });
    // The demo CNN: four convolutions and the linear layer, randomized from the output down, each a stage.
    expect(stages).toBeGreaterThanOrEqual(3);
    expect(progress.every((p) => p.stage === 'sanity' && p.total === stages)).toBe(true);
    expect(progress.map((p) => p.done)).toEqual([...Array.from({ length: stages }, (_, i) => i), stages]);
    expect(progress[0].message).toBe('original');
    expect(progress.slice(1, -1).map((p) => p.message)).toEqual(result.stages.slice(1).map((s) => s.name));
    // Cascading: every stage randomizes more tensors than the one before.
    for (let s = 2; s < stages; s++) expect(result.stages[s].layers).toBeGreaterThan(result.stages[s - 1].layers);
  });

  it('lists the images in folder order with the class explained, and the strip of the first', () => {
    expect(result.images.map((i) => i.index)).toEqual([0, 3]);
    const listing = session.dataset.listing();
    expect(result.images.map((i) => i.file)).toEqual([listing.items[0].file, listing.items[3].file]);
    expect(result.images[1].className).toBe('Trouser');
    expect(result.failed).toEqual([]);
    const strip = result.strip!;
    expect(strip.frame.index).toBe(0);
    expect([strip.frame.width, strip.frame.height]).toEqual([28, 28]);
    expect(strip.maps.map((m) => m.method)).toEqual(['gradcam', 'random']);
    for (const m of strip.maps) {
      expect(m.maps).toHaveLength(result.stages.length);
      for (const map of m.maps) expect(map!.length).toBe(28 * 28);
    }
  });

  it('gives similarities that match their definitions, 1 at the original model', () => {
    const json = JSON.parse(readFileSync(join(dir, 'sanity.json'), 'utf8'));
    const strip = result.strip!;
    for (const [mi, m] of result.methods.entries()) {
      expect(m.spearman[0]).toMatchObject({ mean: 1, n: 2 });
      expect(m.pearson[0].mean).toBeCloseTo(1, 12);
      expect(m.ssim[0].mean).toBeCloseTo(1, 12);
      const maps = strip.maps[mi].maps;
      const perImage = json.images[0].methods[m.method];
      for (let s = 0; s < result.stages.length; s++) {
        // Image 0 (the strip's): recomputed here from the maps themselves.
        const sp = pearsonRef(ranks(maps[0]!), ranks(maps[s]!));
        const pe = pearsonRef(maps[0]!, maps[s]!);
        if (sp === null) expect(perImage.spearman[s]).toBeNull();
        else expect(perImage.spearman[s]).toBeCloseTo(sp, 9);
        if (pe === null) expect(perImage.pearson[s]).toBeNull();
        else expect(perImage.pearson[s]).toBeCloseTo(pe, 9);
        // The screen's mean is the mean over both images of the written per-image values.
        const values = json.images.map((im: { methods: Record<string, { spearman: (number | null)[] }> }) => im.methods[m.method].spearman[s]).filter((v: number | null) => v !== null);
        if (values.length) expect(m.spearman[s].mean).toBeCloseTo(values.reduce((a: number, b: number) => a + b, 0) / values.length, 12);
      }
    }
  });

  it('passes Grad-CAM and fails the model-independent random map, in plain words', () => {
    const [gradcam, random] = result.methods;
    // Grad-CAM's maps lose their structure under full randomization; the random map ignores the model entirely.
    expect(gradcam.verdict.passed).toBe(true);
    expect(gradcam.verdict.value!).toBeLessThan(0.5);
    expect(gradcam.verdict.sentence).toBe("Grad-CAM's maps change when the model's weights are randomized: they depend on what the model learned.");
    expect(random.verdict.passed).toBe(false);
    expect(random.spearman.every((s) => s.mean !== null && Math.abs(s.mean - 1) < 1e-12)).toBe(true);
    expect(random.verdict.sentence).toMatch(/^Warning: Random[^']*'s maps stay much the same when the model's weights are randomized/);
    expect(gradcam.verdict.rule).toMatch(/last stage\) < 0\.5/);
  });

  it('writes what the CLI writes into the folder it was given', () => {
    expect(result.dir).toBe(dir);
    expect(result.files).toEqual([join(dir, 'sanity.json'), join(dir, 'sanity.svg'), join(dir, 'sanity.png')]);
    expect(readFileSync(result.files[2]).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(readFileSync(result.files[1], 'utf8')).toContain('<svg');
    const json = JSON.parse(readFileSync(result.files[0], 'utf8'));
    expect(json.settings.layer).toBe('/features/features.12/Relu_output_0');
    expect(existsSync(join(dir, 'maps', '00003_' + session.dataset.listing().items[3].file.replace(/^.*\//, '').replace(/\.png$/, ''), 'gradcam', '00.png'))).toBe(true);
  });
});

describe('sanity job: modes, samples, refusals', () => {
  it('random-class compares the predicted class with another class on the original model', async () => {
    const r = await runSanityJob(session.sanity, { methods: ['gradcam'], images: { sample: 2 }, mode: 'random-class', seed: 4, dir: join(tmp, 'rc') }, ctxOf(null));
    expect(r.stages).toEqual([{ name: 'original', layers: 0 }, { name: 'random other class', layers: 0 }]);
    expect(r.images.map((i) => i.index)).toEqual(sampleIndices(100, 2, 4));
    expect(r.methods[0].verdict.sentence).toMatch(r.methods[0].verdict.passed ? /asked about another class/ : /^Warning: .*random other class/);
  }, 60_000);

  it('samples like the CLI: seeded, distinct, in folder order', () => {
    const a = sampleIndices(100, 5, 7);
    expect(a).toEqual(sampleIndices(100, 5, 7));
    expect(new Set(a).size).toBe(5);
    expect(a).toEqual([...a].sort((x, y) => x - y));
    expect(a.every((i) => i >= 0 && i < 100)).toBe(true);
    expect(sampleIndices(100, 5, 8)).not.toEqual(a);
    expect(sampleIndices(3, 5, 0)).toEqual([0, 1, 2]);
  });

  it('says every verdict in a sentence naming the method', () => {
    for (const mode of SANITY_MODE_NAMES) {
      expect(verdictSentence('LayerCAM', mode, true)).toMatch(/^LayerCAM's maps change/);
      expect(verdictSentence('LayerCAM', mode, false)).toMatch(/^Warning: LayerCAM's maps stay much the same/);
    }
    expect(verdictSentence('LayerCAM', 'cascading', null)).toMatch(/^No verdict for LayerCAM/);
    expect(verdictSentence('LayerCAM', 'cascading', true, 'layer4')).toBe("LayerCAM's maps went blank once layer4 was randomized: they depend on the learned weights.");
  });

  it('refuses an image the folder does not have, a stopped job, and a session with nothing open', async () => {
    await expect(runSanityJob(session.sanity, { methods: ['gradcam'], images: { indices: [100] }, mode: 'cascading', seed: 0, dir: join(tmp, 'x') }, ctxOf(null))).rejects.toThrow(/no image number 100 in this folder \(it has 100\)/);
    const abort = new AbortController();
    abort.abort();
    await expect(runSanityJob(session.sanity, { methods: ['gradcam'], images: { sample: 1 }, mode: 'cascading', seed: 0, dir: join(tmp, 'y') }, ctxOf(null, abort.signal))).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(runSanityJob(createWorkbench().sanity, { methods: ['gradcam'], images: { sample: 1 }, mode: 'cascading', seed: 0, dir: join(tmp, 'z') }, ctxOf(null))).rejects.toMatchObject({ code: 'NOT_READY' });
  });

  it('offers the engine’s modes', () => {
    expect([...SANITY_MODE_NAMES]).toEqual([...SANITY_MODES]);
  });
});

describe('sanity:run handler', () => {
  it('validates the request, writes under user data, forwards progress and opens only what it wrote', async () => {
    const userData = mkdtempSync(join(tmp, 'user-'));
    const events: [EventName, unknown][] = [];
    const shell = { openPath: vi.fn(async () => ''), showItemInFolder: vi.fn() };
    // The engine here is the real session in-process: `start` runs the job the worker would run.
    const engine = {
      warmUp: () => 1,
      call: async (op: string) => (op === 'openProject' ? { context: {}, stats: { annotationCount: 0, evaluationCount: 0 } } : undefined),
      start: (op: string, args: never, opts: { onPartial?: (v: unknown) => void }) => {
        expect(op).toBe('sanity');
        return { id: 1, result: runSanityJob(session.sanity, args, { signal: new AbortController().signal, partial: (v) => opts.onPartial?.(v) }), cancel: () => {} };
      },
    };
    const { handlers } = createHandlers({
      engine: engine as never,
      allowList: new PathAllowList(),
      dialogs: {} as Dialogs,
      emit: <E extends EventName>(e: E, p: Events[E]) => void events.push([e, p]),
      store: new UserDataStore(userData),
      app: { version: '0.1.0', electron: '0', shell: 'desktop' },
      untitledDir: join(userData, 'untitled'),
      shell,
    });
    const request = channels['sanity:run'].request({ jobId: 'sc-9', methods: ['gradcam'], images: { indices: [1] }, mode: 'independent', seed: 2 });
    const result = await handlers['sanity:run'](request);
    expect(resolve(result.dir).startsWith(resolve(userData, 'sanity-checks') + sep)).toBe(true);
    expect(result.dir).toMatch(/independent-sc-9$/);
    expect(events.filter(([e]) => e === 'job:progress').every(([, p]) => (p as JobProgress).jobId === 'sc-9' && (p as JobProgress).stage === 'sanity')).toBe(true);
    expect(events.length).toBe(result.stages.length + 1);
    await handlers['export:open']({ path: result.files[2] });
    expect(shell.openPath).toHaveBeenCalledWith(resolve(result.files[2]));
    handlers['export:showInFolder']({ path: result.dir });
    expect(shell.showItemInFolder).toHaveBeenCalledWith(resolve(result.dir));
    await expect(handlers['export:open']({ path: join(userData, 'settings.json') })).rejects.toThrow(/opens only files it has just exported/);
  }, 60_000);
});
