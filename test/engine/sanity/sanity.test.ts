/**
 * Model randomization and the sanity-check run: stage naming and order, seeded redraws with the layer's moments,
 * determinism, stage 0 = 1; on the shared ResNet-18 (skipped without ../shared): Grad-CAM's maps change under full
 * cascading randomization, and SciPy recomputes the numbers from the written maps and kept models.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/main/cli/run';
import { demoImagesDir, demoModelPath } from '../../../src/main/engine/demo';
import { parseMethodList } from '../../../src/main/engine/methods/registry';
import { decodeModel, graphOf, tensorData } from '../../../src/main/engine/onnx/graph';
import { layerMoments, modelStages, normalDraws, randomizedModel, stageName } from '../../../src/main/engine/sanity/randomize';
import { runSanity, type SanityJson } from '../../../src/main/engine/sanity/run';
import { CATSDOGS, RESNET18 } from '../../helpers/shared';
import { randomTinyCnn, tinyCnnOnnx } from '../../helpers/tiny-models';

const SYSTEM_PYTHON = '/usr/bin/python3';
const hasResnet = existsSync(RESNET18) && existsSync(CATSDOGS);

describe('stages', () => {
  it('names stages by block from node or initializer names', () => {
    expect(stageName('/layer4/layer4.1/conv2/Conv', 'onnx::Conv_1')).toBe('layer4.1');
    expect(stageName('/layer4/layer4.0/downsample/downsample.0/Conv', 'x')).toBe('layer4.0');
    expect(stageName('/fc/Gemm', 'fc.weight')).toBe('fc');
    expect(stageName('/conv1/Conv', 'onnx::Conv_193')).toBe('conv1');
    expect(stageName('', 'layer2.1.bn1.weight')).toBe('layer2.1');
    expect(stageName(undefined, 'fc.bias')).toBe('fc');
  });

  it('orders stages from the output down and redraws only the named layers, reproducibly', () => {
    const m = randomTinyCnn(3, { inC: 1, h: 8, w: 8, C: 64, K: 3 });
    const bytes = tinyCnnOnnx(m);
    expect(modelStages(decodeModel(bytes))).toEqual([{ name: 'fc', layers: ['fc.w', 'fc.b'] }, { name: 'conv', layers: ['conv.w', 'conv.b'] }]);
    const a = randomizedModel(bytes, ['conv.w'], 7);
    expect(Buffer.from(randomizedModel(bytes, ['conv.w'], 7)).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(randomizedModel(bytes, ['conv.w'], 8)).equals(Buffer.from(a))).toBe(false);
    const init = (b: Uint8Array) => new Map(graphOf(decodeModel(b)).initializer.map((t) => [t.name!, tensorData(t) as Float32Array]));
    const before = init(bytes);
    const after = init(a);
    expect([...after.get('fc.w')!]).toEqual([...before.get('fc.w')!]);
    expect([...after.get('conv.b')!]).toEqual([...before.get('conv.b')!]);
    expect([...after.get('conv.w')!]).not.toEqual([...before.get('conv.w')!]);
    // The redraw is N(mean, std) of the original values (drawn exactly as normalDraws gives them).
    const { mean, std } = layerMoments(before.get('conv.w')!);
    expect([...after.get('conv.w')!]).toEqual([...normalDraws(256, mean, std, 7, 'conv.w')]);
    const big = normalDraws(200_000, 0.3, 2, 1, 'x');
    const mm = layerMoments(big);
    expect(mm.mean).toBeCloseTo(0.3, 1);
    expect(mm.std).toBeCloseTo(2, 1);
  });
});

describe('runSanity', () => {
  const images = readdirSync(demoImagesDir()).filter((f) => f.endsWith('.png')).slice(0, 3).map((f) => ({ file: join(demoImagesDir(), f), stem: f.replace(/\.png$/, '') }));

  it('is deterministic for a seed; stage 0 is the original (similarity 1); random-class compares classes', async () => {
    const run = async (seed: number, mode: 'cascading' | 'independent' | 'random-class' = 'cascading') =>
      (await runSanity({ modelPath: demoModelPath(), methods: parseMethodList('gradcam,layercam'), images, mode, seed, outDir: mkdtempSync(join(tmpdir(), 'camscope-sanity-')) })).json;
    const strip = (j: SanityJson) => ({ ...j, created: '' });
    const a = await run(5);
    expect(strip(await run(5))).toEqual(strip(a));
    expect(a.stages.map((s) => s.name)).toEqual(['original', 'classifier', 'features.10', 'features.7', 'features.3', 'features.0']);
    // Cascading: each stage randomizes its layers and all above it.
    expect(a.stages[2].layers.slice(0, 2)).toEqual(a.stages[1].layers);
    for (const m of ['gradcam', 'layercam']) {
      for (const k of ['spearman', 'ssim', 'pearson'] as const) expect(a.methods[m][k][0]).toEqual({ mean: 1, std: 0, n: 3 });
      for (const im of a.images) expect(im.methods[m].spearman[0]).toBe(1);
    }
    const ind = await run(5, 'independent');
    expect(ind.stages[2].layers).not.toContain(ind.stages[1].layers[0]);
    expect(ind.methods.gradcam.verdict.rule).toMatch(/at least half of the stages/);
    const rc = await run(5, 'random-class');
    expect(rc.stages.map((s) => s.name)).toEqual(['original', 'random other class']);
    for (const im of rc.images) {
      expect(im.randomClass).not.toBe(im.target);
      expect(im.randomClass).toBeGreaterThanOrEqual(0);
    }
  }, 120_000);
});

describe.skipIf(!hasResnet)('shared ResNet-18 (cascading, Grad-CAM)', () => {
  it("Grad-CAM's maps change under full randomization; SciPy recomputes the numbers from the maps and kept models", async () => {
    const out = mkdtempSync(join(tmpdir(), 'camscope-sanity-r18-'));
    const io = { stdout: { write: () => true }, stderr: { write: () => true } };
    const code = await runCli(['sanity', '--model', RESNET18, '--methods', 'gradcam', '--sample', '2', '--seed', '1', '--keep-models', '--out', out, CATSDOGS], io);
    expect(code).toBe(0);
    const j = JSON.parse(readFileSync(join(out, 'sanity.json'), 'utf8')) as SanityJson;
    expect(j.stages[1].name).toBe('fc');
    expect(j.stages.map((s) => s.name)).toContain('layer4.0');
    expect(j.methods.gradcam.spearman[0]).toEqual({ mean: 1, std: 0, n: 2 });
    // A known result (Adebayo et al., Fig. 2): Grad-CAM fails to keep its map once the weights are random.
    expect(j.methods.gradcam.spearman.at(-1)!.mean!).toBeLessThan(0.5);
    expect(j.methods.gradcam.verdict.passed).toBe(true);
    expect(existsSync(join(out, 'sanity.png')) && existsSync(join(out, 'sanity.svg'))).toBe(true);
    const r = JSON.parse(execFileSync(SYSTEM_PYTHON, [join(__dirname, '..', '..', 'fixtures', 'sanity', 'recompute.py'), out, RESNET18], { encoding: 'utf8' }));
    expect(r.compared).toBeGreaterThan(10);
    expect(r.spearman_max_abs_diff).toBeLessThan(1e-9);
    expect(r.pearson_max_abs_diff).toBeLessThan(1e-9);
    expect(r.ssim_max_abs_diff).toBeLessThan(1e-9);
    expect(r.models).toHaveLength(j.stages.length - 1);
    for (const m of r.models) expect(m).toMatchObject({ changed: true, moments: true, untouched: true });
  }, 600_000);
});
