/**
 * Regions out and back in (export.ts → load.ts): boxes, polygons and points come back exactly in every format;
 * what a format cannot hold comes back as the same pixels (QuPath: masks as traced polygons; CVAT and COCO: holed
 * polygons as masks). And the map overlay at the original size, hand-checked.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { colormapIndex, colormapLut } from '../../../src/main/engine/image/colormap';
import { renderQupathPerImage, renderRegions, type ExportFormat, type ExportImage } from '../../../src/main/engine/regions/export';
import { frameTransform, regionsInFrame } from '../../../src/main/engine/regions/frame';
import { loadRegions } from '../../../src/main/engine/regions/load';
import { mapOverlayRgba, sampleMap, writeMapOverlayPng } from '../../../src/main/engine/regions/overlay';
import type { Region } from '../../../src/main/engine/regions/types';
import type { ModelProfile } from '../../../src/main/engine/types';

const DATASET = ['cam/a.jpg', 'cam/b.jpg'];
const dir = mkdtempSync(join(tmpdir(), 'camscope-export-'));

// An L-shaped mask on the 40×20 image: x 2–4 at y 14, x 2 at y 15.
const mask = new Uint8Array(800);
for (const [x, y] of [[2, 14], [3, 14], [4, 14], [2, 15]]) mask[y * 40 + x] = 1;
const BOX: Region = { shape: { kind: 'box', x0: 14, y0: 5, x1: 26, y1: 15 }, className: 'deer' };
const TRIANGLE: Region = { shape: { kind: 'polygon', points: [[1.5, 1], [5, 1], [3, 4.25]] }, className: 'fox' };
const POINT: Region = { shape: { kind: 'point', x: 30.25, y: 10.5 }, className: 'eye' };
const HOLED: Region = { shape: { kind: 'polygon', points: [[27, 2], [37, 2], [37, 18], [27, 18]], holes: [[[30, 6], [34, 6], [34, 14], [30, 14]]] }, className: 'Tumor' };
const MASK: Region = { shape: { kind: 'mask', width: 40, height: 20, data: mask }, className: 'nest' };
const UNLABELLED: Region = { shape: { kind: 'point', x: 1, y: 1 }, className: null };
const IMAGES: ExportImage[] = [
  { name: 'cam/a.jpg', width: 40, height: 20, regions: [BOX, TRIANGLE, POINT, HOLED, MASK] },
  { name: 'cam/b.jpg', width: 40, height: 20, regions: [UNLABELLED] },
];
const FILES: Record<ExportFormat, string> = { qupath: 'out.geojson', cvat: 'out.xml', coco: 'out.json' };

const pixels = async (regions: Region[], profile: Pick<ModelProfile, 'inputSize' | 'resize'> = { inputSize: [20, 40], resize: 'stretch' }) =>
  [...(await regionsInFrame(regions, 40, 20, profile)).mask];

describe('round trips: out, then in again', () => {
  for (const format of ['qupath', 'cvat', 'coco'] as ExportFormat[]) {
    it(`${format}: boxes, polygons and points exactly; masks and holes as the same pixels`, async () => {
      const path = join(dir, FILES[format]);
      writeFileSync(path, await renderRegions(IMAGES, format));
      const back = loadRegions(path, DATASET);
      expect(back.format).toBe(format);
      const a = back.images.get('cam/a.jpg')!;
      expect(a.slice(0, 3)).toEqual([BOX, TRIANGLE, POINT]);
      expect(back.images.get('cam/b.jpg')).toEqual([UNLABELLED]);
      if (format === 'qupath') {
        expect(a[3]).toEqual(HOLED);
        expect(a.slice(4).every((r) => r.shape.kind === 'polygon' && r.className === 'nest')).toBe(true);
      } else {
        expect(a[3]).toMatchObject({ className: 'Tumor', shape: { kind: 'mask', width: 40, height: 20 } });
        expect(a[4]).toEqual(MASK);
      }
      expect(await pixels(a.slice(3, 4))).toEqual(await pixels([HOLED]));
      expect(await pixels(a.slice(4))).toEqual([...mask]);
      // The localization frame (shorter side to 8, centre crop) sees the same pixels.
      const crop = { inputSize: [8, 8] as [number, number], resize: 'shorter-side-crop' as const };
      expect(await pixels(a, crop)).toEqual(await pixels(IMAGES[0].regions, crop));
      // A second round trip changes nothing.
      const again = join(dir, `again-${FILES[format]}`);
      writeFileSync(again, await renderRegions([{ name: 'cam/a.jpg', width: 40, height: 20, regions: a }, { name: 'cam/b.jpg', width: 40, height: 20, regions: [UNLABELLED] }], format));
      expect(loadRegions(again, DATASET).images).toEqual(back.images);
    });
  }

  it('qupath: one <stem>.geojson per image in a folder, read back by stem', async () => {
    const folder = join(dir, 'per-image');
    for (const im of IMAGES) {
      mkdirSync(join(folder, 'cam'), { recursive: true });
      writeFileSync(join(folder, `${im.name.replace(/\.jpg$/, '')}.geojson`), await renderQupathPerImage(im));
    }
    const back = loadRegions(folder, DATASET);
    expect(back.images.get('cam/a.jpg')!.slice(0, 4)).toEqual([BOX, TRIANGLE, POINT, HOLED]);
    expect(back.images.get('cam/b.jpg')).toEqual([UNLABELLED]);
  });

  it('relative coordinates need the image size, said in one sentence', async () => {
    const relative: ExportImage = { name: 'cam/a.jpg', regions: [{ shape: { kind: 'box', x0: 0.1, y0: 0.1, x1: 0.2, y1: 0.2 }, className: 'animal', relative: true }] };
    await expect(renderRegions([relative], 'coco')).rejects.toThrow('The image cam/a.jpg has coordinates in fractions of its size, which COCO JSON needs the image\'s size for; give --dataset DIR so camscope can read it.');
    const sized = await renderRegions([{ ...relative, width: 40, height: 20 }], 'coco');
    expect((JSON.parse(sized) as { annotations: { bbox: number[] }[] }).annotations[0].bbox).toEqual([4, 2, 4, 2]);
  });
});

describe('map overlay at the original size', () => {
  it('samples bilinearly between pixel centres, edges clamped', () => {
    const map = [0, 1];
    expect(sampleMap(map, 2, 1, 1.0, 0.5)).toBe(0.5); // halfway between the centres 0.5 and 1.5
    expect(sampleMap(map, 2, 1, 0.25, 0.5)).toBe(0); // left of the first centre: clamped
    expect(sampleMap(map, 2, 1, 1.5, 0.5)).toBe(1);
  });

  it('colours the crop the model saw and leaves the rest transparent', async () => {
    // An 8×4 image, shorter side 4 → 8×4 (scale 1), centre crop 4×4 at left 2: original columns 2–5 are frame 0–3.
    const t = frameTransform(8, 4, { inputSize: [4, 4], resize: 'shorter-side-crop' });
    expect(t).toMatchObject({ sx: 1, sy: 1, left: 2, top: 0 });
    const map = Float32Array.from({ length: 16 }, (_, k) => k / 15);
    const rgba = mapOverlayRgba(map, t, 8, 4, 'viridis', 0.5);
    const lut = colormapLut('viridis');
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 8; x++) {
        const o = (y * 8 + x) * 4;
        if (x < 2 || x > 5) expect(rgba[o + 3]).toBe(0);
        else {
          // At a pixel centre the bilinear sample is the map pixel itself.
          const c = colormapIndex(map[y * 4 + x - 2]) * 3;
          expect([...rgba.subarray(o, o + 4)]).toEqual([lut[c], lut[c + 1], lut[c + 2], 128]);
        }
      }
    }
    const png = join(dir, 'overlay.png');
    await writeMapOverlayPng(png, map, t, 8, 4, 'viridis', 0.5);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([8, 4, 4]);
    expect([...data]).toEqual([...rgba]);
  });
});
