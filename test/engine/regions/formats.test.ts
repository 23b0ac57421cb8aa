/**
 * Each new region format against its hand-written fixture in test/fixtures/regions-formats (README.md there names
 * the spec each follows): the shapes, classes, image matching and the counts of what was skipped, all worked out by
 * hand from the fixture files.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBrushRle } from '../../../src/main/engine/regions/brush-rle';
import { cvatRleToMask, maskToCvatRle } from '../../../src/main/engine/regions/cvat';
import { regionsInFrame } from '../../../src/main/engine/regions/frame';
import { labelStudioImageName } from '../../../src/main/engine/regions/labelstudio';
import { loadRegions } from '../../../src/main/engine/regions/load';
import { qupathTile } from '../../../src/main/engine/regions/tiles';
import type { Region } from '../../../src/main/engine/regions/types';

const FIX = join(__dirname, '..', '..', 'fixtures', 'regions-formats');
const DATASET = ['cam/a.jpg', 'cam/b.jpg', 'cam/c.jpg'];
const identity = (w: number, h: number) => ({ inputSize: [h, w] as [number, number], resize: 'stretch' as const });
/** Pixels (x, y) of regions rasterized on a w × h image (frame = image). */
async function pixels(regions: Region[], w = 40, h = 20): Promise<[number, number][]> {
  const f = await regionsInFrame(regions, w, h, identity(w, h));
  return [...f.mask.keys()].filter((k) => f.mask[k]).map((k) => [k % w, Math.floor(k / w)]);
}
const rows = (spec: [number, number, number][]): [number, number][] => spec.flatMap(([y, x0, x1]) => Array.from({ length: x1 - x0 + 1 }, (_, k) => [x0 + k, y] as [number, number]));
const summaryOf = (r: { summary: string }) => r.summary;

describe('QuPath GeoJSON', () => {
  it('reads holes, MultiPolygons, points, cells and image names; skips lines, tiles and empty geometries', async () => {
    const r = loadRegions(join(FIX, 'qupath', 'features.geojson'), DATASET);
    expect(r.format).toBe('qupath');
    const a = r.images.get('cam/a.jpg')!;
    expect(a.map((x) => [x.shape.kind, x.className])).toEqual([['polygon', 'Tumor'], ['box', 'Stroma'], ['box', 'Stroma'], ['point', null], ['polygon', 'Tumor: Positive']]);
    expect(a[0].shape).toEqual({ kind: 'polygon', points: [[2, 2], [12, 2], [12, 12], [2, 12]], holes: [[[5, 5], [9, 5], [9, 9], [5, 9]]] });
    // The second square is written counter-clockwise from (30, 2): still a box.
    expect(a[2].shape).toEqual({ kind: 'box', x0: 30, y0: 2, x1: 34, y1: 6 });
    expect(a[3].shape).toEqual({ kind: 'point', x: 15.5, y: 17.5 });
    // Outline x, y ∈ [2, 12) less the hole [5, 9)²: 100 − 16 pixels.
    const ring = await pixels([a[0]]);
    expect(ring).toHaveLength(84);
    expect(ring.some(([x, y]) => x >= 5 && x < 9 && y >= 5 && y < 9)).toBe(false);
    expect(r.images.get('cam/b.jpg')!.map((x) => x.shape)).toEqual([{ kind: 'point', x: 1, y: 1 }, { kind: 'point', x: 2, y: 2 }]);
    expect(r.unmatched).toEqual(['elsewhere/z.jpg']);
    expect(r.taken).toBe(7);
    expect(summaryOf(r)).toBe('Took 7 regions on 2 images from QuPath GeoJSON (Mitosis 2, Stroma 2, no class 1, Tumor 1, …); skipped 1 line (QuPath lines and polylines have no area), 1 QuPath tile object (only annotations, detections and cells are regions), 1 feature without a geometry, 1 image not in the dataset.');
  });

  it('reads a folder of <stem>.geojson files (bare Feature lists), leaving other JSON out with a count', () => {
    const r = loadRegions(join(FIX, 'qupath', 'folder'), DATASET);
    expect(r.format).toBe('qupath');
    expect([...r.images]).toEqual([['cam/a.jpg', [{ shape: { kind: 'box', x0: 14, y0: 5, x1: 26, y1: 15 }, className: 'deer' }]]]);
    expect(r.skipped).toEqual([{ reason: 'JSON file that is not GeoJSON', count: 1 }]);
  });

  it('puts a slide’s regions on its QuPath tiles, moved by the tile origin and divided by the downsample', () => {
    const tiles = ['tiles/slide1 [x=100,y=200,w=40,h=20].png', 'tiles/slide1 [d=2,x=140,y=200,w=80,h=40].png', 'tiles/other [x=0,y=0,w=10,h=10].png'];
    expect(qupathTile('slide1 [d=2,x=140,y=200,w=80,h=40].png')).toEqual({ slide: 'slide1', x: 140, y: 200, w: 80, h: 40, d: 2 });
    expect(qupathTile('slide1.png')).toBeNull();
    const r = loadRegions(join(FIX, 'qupath', 'tiles', 'slide1.geojson'), tiles);
    // Box (110, 205)–(130, 215) on tile 1 (origin 100, 200): (10, 5)–(30, 15). Point (150, 210) on tile 2:
    // ((150 − 140)/2, (210 − 200)/2) = (5, 5). The box at (500, 500) is on no tile.
    expect(r.images.get(tiles[0])).toEqual([{ shape: { kind: 'box', x0: 10, y0: 5, x1: 30, y1: 15 }, className: 'Tumor' }]);
    expect(r.images.get(tiles[1])).toEqual([{ shape: { kind: 'point', x: 5, y: 5 }, className: 'Mitosis' }]);
    expect(r.images.has(tiles[2])).toBe(false);
    expect(r.skipped).toEqual([{ reason: 'region outside every tile of its slide', count: 1 }]);
  });
});

describe('ASAP XML', () => {
  it('orders coordinates, reads decimal commas, boxes, dots, point sets and splines', () => {
    const r = loadRegions(join(FIX, 'asap', 'slide.xml'), ['wsi/slide.png']);
    expect(r.format).toBe('asap');
    const s = r.images.get('wsi/slide.png')!;
    expect(s).toEqual([
      { shape: { kind: 'polygon', points: [[0, 0], [20, 0], [10.5, 15]] }, className: 'Tumor' },
      { shape: { kind: 'box', x0: 2, y0: 3, x1: 6, y1: 9 }, className: '_0' },
      { shape: { kind: 'polygon', points: [[10, 0], [14, 4], [10, 8], [6, 4]] }, className: '_0' },
      { shape: { kind: 'point', x: 7, y: 8 }, className: null },
      { shape: { kind: 'point', x: 1, y: 2 }, className: 'Mitosis' },
      { shape: { kind: 'point', x: 3, y: 4 }, className: 'Mitosis' },
      { shape: { kind: 'polygon', points: [[30, 2], [36, 2], [36, 8], [30, 8]] }, className: 'Tumor' },
    ]);
    expect(summaryOf(r)).toBe('Took 7 regions on 1 image from ASAP XML (_0 2, Mitosis 2, Tumor 2, no class 1); 1 spline read as the polygon through its control points; skipped 1 Measurement annotation (not a shape ASAP documents).');
  });
});

describe('CVAT for images 1.1', () => {
  it('reads rotated boxes, polygons, points, mask RLE and ellipses; skips polylines, tags and cuboids', async () => {
    const r = loadRegions(join(FIX, 'cvat', 'annotations.xml'), DATASET);
    expect(r.format).toBe('cvat');
    const a = r.images.get('cam/a.jpg')!;
    expect(a.map((x) => [x.shape.kind, x.className])).toEqual([['polygon', 'deer'], ['polygon', 'fox'], ['point', 'deer'], ['point', 'deer'], ['mask', 'fox'], ['mask', 'deer']]);
    // Box (10, 4)–(20, 8) turned 90° clockwise about (15, 6): corner (x, y) → (15 − (y − 6), 6 + (x − 15)).
    const rotated = a[0].shape.kind === 'polygon' ? a[0].shape.points : [];
    [[17, 1], [17, 11], [13, 11], [13, 1]].forEach(([x, y], k) => {
      expect(rotated[k][0]).toBeCloseTo(x, 12);
      expect(rotated[k][1]).toBeCloseTo(y, 12);
    });
    expect(a[2].shape).toEqual({ kind: 'point', x: 30, y: 2 });
    expect(a[3].shape).toEqual({ kind: 'point', x: 32.5, y: 3 });
    // rle 0, 2, 1, 1, 2 over the 3×2 box at (2, 14): row 14: 1 1 0; row 15: 1 0 0.
    expect(await pixels([a[4]])).toEqual([[2, 14], [3, 14], [2, 15]]);
    // Ellipse centre (30, 14), radii 3 and 2: rows 12 and 15 x 28–31, rows 13 and 14 x 27–32 (pixel centres inside).
    expect(await pixels([a[5]])).toEqual(rows([[12, 28, 31], [13, 27, 32], [14, 27, 32], [15, 28, 31]]));
    expect(r.sizes.get('cam/a.jpg')).toEqual({ width: 40, height: 20 });
    expect(r.images.has('cam/b.jpg')).toBe(false); // no shapes
    expect(r.unmatched).toEqual(['other/missing.jpg']);
    expect(r.skipped).toEqual([
      { reason: 'polyline (CVAT polylines have no area)', count: 1 },
      { reason: 'tag (CVAT tags label a whole image)', count: 1 },
      { reason: 'cuboid (CVAT cuboids are 3-D boxes)', count: 1 },
      { reason: 'image not in the dataset', count: 1 },
    ]);
  });

  it('decodes and encodes CVAT mask runs (0s first)', () => {
    expect([...cvatRleToMask([0, 2, 1, 1, 2], 3, 2)]).toEqual([1, 1, 0, 1, 0, 0]);
    expect(maskToCvatRle([1, 1, 0, 1, 0, 0])).toEqual([0, 2, 1, 1, 2]);
    expect(maskToCvatRle([0, 0, 1])).toEqual([2, 1]);
  });
});

describe('Label Studio JSON', () => {
  it('turns percentages into pixels, rotates about the top-left corner, reads ellipses; skips what is not the expert’s', async () => {
    const r = loadRegions(join(FIX, 'labelstudio', 'export.json'), DATASET);
    expect(r.format).toBe('labelstudio');
    const a = r.images.get('cam/a.jpg')!;
    expect(a.map((x) => [x.shape.kind, x.className])).toEqual([['polygon', 'deer'], ['polygon', 'fox'], ['point', 'eye'], ['mask', 'nest'], ['box', 'deer'], ['box', 'fawn']]);
    // x 25 %, y 20 %, 25 % × 20 % of 40 × 20: (10, 4)–(20, 8), turned 90° about (10, 4): (x, y) → (10 − (y − 4), 4 + (x − 10)).
    const rotated = a[0].shape.kind === 'polygon' ? a[0].shape.points : [];
    [[10, 4], [10, 14], [6, 14], [6, 4]].forEach(([x, y], k) => {
      expect(rotated[k][0]).toBeCloseTo(x, 12);
      expect(rotated[k][1]).toBeCloseTo(y, 12);
    });
    expect(a[1].shape).toEqual({ kind: 'polygon', points: [[0, 0], [20, 0], [20, 10]] });
    expect(a[2].shape).toEqual({ kind: 'point', x: 30, y: 10 });
    // Ellipse centre (20, 10), radii 4 × 2 pixels: rows 8 and 11 x 17–22, rows 9 and 10 x 16–23.
    expect(await pixels([a[3]])).toEqual(rows([[8, 17, 22], [9, 16, 23], [10, 16, 23], [11, 17, 22]]));
    expect(a[4].shape).toEqual({ kind: 'box', x0: 0, y0: 10, x1: 4, y1: 20 });
    expect(r.images.get('cam/b.jpg')).toEqual([{ shape: { kind: 'point', x: 4, y: 2 }, className: 'eye' }]);
    expect(r.unmatched).toEqual(['photos/unknown.jpg']);
    expect(r.skipped).toEqual([
      { reason: 'choices result (not a region of the image)', count: 1 },
      { reason: 'cancelled annotation', count: 1 },
      { reason: "predicted results (Label Studio predictions are a model's, not an expert's)", count: 2 },
      { reason: 'image not in the dataset', count: 1 },
    ]);
  });

  it('names images from upload, local-file and cloud URLs', () => {
    expect(labelStudioImageName('/data/upload/3/8f2c1a0b-cat.jpg')).toBe('data/upload/3/cat.jpg');
    expect(labelStudioImageName('/data/local-files/?d=traps%2Fcam%2Fa.jpg')).toBe('traps/cam/a.jpg');
    expect(labelStudioImageName('s3://bucket/traps/cam/b.jpg')).toBe('traps/cam/b.jpg');
    expect(labelStudioImageName('https://example.com/a%20b.png?token=1')).toBe('a b.png');
  });

  it('decodes a brush RLE written bit by bit from the spec', () => {
    // 8 values (a 2×1 RGBA image: one clear pixel, one opaque): count 8 (32 bits), word size 8 (00111), run fields
    // 3, 4, 8, 16 bits (0010 0011 0111 1111); then "repeat, field 0, length 4 (011), value 0" and "…, value 255".
    const bits = '00000000000000000000000000001000' + '00111' + '0010001101111111' + '1' + '00' + '011' + '00000000' + '1' + '00' + '011' + '11111111';
    const padded = bits + '0'.repeat((8 - (bits.length % 8)) % 8);
    const bytes = Array.from({ length: padded.length / 8 }, (_, k) => parseInt(padded.slice(8 * k, 8 * k + 8), 2));
    expect([...decodeBrushRle(bytes)]).toEqual([0, 0, 0, 0, 255, 255, 255, 255]);
  });
});

describe('MegaDetector output', () => {
  it('keeps detections at or above the threshold (default 0.2) in fractions of the image; failures and the rest counted', () => {
    const r = loadRegions(join(FIX, 'megadetector', 'md.json'), DATASET);
    expect(r.format).toBe('megadetector');
    expect(r.threshold).toBe(0.2);
    expect(r.source).toMatch(/^megadetector:.*md\.json \(confidence ≥ 0\.2\)$/);
    expect(r.images.get('cam/a.jpg')).toEqual([
      { shape: { kind: 'box', x0: 0.1, y0: 0.1, x1: 0.30000000000000004, y1: 0.30000000000000004 }, className: 'animal', relative: true },
      { shape: { kind: 'box', x0: 0.5, y0: 0.5, x1: 0.75, y1: 0.75 }, className: 'person', relative: true },
    ]);
    expect(summaryOf(r)).toBe('Took 2 regions on 1 image from MegaDetector output (animal 1, person 1) at confidence ≥ 0.2; skipped 1 detection (confidence below 0.2), 1 image MegaDetector failed on, 1 image not in the dataset.');
    const strict = loadRegions(join(FIX, 'megadetector', 'md.json'), DATASET, { threshold: 0.6 });
    expect(strict.images.get('cam/a.jpg')!.map((x) => x.className)).toEqual(['animal']);
    expect(strict.skipped[0]).toEqual({ reason: 'detections (confidence below 0.6)', count: 2 });
    expect(strict.fingerprint).not.toBe(r.fingerprint);
  });
});

describe('COCO Camera Traps', () => {
  it('takes boxes; species labels without a box and "empty" images are skipped, images without annotations allowed', () => {
    const r = loadRegions(join(FIX, 'cct', 'cct.json'), DATASET);
    expect(r.format).toBe('cct');
    expect([...r.images]).toEqual([['cam/a.jpg', [{ shape: { kind: 'box', x0: 4, y0: 2, x1: 12, y1: 8 }, className: 'deer' }]]]);
    expect(summaryOf(r)).toBe('Took 1 region on 1 image from COCO Camera Traps (deer 1); skipped 1 species label without a box (they name a whole image or sequence), 1 annotation (category "empty": no animal, no region).');
  });
});
