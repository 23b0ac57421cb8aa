/**
 * The same expert box in every format camscope reads — written by hand in each format's own units (COCO pixels,
 * VOC 1-based inclusive corners, YOLO and MegaDetector fractions, Label Studio percentages, QuPath/ASAP/CVAT
 * corners, a mask PNG, a CVAT mask RLE, a Label Studio brush) in test/fixtures/regions-formats/same-box — gives the
 * same frame pixels and the same localization values, worked out by hand below.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localize } from '../../../src/main/engine/metrics/localization';
import { regionsInFrame } from '../../../src/main/engine/regions/frame';
import { detectRegionFormat, loadRegions } from '../../../src/main/engine/regions/load';
import type { ModelProfile } from '../../../src/main/engine/types';

const FIX = join(__dirname, '..', '..', 'fixtures', 'regions-formats', 'same-box');
const DATASET = ['cam/a.jpg', 'cam/b.jpg'];

// The box: x ∈ [14, 26), y ∈ [5, 15) on a 40×20 image. The model resizes the shorter side to 8 (16×8, scale 0.4)
// and crops the centre 8×8 (left = 4): frame pixel (i, j) has its centre at original ((i + 4.5)/0.4, (j + 0.5)/0.4),
// i.e. x = 11.25, 13.75, 16.25, …, 23.75 (i = 5), 26.25 (i = 6); y = 1.25, 3.75, 6.25, …, 13.75 (j = 5), 16.25.
// So the box is frame columns 2–5 and rows 2–5: 16 pixels.
const PROFILE: Pick<ModelProfile, 'inputSize' | 'resize'> = { inputSize: [8, 8], resize: 'shorter-side-crop' };
const BOX_PIXELS = [2, 3, 4, 5].flatMap((j) => [2, 3, 4, 5].map((i) => j * 8 + i));

// A map: 1 at (3, 3) (in the box), 0.5 at (0, 0), 0.25 at (6, 2) (both outside), 0 elsewhere.
const MAP = new Float32Array(64);
MAP[3 * 8 + 3] = 1;
MAP[0] = 0.5;
MAP[2 * 8 + 6] = 0.25;
// Energy: 1 / (1 + 0.5 + 0.25) = 4/7. Pointing: the peak (3, 3) is in the box. Rank accuracy: of the 16 highest
// pixels (1, 0.5, 0.25, then zeros by index: 1…13, rows 0–1) only (3, 3) is in the box: 1/16. IoU at 0.5: the map's
// set {(3, 3), (0, 0)} meets the box in 1 pixel, their union is 17: 1/17.
const EXPECTED = { pointing_hit: true, energy_in_region: 4 / 7, rank_accuracy: 1 / 16, iou: 1 / 17 };

const SOURCES: [string, string, string][] = [
  ['coco.json', 'coco', 'COCO'],
  ['cct.json', 'cct', 'COCO Camera Traps'],
  ['qupath/a.geojson', 'qupath', 'QuPath GeoJSON'],
  ['asap/a.xml', 'asap', 'ASAP XML'],
  ['voc', 'voc', 'Pascal VOC'],
  ['yolo', 'yolo', 'YOLO'],
  ['masks', 'masks', 'mask'],
  ['cvat.xml', 'cvat', 'CVAT for images 1.1'],
  ['cvat-mask.xml', 'cvat', 'CVAT for images 1.1'],
  ['labelstudio.json', 'labelstudio', 'Label Studio JSON'],
  ['labelstudio-brush.json', 'labelstudio', 'Label Studio JSON'],
  ['megadetector.json', 'megadetector', 'MegaDetector output'],
];

describe('the same box in every format', () => {
  for (const [source, format, name] of SOURCES) {
    it(`${source}: detected as ${format}, the same 16 frame pixels and localization values`, async () => {
      expect(detectRegionFormat(join(FIX, source))).toBe(format);
      const r = loadRegions(join(FIX, source), DATASET);
      expect(r.format).toBe(format);
      expect([...r.images.keys()]).toEqual(['cam/a.jpg']);
      expect(r.taken).toBe(1);
      expect(r.summary).toMatch(new RegExp(`^Took 1 region on 1 image from ${name.replace(/[.]/g, '\\.')} \\(`));
      const frame = await regionsInFrame(r.images.get('cam/a.jpg')!, 40, 20, PROFILE);
      expect([...frame.mask.keys()].filter((k) => frame.mask[k])).toEqual(BOX_PIXELS);
      const v = localize(MAP, frame);
      expect(v.pointing_hit).toBe(EXPECTED.pointing_hit);
      expect(v.energy_in_region).toBeCloseTo(EXPECTED.energy_in_region, 6);
      expect(v.rank_accuracy).toBe(EXPECTED.rank_accuracy);
      expect(v.iou).toBe(EXPECTED.iou);
    });
  }

  it('reads boxes as boxes in the pixel formats (VOC one pixel off by its 1-based corners)', () => {
    for (const source of ['coco.json', 'cct.json', 'qupath/a.geojson', 'asap/a.xml', 'voc', 'cvat.xml', 'labelstudio.json']) {
      expect(loadRegions(join(FIX, source), DATASET).images.get('cam/a.jpg')![0].shape, source).toEqual({ kind: 'box', x0: 14, y0: 5, x1: 26, y1: 15 });
    }
    const md = loadRegions(join(FIX, 'megadetector.json'), DATASET).images.get('cam/a.jpg')![0];
    expect(md).toMatchObject({ className: 'animal', relative: true, shape: { kind: 'box', x0: 0.35, y0: 0.25 } });
  });
});
