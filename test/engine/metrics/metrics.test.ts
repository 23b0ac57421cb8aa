import { describe, expect, it } from 'vitest';
import { averageDrop } from '../../../src/main/engine/metrics/average-drop';
import { increaseInConfidence } from '../../../src/main/engine/metrics/increase-in-confidence';
import { winPercentages } from '../../../src/main/engine/metrics/win';
import { logitDrop } from '../../../src/main/engine/metrics/logit-drop';
import { curveArea, curveInputs, saliencyOrder } from '../../../src/main/engine/metrics/deletion-insertion';
import { computeTable } from '../../../src/main/engine/metrics/table';
import type { ImageRecord, MethodResult } from '../../../src/main/engine/evaluate/types';

describe('Average Drop %', () => {
  it('averages the clipped relative drop and excludes Y ≤ 0 (counted)', () => {
    // (0.8−0.6)/0.8 = 0.25; O > Y → 0; Y ≤ 0 excluded twice.
    const r = averageDrop([{ Y: 0.8, O: 0.6 }, { Y: 0.5, O: 0.7 }, { Y: -0.2, O: 0.1 }, { Y: 0, O: 0 }]);
    expect(r.value).toBeCloseTo(12.5, 12);
    expect([r.used, r.excluded]).toEqual([2, 2]);
    expect(averageDrop([{ Y: -1, O: 0 }])).toEqual({ value: null, used: 0, excluded: 1 });
  });
});

describe('Increase in Confidence %', () => {
  it('counts O ≥ Y, ties included', () => {
    expect(increaseInConfidence([{ Y: 0.5, O: 0.5 }, { Y: 0.5, O: 0.4 }, { Y: 0.2, O: 0.9 }, { Y: 0.9, O: 0.1 }])).toBe(50);
    expect(increaseInConfidence([])).toBeNull();
  });
});

describe('Win %', () => {
  it('gives each image to the largest O, ties within 1e-5·max(1,|O|) to the earlier method', () => {
    const O = [
      [0.5, 0.5, 0.1], // exact tie → method 0
      [0.3, 0.3 + 5e-6, 0.1], // within tolerance → method 0
      [0.3, 0.3 + 5e-5, 0.1], // beyond tolerance → method 1
      [0.1, 0.2, 0.9], // method 2
    ];
    expect(winPercentages(O, 3)).toEqual([50, 25, 25]);
    // The tolerance scales with |O| above 1 (logits): 1e-5·100 = 1e-3.
    expect(winPercentages([[100, 100.0005]], 2)).toEqual([100, 0]);
    expect(winPercentages([[100, 100.002]], 2)).toEqual([0, 100]);
  });
});

describe('average drop in logit', () => {
  it('is the mean fall of the target logit when the explained region is removed', () => {
    expect(logitDrop([{ Y_logit: 3, removedLogit: 1 }, { Y_logit: 2, removedLogit: 2.5 }])).toBe(0.75);
  });
});

describe('deletion and insertion', () => {
  it('removes / restores pixels in order of saliency', () => {
    const map = Float32Array.from([0.1, 0.9, 0.5, 0.9]);
    expect(Array.from(saliencyOrder(map))).toEqual([1, 3, 2, 0]);
    const image = Float32Array.from([1, 2, 3, 4, 10, 20, 30, 40]); // 2 channels × 4 pixels
    const inputs = curveInputs(image, 2, map, 2);
    const step = (k: number) => Array.from(inputs.subarray(k * 8, (k + 1) * 8));
    expect(step(0)).toEqual([1, 2, 3, 4, 10, 20, 30, 40]); // deletion, nothing removed
    expect(step(1)).toEqual([1, 0, 3, 0, 10, 0, 30, 0]); // top 2 pixels (1, 3) removed
    expect(step(2)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(step(3)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]); // insertion starts from the baseline
    expect(step(4)).toEqual([0, 2, 0, 4, 0, 20, 0, 40]);
    expect(step(5)).toEqual([1, 2, 3, 4, 10, 20, 30, 40]);
  });

  it('integrates with the trapezoid rule over [0, 1]', () => {
    expect(curveArea([1, 0.5, 0])).toBe(0.5);
    expect(curveArea([0, 1])).toBe(0.5);
    expect(curveArea([0.2, 0.2, 0.2, 0.2])).toBeCloseTo(0.2, 12);
  });
});

describe('metric table', () => {
  const m = (O_prob: number, O_logit: number, extra: Partial<MethodResult> = {}): MethodResult => ({
    O_prob, O_logit, removedLogit: 0, deletionAuc: 0.2, insertionAuc: 0.6, flat: false, mapSha: '', timeMs: 1, ...extra,
  });
  const records: ImageRecord[] = [
    { file: 'a', label: 0, predicted: 0, target: 0, Y_prob: 0.8, Y_logit: 2, methods: { a: m(0.6, 1, { removedLogit: 1 }), b: m(0.9, 3) } },
    { file: 'b', label: 1, predicted: 0, target: 0, Y_prob: 0.6, Y_logit: -0.5, methods: { a: m(0.6, -0.2, { flat: true }), b: m(0.3, -1) } },
  ];

  it('computes every row from per-image records (prob)', () => {
    const t = computeTable(records, ['a', 'b'], 'prob');
    expect(t.images).toBe(2);
    expect(t.rows.a).toMatchObject({ increase_in_confidence_pct: 50, win_pct: 50, images: 2, excluded_nonpositive_Y: 0, flat_maps: 1 });
    expect(t.rows.a.average_drop_pct).toBeCloseTo(12.5, 12); // (0.2/0.8 + 0) / 2
    expect(t.rows.b).toMatchObject({ increase_in_confidence_pct: 50, win_pct: 50 });
    expect(t.rows.b.average_drop_pct).toBeCloseTo(25, 12); // (0 + 0.3/0.6) / 2
    expect(t.rows.a.logit_drop).toBeCloseTo((2 - 1 + (-0.5 - 0)) / 2, 12);
    expect(t.rows.a.deletion_auc).toBeCloseTo(0.2, 12);
  });

  it('excludes Y ≤ 0 from Average Drop with logits, and reports how many', () => {
    const t = computeTable(records, ['a', 'b'], 'logit');
    expect(t.rows.a).toMatchObject({ average_drop_pct: 50, images: 1, excluded_nonpositive_Y: 1, increase_in_confidence_pct: 50 });
    expect(t.rows.b).toMatchObject({ average_drop_pct: 0, images: 1, excluded_nonpositive_Y: 1 });
  });
});
