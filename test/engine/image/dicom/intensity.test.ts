// The intensity pipeline: the DICOM VOI formulas checked by hand from PS3.3 C.11.2.1.2–3, MONOCHROME1 inversion,
// every mapping on DICOM and 16-bit PNG/TIFF files against NumPy (test/fixtures/dicom/make-reference.py), the
// string forms, and 8-bit images left exactly as before.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, openImageFile } from '../../../../src/main/engine/image/decode';
import {
  formatIntensityMapping,
  mapIntensity,
  mapIntensityWindowed,
  parseIntensityMapping,
  windowFunction,
  type IntensityMapping,
  type SampleImage,
} from '../../../../src/main/engine/image/intensity';
import { GENERATED, references } from './reference-helpers';

const round = (y: number): number => Math.floor(y + 0.5);

describe('VOI window formulas (PS3.3 C.11.2.1.2.1 and C.11.2.1.3), worked by hand', () => {
  it('LINEAR, centre 40, width 400: 0 up to c − 0.5 − (w − 1)/2 = −160, 255 above c − 0.5 + (w − 1)/2 = 239', () => {
    const f = windowFunction(40, 400);
    expect(f(-1000)).toBe(0);
    expect(f(-160)).toBe(0);
    // ((−159 − 39.5)/399 + 0.5)·255 = 0.6391
    expect(f(-159)).toBeCloseTo(0.639098, 5);
    // ((40 − 39.5)/399 + 0.5)·255 = 127.8195
    expect(round(f(40))).toBe(128);
    // ((239 − 39.5)/399 + 0.5)·255 = 255 exactly, and 239.5 is above the window
    expect(f(239)).toBeCloseTo(255, 10);
    expect(f(239.5)).toBe(255);
  });

  it('LINEAR with width 1 is a threshold at c − 0.5', () => {
    const f = windowFunction(100, 1);
    expect([f(99), f(99.5), f(99.6), f(100)]).toEqual([0, 0, 255, 255]);
  });

  it('LINEAR_EXACT: ((x − c)/w + 0.5)·255 between c − w/2 and c + w/2', () => {
    const f = windowFunction(40, 400, 'LINEAR_EXACT');
    expect(f(-160)).toBe(0);
    expect(f(40)).toBe(127.5);
    expect(f(140)).toBe(191.25);
    expect(f(240)).toBe(255);
  });

  it('SIGMOID: 255 / (1 + exp(−4(x − c)/w))', () => {
    const f = windowFunction(40, 400, 'SIGMOID');
    expect(f(40)).toBe(127.5);
    expect(f(140)).toBeCloseTo(255 / (1 + Math.exp(-1)), 12);
    expect(f(140)).toBeCloseTo(186.4201, 3); // 255 / 1.367879
    expect(f(-60)).toBeCloseTo(68.5799, 3); // 255 / (1 + e)
  });

  it('MONOCHROME1 is inverted after the window: 255 − y', () => {
    const img: SampleImage = {
      width: 3, height: 1, channels: 1, samples: Uint16Array.from([0, 512, 1023]), storedMin: 0, storedMax: 1023,
      modality: { kind: 'rescale', slope: 1, intercept: 0 }, windows: [{ kind: 'window', center: 512, width: 1024, fn: 'LINEAR', explanation: null }],
      invert: true, origin: 'dicom',
    };
    // y(0) = 0, y(512) = ((512 − 511.5)/1023 + 0.5)·255 = 127.62 → 128, y(1023) = 255; inverted: 255, 127, 0.
    const out = mapIntensity(img, { kind: 'dicom-window', window: 1 });
    expect(Array.from(out.data)).toEqual([255, 255, 255, 127, 127, 127, 0, 0, 0]);
  });

  it('a VOI LUT entry is scaled from its bit depth to 0–255, inputs outside it clamped to its ends', () => {
    const img: SampleImage = {
      width: 4, height: 1, channels: 1, samples: Uint16Array.from([0, 100, 101, 4095]), storedMin: 0, storedMax: 4095,
      modality: { kind: 'rescale', slope: 1, intercept: 0 }, windows: [{ kind: 'lut', lut: { first: 100, data: [0, 4095, 2048], bits: 12 }, explanation: null }],
      invert: false, origin: 'dicom',
    };
    expect(Array.from(mapIntensity(img, { kind: 'dicom-window', window: 1 }).data.filter((_, i) => i % 3 === 0))).toEqual([0, 0, 255, round((2048 * 255) / 4095)]);
  });
});

const sha = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** The red channel of a decoded image (grey is replicated into R, G and B). */
const grey = (data: Uint8Array): Uint8Array => data.filter((_, i) => i % 3 === 0);

describe('mappings on DICOM files, against NumPy', () => {
  for (const ref of references().filter((r) => r.mappings)) {
    describe(ref.file, () => {
      for (const [text, expected] of Object.entries(ref.mappings!)) {
        it(text, async () => {
          const pixels = grey((await decodeImage(join(GENERATED, ref.file), undefined, { mapping: parseIntensityMapping(text) })).data);
          for (const [i, v] of expected.samples) expect(pixels[i], `pixel ${i}`).toBe(v);
          expect(sha(pixels)).toBe(expected.sha256);
        });
      }
    });
  }

  it('the default for DICOM is the first window the file lists, and is said in the string form', async () => {
    const path = join(GENERATED, 'ct-two-windows.dcm');
    const opened = await openImageFile(path);
    expect(opened.source?.mapping).toBe('dicom-window:1');
    expect(opened.dicom?.windows.map((w) => [w.center, w.width, w.explanation])).toEqual([[40, 400, 'SOFT TISSUE'], [-600, 1500, 'LUNG']]);
    const first = await decodeImage(path, undefined, { mapping: { kind: 'dicom-window', window: 1 } });
    expect(opened.decoded!.data).toEqual(first.data);
  });

  it('a window the file does not list is refused in one sentence naming it', async () => {
    const path = join(GENERATED, 'ct-two-windows.dcm');
    await expect(decodeImage(path, undefined, { mapping: { kind: 'dicom-window', window: 3 } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: `Window 3 does not exist: ${path} lists 2 windows, numbered from 1.`,
    });
  });

  it('a file without a window falls back to its own range (monochrome) or its bit depth (colour)', async () => {
    const noWindow = join(GENERATED, 'pt-float-rescale.dcm');
    const byDefault = await decodeImage(noWindow);
    expect(byDefault.data).toEqual((await decodeImage(noWindow, undefined, { mapping: { kind: 'range', of: 'image' } })).data);
    const colour = join(GENERATED, 'ot-rgb16-planar.dcm');
    expect((await decodeImage(colour)).data).toEqual((await decodeImage(colour, undefined, { mapping: { kind: 'range', of: 'bit-depth' } })).data);
  });
});

describe('16-bit PNG and TIFF stay 16-bit until the mapping, against NumPy', () => {
  const refs = JSON.parse(readFileSync(join(GENERATED, 'sixteen-bit.json'), 'utf8')) as Record<string, { width: number; height: number; mappings: Record<string, number[]> }>;
  for (const [file, ref] of Object.entries(refs)) {
    for (const [text, expected] of Object.entries(ref.mappings)) {
      it(`${file} ${text}`, async () => {
        const img = await decodeImage(join(GENERATED, file), undefined, { mapping: parseIntensityMapping(text) });
        expect([img.width, img.height]).toEqual([ref.width, ref.height]);
        expect(Array.from(grey(img.data))).toEqual(expected);
      });
    }
  }

  it('the default is range:bit-depth, said in the string form', async () => {
    const opened = await openImageFile(join(GENERATED, 'grey16.png'));
    expect(opened.source?.mapping).toBe('range:bit-depth');
    expect(Array.from(grey(opened.decoded!.data))).toEqual(refs['grey16.png'].mappings['range:bit-depth']);
  });

  it('16-bit RGB with alpha is flattened onto 16-bit white before the mapping', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'camscope-16-'));
    const path = join(dir, 'rgba16.png');
    // Opaque, transparent, and half-covered (a = 32768): c·a/65535 + 65535·(1 − a/65535), rounded.
    const rgba = Uint16Array.from([65535, 0, 0, 65535, 0, 0, 65535, 0, 1000, 2000, 3000, 32768]);
    await sharp(rgba, { raw: { width: 3, height: 1, channels: 4 } }).toColourspace('rgb16').png().toFile(path);
    const half = (c: number): number => Math.floor((c * 32768 + 65535 * (65535 - 32768)) / 65535 + 0.5);
    const to8 = (v: number): number => round((v / 65535) * 255);
    expect(Array.from((await decodeImage(path)).data)).toEqual([255, 0, 0, 255, 255, 255, to8(half(1000)), to8(half(2000)), to8(half(3000))]);
  });
});

describe('the window a mapping amounts to (where the image view\'s level/width drag starts)', () => {
  const line = (samples: number[]): SampleImage => ({
    width: samples.length, height: 1, channels: 1, samples: Uint16Array.from(samples), storedMin: 0, storedMax: 65535,
    modality: { kind: 'rescale', slope: 1, intercept: 0 }, windows: [], invert: false, origin: 'image16',
  });
  const windowOf = (img: SampleImage, text: string) => mapIntensityWindowed(img, parseIntensityMapping(text)).window;

  it('a fixed window is itself; a range or percentile is its centre and width; raw scaling is where it runs 0 to 1', () => {
    const img = line([0, 100, 200, 300, 400]);
    expect(windowOf(img, 'window:40,400')).toEqual({ center: 40, width: 400 });
    // numpy.percentile([0,100,200,300,400], [25, 75]) = [100, 300]
    expect(windowOf(img, 'percentile:25,75')).toEqual({ center: 200, width: 200 });
    expect(windowOf(img, 'range:image')).toEqual({ center: 200, width: 400 });
    expect(windowOf(img, 'range:bit-depth')).toEqual({ center: 32767.5, width: 65535 });
    // v·0.01 − 1 runs from 0 at v = 100 to 1 at v = 200
    expect(windowOf(img, 'raw:0.01,-1')).toEqual({ center: 150, width: 100 });
    expect(windowOf(img, 'raw:-0.01,1')).toBeNull();
  });

  it('the pixels are the same as mapIntensity\'s', () => {
    const img = line([0, 100, 200, 300, 400]);
    expect(mapIntensityWindowed(img, parseIntensityMapping('percentile:10,90')).pixels).toEqual(mapIntensity(img, parseIntensityMapping('percentile:10,90')));
  });

  it('a DICOM file\'s source lists its windows and says which one made the pixels, with nothing that identifies the patient', async () => {
    const path = join(GENERATED, 'ct-two-windows.dcm');
    const second = await openImageFile(path, undefined, { mapping: { kind: 'dicom-window', window: 2 } });
    expect(second.source).toMatchObject({
      kind: 'dicom', modality: 'CT', width: 29, height: 37, bitsStored: 12, signed: true, frame: 1, frames: 1,
      mapping: 'dicom-window:2', window: { center: -600, width: 1500 }, inverted: false,
      // 12-bit signed −2048…2047, rescaled by −1024
      valueRange: [-3072, 1023],
    });
    expect(second.source!.windows.map((w) => w.explanation)).toEqual(['SOFT TISSUE', 'LUNG']);
    expect(JSON.stringify(second.source)).not.toMatch(/PatientName|PatientID|Anonymous|\^/);
    const mono1 = await openImageFile(join(GENERATED, 'cr-monochrome1.dcm'));
    expect(mono1.source).toMatchObject({ inverted: true, window: { center: 512, width: 1024 }, valueRange: [0, 1023] });
  });

  it('a 16-bit PNG\'s source is its bit depth; an 8-bit image has none', async () => {
    const opened = await openImageFile(join(GENERATED, 'grey16.png'));
    expect(opened.source).toMatchObject({ kind: 'image16', modality: null, bitsStored: 16, mapping: 'range:bit-depth', window: { center: 32767.5, width: 65535 }, valueRange: [0, 65535] });
    const dir = mkdtempSync(join(tmpdir(), 'camscope-8-'));
    const eight = join(dir, 'eight.png');
    await sharp(Buffer.from([1, 2, 3]), { raw: { width: 1, height: 1, channels: 3 } }).png().toFile(eight);
    expect((await openImageFile(eight)).source).toBeNull();
  });
});

describe('8-bit images are untouched by any mapping', () => {
  it('decode the same with and without one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'camscope-8-'));
    const path = join(dir, 'eight.png');
    await sharp(Uint8Array.from([0, 10, 20, 200, 250, 255]), { raw: { width: 2, height: 1, channels: 3 } }).png().toFile(path);
    const plain = await decodeImage(path);
    const mapped = await decodeImage(path, undefined, { mapping: { kind: 'window', center: 100, width: 10 } });
    expect(Array.from(mapped.data)).toEqual([0, 10, 20, 200, 250, 255]);
    expect(mapped.data).toEqual(plain.data);
    expect((await openImageFile(path)).source).toBeNull();
  });
});

describe('the string form', () => {
  it('round-trips every kind and defaults dicom-window to window 1', () => {
    const all: IntensityMapping[] = [
      { kind: 'dicom-window', window: 2 },
      { kind: 'window', center: -600, width: 1500 },
      { kind: 'percentile', low: 0.5, high: 99.5 },
      { kind: 'range', of: 'bit-depth' },
      { kind: 'range', of: 'image' },
      { kind: 'raw', scale: 0.001, offset: -0.25 },
    ];
    for (const m of all) expect(parseIntensityMapping(formatIntensityMapping(m))).toEqual(m);
    expect(formatIntensityMapping(parseIntensityMapping('dicom-window'))).toBe('dicom-window:1');
    expect(formatIntensityMapping({ kind: 'window', center: 40, width: 400 })).toBe('window:40,400');
  });

  it('refuses bad forms in one sentence listing the good ones', () => {
    for (const bad of ['windows:40,400', 'window:40', 'window:40,0', 'percentile:99,1', 'percentile:-1,50', 'range:full', 'dicom-window:0', 'raw:a,b', 'window:1,2:3']) {
      expect(() => parseIntensityMapping(bad), bad).toThrow(/^The intensity mapping ".*" [^.]*; use dicom-window, .*raw:SCALE,OFFSET\.$/);
    }
  });
});
