// The sanity verdict when maps go blank: a map that becomes flat once weights are randomized has changed as much
// as a map can (its similarity to the original is undefined, not high), so it passes — and the stage is named.
import { describe, expect, it } from 'vitest';
import { buildSanitySvg } from '../../../src/main/engine/sanity/figure';
import { isFlatMap, sanityVerdict, type PerStage, type SanityResult } from '../../../src/main/engine/sanity/run';
import { verdictSentence } from '../../../src/main/engine/sanity/sentence';

const stage = (mean: number | null): PerStage[number] => ({ mean, std: null, n: mean === null ? 0 : 3 });
const names = ['original', 'fc', 'layer4', 'layer3'];

describe('sanity verdict', () => {
  it('calls a map flat only when it has no contrast left', () => {
    expect(isFlatMap(new Float32Array(16).fill(0.3))).toBe(true);
    expect(isFlatMap(new Float32Array(16))).toBe(true);
    const m = new Float32Array(16);
    m[5] = 1e-3;
    expect(isFlatMap(m)).toBe(false);
  });

  it('cascading: maps blank at full randomization pass, naming the first blank stage', () => {
    const sp = [stage(1), stage(0.8), stage(null), stage(null)];
    const v = sanityVerdict('cascading', sp, [0, 0, 1, 1], names);
    expect(v).toMatchObject({ passed: true, blankAt: 'layer4', value: null });
  });

  it('cascading: a minority of blank maps decides nothing; similarity decides as before', () => {
    expect(sanityVerdict('cascading', [stage(1), stage(0.9), stage(0.7)], [0, 0, 0.4], names)).toMatchObject({ passed: false, blankAt: null, value: 0.7 });
    expect(sanityVerdict('cascading', [stage(1), stage(0.9), stage(0.2)], [0, 0, 0], names)).toMatchObject({ passed: true, blankAt: null });
    // Nothing to compare and nothing blank: still no verdict.
    expect(sanityVerdict('cascading', [stage(1), stage(null)], [0, 0], names).passed).toBeNull();
  });

  it('independent: blank stages count as changed ones', () => {
    // Stages: 0.9 (same), blank, blank → 2 of 3 changed → passes (≥ half).
    const v = sanityVerdict('independent', [stage(1), stage(0.9), stage(null), stage(null)], [0, 0, 0.75, 1], names);
    expect(v.passed).toBe(true);
    expect(v.value).toBeCloseTo(2 / 3, 12);
    expect(v.blankAt).toBe('layer4');
    // 0.9, 0.8 and one blank: 1 of 3 changed → fails.
    expect(sanityVerdict('independent', [stage(1), stage(0.9), stage(0.8), stage(null)], [0, 0, 0, 1], names)).toMatchObject({ passed: false });
  });
});

describe('the blank-map verdict in words (CLI line, figure legend)', () => {
  it('names the stage and says the maps depend on the learned weights; other verdicts keep their sentences', () => {
    expect(verdictSentence('Grad-CAM', 'cascading', true, 'layer4')).toBe("Grad-CAM's maps went blank once layer4 was randomized: they depend on the learned weights.");
    expect(verdictSentence('Grad-CAM', 'cascading', true, null)).toMatch(/maps change when the model's weights are randomized/);
    expect(verdictSentence('Grad-CAM', 'random-class', true, 'layer4')).toMatch(/another class/);
  });

  it('the figure legend says which stage blanked the maps', async () => {
    const per = { spearman: [stage(1), stage(null)], ssim: [stage(1), stage(null)], pearson: [stage(1), stage(null)] };
    const result: SanityResult = {
      json: {
        settings: { model: 'm.onnx', methods: ['gradcam'], mode: 'cascading', seed: 0, images: 1, similarity: '', maps: '' },
        stages: [{ name: 'original', layers: [] }, { name: 'layer4', layers: ['layer4.conv'] }],
        methods: { gradcam: { ...per, verdict: sanityVerdict('cascading', per.spearman, [0, 1], ['original', 'layer4']) } },
        images: [],
        failed: [],
        notes: [],
      } as unknown as SanityResult['json'],
      maps: [],
      pixels: null,
    };
    const svg = await buildSanitySvg(result, { gradcam: 'Grad-CAM' });
    expect(svg).toContain('Grad-CAM: passes — blank once layer4 was randomized');
  });
});
