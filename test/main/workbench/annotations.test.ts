import { describe, expect, it } from 'vitest';
import type { Annotation } from '../../../src/shared/api';
import { fromRow, geometryJson, toCoco } from '../../../src/main/workbench/annotations';

const size = { width: 100, height: 50 };
const ann = (over: Partial<Annotation>): Annotation => ({
  id: 1, image: 'cats/a.jpg', kind: 'rect', label: 'ear', note: '', points: [[10, 5], [30, 25]], imageSize: size, dataset: null, created: '2026-01-01T00:00:00Z', ...over,
});

describe('annotation geometry', () => {
  it('checks vertex counts and normalises rectangles', () => {
    expect(JSON.parse(geometryJson('rect', [[30, 25], [10, 5]], size))).toEqual({ points: [[10, 5], [30, 25]], imageSize: size });
    expect(() => geometryJson('rect', [[1, 1]], size)).toThrow(/exactly two corners/);
    expect(() => geometryJson('point', [[1, 1], [2, 2]], size)).toThrow(/exactly one point/);
    expect(() => geometryJson('polygon', [[1, 1], [2, 2]], size)).toThrow(/at least three/);
  });

  it('reads rows back, tolerating damaged geometry', () => {
    const row = { id: 4, image: 'a.png', kind: 'point', label: 'x', note: 'n', geometry: '{"points":[[1,2]],"imageSize":{"width":3,"height":4}}', created: 't' };
    expect(fromRow(row)).toEqual({ id: 4, image: 'a.png', kind: 'point', label: 'x', note: 'n', points: [[1, 2]], imageSize: { width: 3, height: 4 }, dataset: null, created: 't' });
    expect(fromRow({ ...row, geometry: 'garbage' }).points).toEqual([]);
  });

  it('records the image folder with the geometry, so the same relative path in another folder is told apart', () => {
    const g = geometryJson('point', [[1, 2]], size, '/data/cats-v2');
    expect(JSON.parse(g)).toEqual({ points: [[1, 2]], imageSize: size, dataset: '/data/cats-v2' });
    const row = { id: 5, image: 'dog/00003.jpg', kind: 'point', label: 'x', note: '', geometry: g, created: 't' };
    expect(fromRow(row).dataset).toBe('/data/cats-v2');
    // Without a folder (and in rows written before folders were recorded) nothing is added.
    expect(JSON.parse(geometryJson('point', [[1, 2]], size))).toEqual({ points: [[1, 2]], imageSize: size });
  });
});

describe('COCO export', () => {
  it('one image per file, one category per label, boxes, polygons and keypoints', () => {
    const doc = toCoco(
      [
        ann({ id: 1 }),
        ann({ id: 2, kind: 'polygon', label: 'body', points: [[0, 0], [10, 0], [10, 10]] }),
        ann({ id: 3, image: 'dogs/b.jpg', kind: 'point', label: 'ear', points: [[5.555, 6]] }),
      ],
      { version: '0.1.0', datasetRoot: '/data', now: new Date('2026-02-03T04:05:06Z') },
    );
    expect(doc.info).toEqual({ description: 'Annotations made in camscope', version: '0.1.0', date_created: '2026-02-03T04:05:06.000Z', dataset_root: '/data' });
    expect(doc.images).toEqual([
      { id: 1, file_name: 'cats/a.jpg', width: 100, height: 50 },
      { id: 2, file_name: 'dogs/b.jpg', width: 100, height: 50 },
    ]);
    expect(doc.categories.map((c) => [c.id, c.name])).toEqual([[1, 'body'], [2, 'ear']]);
    expect(doc.annotations[0]).toMatchObject({ image_id: 1, category_id: 2, bbox: [10, 5, 20, 20], area: 400, segmentation: [[10, 5, 30, 5, 30, 25, 10, 25]] });
    expect(doc.annotations[1]).toMatchObject({ category_id: 1, bbox: [0, 0, 10, 10], area: 50 });
    expect(doc.annotations[2]).toMatchObject({ image_id: 2, keypoints: [5.56, 6, 2], num_keypoints: 1, area: 0, segmentation: [] });
    expect(doc.annotations[2].attributes).toMatchObject({ kind: 'point', camscope_id: 3 });
  });
});
