/** Multi-label ground truth: several labels per file in the labels CSV, and what accuracy means then. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../../src/main/engine/evaluate/dataset';
import { isCorrect } from '../../../src/main/engine/evaluate/run';
import type { ImageRecord } from '../../../src/main/engine/evaluate/types';

describe('multi-label labels CSV', () => {
  it('splits names on ";" or "|", maps each to its class, and keeps the first as the label', () => {
    const dir = mkdtempSync(join(tmpdir(), 'camscope-multilabel-'));
    const csv = join(dir, 'labels.csv');
    writeFileSync(csv, 'file,label\na.png,effusion;pneumonia\nb.png,"nodule | effusion"\nc.png,\nd.png,nodule\n');
    const d = loadDataset(dir, ['pneumonia', 'effusion', 'nodule'], csv);
    expect(d.labelMapping).toBe('class-names');
    expect(d.items.map((i) => i.labels)).toEqual([[1, 0], [2, 1], [], [2]]);
    expect(d.items.map((i) => i.label)).toEqual([1, 2, null, 2]);
  });

  it('an image is correct when its predicted class is one of its labels', () => {
    const rec = (predicted: number, label: number | null, labels?: number[]): ImageRecord => ({
      file: 'x', label, ...(labels ? { labels } : {}), predicted, target: predicted, Y_prob: 0.9, Y_logit: 2, methods: {},
    });
    expect(isCorrect(rec(0, 1, [1, 0]))).toBe(true);
    expect(isCorrect(rec(2, 1, [1, 0]))).toBe(false);
    expect(isCorrect(rec(1, 1))).toBe(true);
    expect(isCorrect(rec(0, 1))).toBe(false);
  });
});
