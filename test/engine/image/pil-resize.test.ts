import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { resizeBilinearPil, type RawImage } from '../../../src/main/engine/image/pil-resize';

// Fixtures are produced by Pillow: `/usr/bin/python3 scripts/make_pil_resize_fixtures.py`.
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'pil-resize');

interface FixtureCase {
  name: string;
  mode: 'L' | 'RGB';
  channels: number;
  inWidth: number;
  inHeight: number;
  outWidth: number;
  outHeight: number;
  input: string;
  expected: string;
  inputSha256: string;
  expectedSha256: string;
}

interface Manifest {
  pillow: string;
  cases: FixtureCase[];
}

const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as Manifest;

/** Minimal PNG decoder: 8-bit greyscale (type 0) or RGB (type 2), non-interlaced. */
function decodePng(buf: Buffer): RawImage {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  for (let i = 0; i < 8; i++) if (buf[i] !== sig[i]) throw new Error('not a PNG');
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const body = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const depth = body[8];
      const colorType = body[9];
      const interlace = body[12];
      if (depth !== 8 || interlace !== 0 || (colorType !== 0 && colorType !== 2)) {
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colorType}, interlace ${interlace}`);
      }
      channels = colorType === 0 ? 1 : 3;
    } else if (type === 'IDAT') {
      idat.push(body);
    } else if (type === 'IEND') {
      break;
    }
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(stride * height);
  const bpp = channels;
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = y * (stride + 1) + 1;
    const o = y * stride;
    for (let x = 0; x < stride; x++) {
      const v = raw[line + x];
      const a = x >= bpp ? out[o + x - bpp] : 0;
      const b = y > 0 ? out[o - stride + x] : 0;
      const c = x >= bpp && y > 0 ? out[o - stride + x - bpp] : 0;
      let pred: number;
      switch (filter) {
        case 0:
          pred = 0;
          break;
        case 1:
          pred = a;
          break;
        case 2:
          pred = b;
          break;
        case 3:
          pred = (a + b) >> 1;
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new Error(`bad PNG filter ${filter}`);
      }
      out[o + x] = (v + pred) & 0xff;
    }
  }
  return { data: out, width, height, channels };
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function loadCase(c: FixtureCase): { input: RawImage; expected: RawImage } {
  const input = decodePng(readFileSync(join(FIXTURES, c.input)));
  const expected = decodePng(readFileSync(join(FIXTURES, c.expected)));
  // Guard the PNG decoder itself: the manifest hashes the raw bytes numpy saw.
  expect(sha256(input.data)).toBe(c.inputSha256);
  expect(sha256(expected.data)).toBe(c.expectedSha256);
  expect([input.width, input.height, input.channels]).toEqual([c.inWidth, c.inHeight, c.channels]);
  expect([expected.width, expected.height, expected.channels]).toEqual([c.outWidth, c.outHeight, c.channels]);
  return { input, expected };
}

function diffSummary(actual: Uint8Array, expected: Uint8Array): { differing: number; maxAbs: number; first: string } {
  let differing = 0;
  let maxAbs = 0;
  let first = 'none';
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) {
      if (differing === 0) first = `byte ${i}: got ${actual[i]}, Pillow ${expected[i]}`;
      differing++;
      maxAbs = Math.max(maxAbs, Math.abs(actual[i] - expected[i]));
    }
  }
  return { differing, maxAbs, first };
}

describe('resizeBilinearPil matches Pillow Image.resize(BILINEAR) bit-exactly', () => {
  it('has the expected fixture set', () => {
    expect(manifest.cases.length).toBeGreaterThanOrEqual(10);
    const names = manifest.cases.map((c) => c.name);
    expect(names).toContain('photo-rgb-256x300-to-224x262-resize224');
    expect(names).toContain('rgb-50x40-to-50x20-vertical-only');
    expect(names).toContain('rgb-64x64-to-100x80-upscale');
  });

  for (const c of manifest.cases) {
    it(`${c.name} (${c.mode} ${c.inWidth}x${c.inHeight} -> ${c.outWidth}x${c.outHeight}, Pillow ${manifest.pillow})`, () => {
      const { input, expected } = loadCase(c);
      const inputCopy = input.data.slice();
      const out = resizeBilinearPil(input, c.outWidth, c.outHeight);
      expect(out.width).toBe(c.outWidth);
      expect(out.height).toBe(c.outHeight);
      expect(out.channels).toBe(c.channels);
      expect(out.data.length).toBe(expected.data.length);
      expect(diffSummary(out.data, expected.data)).toEqual({ differing: 0, maxAbs: 0, first: 'none' });
      // input untouched, output is a fresh buffer
      expect(Buffer.compare(Buffer.from(input.data), Buffer.from(inputCopy))).toBe(0);
      expect(out.data).not.toBe(input.data);
    });
  }

  it('photo-like torchvision Resize(224) case: no byte differs', () => {
    const c = manifest.cases.find((x) => x.name === 'photo-rgb-256x300-to-224x262-resize224')!;
    const { input, expected } = loadCase(c);
    const out = resizeBilinearPil(input, 224, 262);
    const { differing } = diffSummary(out.data, expected.data);
    expect(differing, `${differing} of ${expected.data.length} bytes differ from Pillow`).toBe(0);
    expect(sha256(out.data)).toBe(c.expectedSha256);
  });

  it('is fast enough for dataset preprocessing', () => {
    const c = manifest.cases.find((x) => x.name === 'photo-rgb-256x300-to-224x262-resize224')!;
    const { input } = loadCase(c);
    resizeBilinearPil(input, 224, 262); // warm-up
    const n = 20;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) resizeBilinearPil(input, 224, 262);
    const perImageMs = (performance.now() - t0) / n;
    // Typically ~1-3 ms; the bound is loose so slow CI machines do not flake.
    expect(perImageMs).toBeLessThan(100);
  });

  it('rejects inconsistent or non-positive sizes', () => {
    const img: RawImage = { data: new Uint8Array(12), width: 2, height: 2, channels: 3 };
    expect(() => resizeBilinearPil(img, 0, 2)).toThrow(RangeError);
    expect(() => resizeBilinearPil(img, 2, 1.5)).toThrow(RangeError);
    expect(() => resizeBilinearPil({ ...img, data: new Uint8Array(11) }, 1, 1)).toThrow(RangeError);
  });

  it('handles 4-channel images channel by channel (no alpha premultiplication)', () => {
    // A constant image stays constant under any resize: weights sum to 2^22 (±rounding).
    const data = new Uint8Array(5 * 4 * 4);
    for (let i = 0; i < data.length; i += 4) data.set([10, 128, 200, 255], i);
    const out = resizeBilinearPil({ data, width: 5, height: 4, channels: 4 }, 3, 7);
    for (let i = 0; i < out.data.length; i += 4) expect(Array.from(out.data.subarray(i, i + 4))).toEqual([10, 128, 200, 255]);
  });
});
