/** The summary over hand-made comparisons: accuracy per model, agreement and cross-table by name, the ordering. */
import { describe, expect, it } from 'vitest';
import { matchClasses } from '../../../src/main/engine/compare/classes';
import { namedImage, orderByDifference, summarize, type ComparisonEntry } from '../../../src/main/engine/compare/summary';
import type { MapDistances } from '../../../src/main/engine/compare/distance';

const A = ['cat', 'dog', 'fox'];
const B = ['fox', 'cat', 'dog'];
const match = matchClasses({ file: 'a.onnx', names: A }, { file: 'b.onnx', names: B });

const d = (diff: number, r: number | null, iou: number): MapDistances => ({ map_max_abs_diff: diff, map_pearson: r, map_top20_iou: iou });

/** An image A predicts as class `pa` and B as class `pb` (each in its own numbering). */
function entry(file: string, label: number | null, pa: number, pb: number, methods: Record<string, MapDistances>): ComparisonEntry {
  return {
    item: { file, label },
    stored: {
      predicted: [{ classIndex: pa, probability: 0.9 }, { classIndex: pb, probability: 0.8 }],
      explained: [{ classIndex: pa, probability: 0.9 }, { classIndex: match.aToB[pa], probability: 0.5 }],
      grid: { width: 4, height: 4, pixels: 16 },
      methods,
    },
  };
}

describe('summarize', () => {
  const entries = [
    entry('1.png', 0, 0, 1, { m: d(0.1, 0.9, 0.8) }), // cat / cat: agree, both right
    entry('2.png', 1, 1, 0, { m: d(0.5, 0.2, 0.3) }), // dog / fox: disagree, A right
    entry('3.png', 2, 1, 0, { m: d(0.7, null, 0.2) }), // dog / fox: disagree, B right
    entry('4.png', null, 0, 1, { m: d(0, null, 1) }), // cat / cat, unlabelled; equal constant maps
  ];
  const images = entries.map((e) => namedImage(e, { a: A, b: B }, match));
  const s = summarize(entries, images, { total: 5, failed: 1, methods: ['m'], namesA: A, match });

  it('names each image with each model\'s names and says whether they agree by name', () => {
    expect(images[1]).toMatchObject({ file: '2.png', label: 'dog', agree: false, predicted: { a: { classIndex: 1, className: 'dog' }, b: { classIndex: 0, className: 'fox' } }, explained: { className: 'dog', b: { classIndex: 2 } } });
    expect(images[0].agree).toBe(true);
  });

  it('accuracy per model over the labelled images, agreement over all compared', () => {
    expect(s.accuracy).toEqual({ a: { correct: 2, labelled: 3, fraction: 2 / 3 }, b: { correct: 2, labelled: 3, fraction: 2 / 3 } });
    expect(s.agreement).toEqual({ agree: 2, compared: 4, fraction: 0.5 });
    expect([s.images, s.compared, s.failed]).toEqual([5, 4, 1]);
  });

  it('the cross-table over the classes either model predicts, in A\'s order and names', () => {
    expect(s.crossTable).toEqual({ classes: ['cat', 'dog', 'fox'], counts: [[2, 0, 0], [0, 0, 2], [0, 0, 0]] });
  });

  it('per-method means; Pearson over the images where it exists', () => {
    const m = s.methods.m;
    expect([m.images, m.pearson_undefined]).toEqual([4, 2]);
    expect(m.mean_map_max_abs_diff).toBeCloseTo(1.3 / 4, 15);
    expect(m.mean_map_pearson).toBeCloseTo(1.1 / 2, 15);
    expect(m.mean_map_top20_iou).toBeCloseTo(2.3 / 4, 15);
  });

  it('orders the lowest Pearson first (undefined: 0, or 1 for equal maps), then the largest difference', () => {
    expect(orderByDifference(images).map((i) => i.file)).toEqual(['3.png', '2.png', '1.png', '4.png']);
    const tie = [namedImage(entry('x', null, 0, 1, { m: d(0.2, 0.5, 0) }), { a: A, b: B }, match), namedImage(entry('y', null, 0, 1, { m: d(0.4, 0.5, 0) }), { a: A, b: B }, match)];
    expect(orderByDifference(tie).map((i) => i.file)).toEqual(['y', 'x']);
    // With several methods an image counts by its least alike method.
    const two = [namedImage(entry('p', null, 0, 1, { m: d(0.1, 0.9, 1), n: d(0.1, 0.1, 1) }), { a: A, b: B }, match), namedImage(entry('q', null, 0, 1, { m: d(0.1, 0.3, 1), n: d(0.1, 0.3, 1) }), { a: A, b: B }, match)];
    expect(orderByDifference(two).map((i) => i.file)).toEqual(['p', 'q']);
  });
});
