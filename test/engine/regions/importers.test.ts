/** Region importers (COCO, VOC, YOLO, masks, project annotations) against the committed fixtures in test/fixtures/regions. */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeRleString, rleToMask } from '../../../src/main/engine/regions/coco';
import { regionsInFrame } from '../../../src/main/engine/regions/frame';
import { detectRegionFormat, loadRegions, projectRegions } from '../../../src/main/engine/regions/load';
import { filterRegions, type Region } from '../../../src/main/engine/regions/types';
import type { ModelProfile } from '../../../src/main/engine/types';

const FIX = join(__dirname, '..', '..', 'fixtures', 'regions');
const DATASET = ['cat/1.jpg', 'dog/2.jpg'];
// 8x4 images stretched to an 8x4 frame: the identity, frame pixel (i, j) has its centre at (i + 0.5, j + 0.5).
const identity = { inputSize: [4, 8], resize: 'stretch' } as Pick<ModelProfile, 'inputSize' | 'resize'>;
const pixels = async (regions: Region[]): Promise<number[]> => {
  const f = await regionsInFrame(regions, 8, 4, identity);
  return [...f.mask.keys()].filter((i) => f.mask[i]);
};

describe('COCO', () => {
  it('decodes compressed RLE strings and column-major runs', () => {
    expect(decodeRleString('121O')).toEqual([1, 2, 1, 1]); // 'O' = −1 added to the run two back (2)
    expect(decodeRleString('`0')).toEqual([16]); // two 5-bit groups
    expect([...rleToMask([1, 2, 1, 2], 3, 2)]).toEqual([0, 0, 1, 1, 1, 1]);
    expect([...rleToMask([1, 2, 1, 1], 3, 2)]).toEqual([0, 0, 1, 1, 1, 0]);
  });

  it('reads boxes, polygons, RLE, keypoints and camscope rectangles, matched by file_name', async () => {
    const r = loadRegions(join(FIX, 'coco.json'), DATASET);
    expect(r.format).toBe('coco');
    expect(r.unmatched).toEqual(['missing/7.jpg']);
    expect([...r.images.keys()]).toEqual(DATASET);
    const cat = r.images.get('cat/1.jpg')!;
    expect(cat.map((x) => [x.shape.kind, x.className])).toEqual([['box', 'cat'], ['polygon', 'dog'], ['polygon', 'dog']]);
    // Box x ∈ [2, 5), y ∈ [1, 3); triangle (3.8,0) (8,0) (8,4): centres with y < (x − 3.8)/1.05, i.e. i ≥ j + 4;
    // square (0,0)–(1,1): pixel 0.
    expect(await pixels(cat)).toEqual([0, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15, 18, 19, 20, 22, 23, 31]);
    expect(await pixels(filterRegions(cat, 'target', 'cat'))).toEqual([10, 11, 12, 18, 19, 20]);
    const dog = r.images.get('dog/2.jpg')!;
    expect(dog.map((x) => x.shape.kind)).toEqual(['mask', 'mask', 'point', 'box']);
    expect(dog[0].shape.kind === 'mask' && [...dog[0].shape.data]).toEqual([0, 0, 1, 1, 1, 1]);
    expect(dog[1].shape.kind === 'mask' && [...dog[1].shape.data]).toEqual([0, 0, 1, 1, 1, 0]);
    expect(dog[2].shape).toEqual({ kind: 'point', x: 5, y: 1 });
    expect(dog[3].shape).toEqual({ kind: 'box', x0: 6, y0: 2, x1: 8, y1: 4 });
    // The 2x3 RLE mask stretched over the 8x4 image, nearest-neighbour: mask row floor((j + 0.5)·3/4) → rows 1, 2 = frame rows 1–3.
    expect(await pixels([dog[0]])).toEqual([...Array(24).keys()].map((i) => i + 8));
    expect(r.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names the file in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'camscope-regions-'));
    writeFileSync(join(dir, 'bad.json'), '{"images": [');
    expect(() => loadRegions(join(dir, 'bad.json'), DATASET)).toThrow(/bad\.json is not valid JSON/);
    writeFileSync(join(dir, 'nococo.json'), '{"a": 1}');
    expect(() => loadRegions(join(dir, 'nococo.json'), DATASET)).toThrow(/nococo\.json is not COCO JSON/);
    writeFileSync(join(dir, 'poly.json'), JSON.stringify({ images: [{ id: 1, file_name: 'cat/1.jpg' }], annotations: [{ image_id: 1, segmentation: [[1, 2, 3]] }] }));
    expect(() => loadRegions(join(dir, 'poly.json'), DATASET)).toThrow(/poly\.json has an invalid annotation: a polygon of cat\/1\.jpg/);
  });
});

describe('Pascal VOC', () => {
  it('reads 1-based inclusive boxes, matched by relative stem or <filename>', async () => {
    const r = loadRegions(join(FIX, 'voc'), DATASET);
    expect(r.format).toBe('voc');
    const cat = r.images.get('cat/1.jpg')!;
    // xmin 3..xmax 5 = pixels 2, 3, 4 = [2, 5); ymin 2..ymax 3 = [1, 3).
    expect(cat.map((x) => [x.shape, x.className])).toEqual([
      [{ kind: 'box', x0: 2, y0: 1, x1: 5, y1: 3 }, 'cat'],
      [{ kind: 'box', x0: 7, y0: 0, x1: 8, y1: 4 }, 'dog & co'],
    ]);
    expect(await pixels(cat)).toEqual([7, 10, 11, 12, 15, 18, 19, 20, 23, 31]);
    expect(r.images.get('dog/2.jpg')!.map((x) => x.shape)).toEqual([{ kind: 'box', x0: 0, y0: 0, x1: 8, y1: 4 }]);
  });

  it('names the file of a bad box', () => {
    const dir = mkdtempSync(join(tmpdir(), 'camscope-voc-'));
    writeFileSync(join(dir, '1.xml'), '<annotation><object><name>a</name><bndbox><xmin>5</xmin><ymin>1</ymin><xmax>2</xmax><ymax>3</ymax></bndbox></object></annotation>');
    expect(() => loadRegions(dir, ['1.jpg'])).toThrow(/VOC file .*1\.xml has an object whose <bndbox>/);
  });
});

describe('YOLO', () => {
  it('reads relative boxes and polygons with class names from classes.txt', async () => {
    const r = loadRegions(join(FIX, 'yolo'), DATASET);
    expect(r.format).toBe('yolo');
    const cat = r.images.get('cat/1.jpg')!;
    expect(cat[0]).toEqual({ shape: { kind: 'box', x0: 0.375, y0: 0.25, x1: 0.625, y1: 0.75 }, className: 'cat', relative: true });
    expect(await pixels(cat)).toEqual([11, 12, 19, 20]); // x ∈ [3, 5), y ∈ [1, 3)
    const dog = r.images.get('dog/2.jpg')!;
    expect(dog[0].className).toBe('dog');
    expect(await pixels(dog)).toEqual([4, 5, 6, 7, 13, 14, 15, 22, 23, 31]); // the same triangle as COCO's, relative
  });

  it('names the file and line of a bad row', () => {
    const dir = mkdtempSync(join(tmpdir(), 'camscope-yolo-'));
    writeFileSync(join(dir, 'classes.txt'), 'a\n');
    writeFileSync(join(dir, '1.txt'), '0 0.5 0.5 0.1 0.1\n3 0.5 0.5 0.1 0.1\n');
    expect(() => loadRegions(dir, ['1.jpg'])).toThrow(/Line 2 of the YOLO file .*1\.txt has class 3, but the class names file lists 1/);
  });
});

describe('mask PNGs', () => {
  it('reads non-zero pixels, nearest-neighbour over a differently sized mask', async () => {
    const r = loadRegions(join(FIX, 'masks'), DATASET);
    expect(r.format).toBe('masks');
    expect(await pixels(r.images.get('cat/1.jpg')!)).toEqual([13, 14, 15, 21, 22, 23]);
    // 4x2 mask on the 8x4 image: mask pixel (3, 0) covers x ∈ [6, 8), y ∈ [0, 2).
    expect(await pixels(r.images.get('dog/2.jpg')!)).toEqual([6, 7, 14, 15]);
  });

  it('detects formats and refuses what it cannot read', () => {
    expect(detectRegionFormat(join(FIX, 'coco.json'))).toBe('coco');
    expect(() => detectRegionFormat(join(FIX, 'README.md'))).toThrow(/README\.md is neither JSON .* nor XML/);
    const empty = mkdtempSync(join(tmpdir(), 'camscope-empty-'));
    mkdirSync(join(empty, 'x'));
    expect(() => detectRegionFormat(empty)).toThrow(/holds no \.xml/);
  });
});

describe('project annotations', () => {
  it('turns rectangles, polygons and points into regions with their labels', async () => {
    const row = (id: number, image: string, kind: string, label: string, points: number[][]) => ({
      id, image, kind, label, note: '', geometry: JSON.stringify({ points, imageSize: { width: 8, height: 4 } }), created: '',
    });
    const r = projectRegions([
      row(1, 'cat/1.jpg', 'rect', 'cat', [[2, 1], [5, 3]]),
      row(2, 'cat/1.jpg', 'point', '', [[5, 1]]),
      row(3, 'dog/2.jpg', 'polygon', 'dog', [[3.8, 0], [8, 0], [8, 4]]),
      row(4, 'gone.jpg', 'rect', 'x', [[0, 0], [1, 1]]),
    ], DATASET);
    expect(r.unmatched).toEqual(['gone.jpg']);
    const cat = r.images.get('cat/1.jpg')!;
    expect(cat.map((x) => [x.shape.kind, x.className])).toEqual([['box', 'cat'], ['point', null]]);
    expect(await pixels(cat)).toEqual([10, 11, 12, 18, 19, 20]);
    expect(await pixels(r.images.get('dog/2.jpg')!)).toEqual([4, 5, 6, 7, 13, 14, 15, 22, 23, 31]);
  });
});
