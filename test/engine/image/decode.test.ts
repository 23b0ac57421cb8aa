import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, readMapPng, writeMapPng } from '../../../src/main/engine/image/decode';
import { prepareDecoded } from '../../../src/main/engine/image/preprocess';
import type { ModelProfile } from '../../../src/main/engine/types';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'camscope-images-'));
});

/** A PNG whose header claims the given size with one tiny compressed row: a decompression-bomb shape. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer): number => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(width + 1))), chunk('IEND', Buffer.alloc(0))]);
}

describe('decodeImage', () => {
  it('rejects empty, text, corrupt and truncated files with specific messages', async () => {
    const empty = join(dir, 'empty.jpg');
    writeFileSync(empty, '');
    await expect(decodeImage(empty)).rejects.toMatchObject({ code: 'INVALID_IMAGE', message: `The image file is empty: ${empty} has 0 bytes, so replace it with a valid image or remove it.` });

    const text = join(dir, 'notes.png');
    writeFileSync(text, 'hello, this is text\n');
    await expect(decodeImage(text)).rejects.toMatchObject({ code: 'INVALID_IMAGE', message: expect.stringMatching(/^Not a readable image: .*notes\.png is not an image camscope can read \(it holds text/) });

    const good = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#336699' } }).jpeg().toBuffer();
    const truncated = join(dir, 'truncated.jpg');
    writeFileSync(truncated, good.subarray(0, Math.floor(good.length / 2)));
    await expect(decodeImage(truncated)).rejects.toMatchObject({ code: 'INVALID_IMAGE', message: `The image could not be decoded: ${truncated} is an incomplete JPEG file (it ends before its image data does), so copy or download it again, or remove it from the folder.` });

    const corrupt = join(dir, 'corrupt.jpg');
    const bytes = Buffer.from(good);
    bytes.fill(0x7f, 200, bytes.length - 2);
    writeFileSync(corrupt, bytes);
    await expect(decodeImage(corrupt)).rejects.toMatchObject({ code: 'INVALID_IMAGE', message: `The image could not be decoded: ${corrupt} is a damaged JPEG file, so replace it or remove it from the folder.` });

    await expect(decodeImage(join(dir, 'missing.png'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^Image not found/) });
    await expect(decodeImage(dir)).rejects.toMatchObject({ code: 'INVALID_IMAGE', message: `Not an image file: ${dir} is a folder, so open the images inside it instead.` });
  });

  it('refuses huge images before decoding them', async () => {
    const bomb = join(dir, 'bomb.png');
    writeFileSync(bomb, pngHeaderOnly(30000, 30000));
    await expect(decodeImage(bomb)).rejects.toMatchObject({ code: 'IMAGE_TOO_LARGE', message: `The image is too large: ${bomb} has 30000x30000 pixels (limit 100 megapixels), so downscale it before using it with camscope.` });
    const small = join(dir, 'small.png');
    await sharp({ create: { width: 40, height: 30, channels: 3, background: '#000' } }).png().toFile(small);
    await expect(decodeImage(small, 1000)).rejects.toMatchObject({ code: 'IMAGE_TOO_LARGE' });
    await expect(decodeImage(small, 1200)).resolves.toMatchObject({ width: 40, height: 30 });
  });

  it('applies the EXIF orientation', async () => {
    const path = join(dir, 'rotated.jpg');
    await sharp({ create: { width: 8, height: 4, channels: 3, background: '#808080' } }).jpeg().withMetadata({ orientation: 6 }).toFile(path);
    const img = await decodeImage(path);
    expect([img.width, img.height]).toEqual([4, 8]);
  });

  it('flattens transparency onto white', async () => {
    const path = join(dir, 'alpha.png');
    const rgba = Uint8Array.from([255, 0, 0, 255, 0, 0, 255, 0]); // opaque red, fully transparent blue
    await sharp(rgba, { raw: { width: 2, height: 1, channels: 4 } }).png().toFile(path);
    const img = await decodeImage(path);
    expect(Array.from(img.data)).toEqual([255, 0, 0, 255, 255, 255]);
  });

  it('reads 16-bit and grayscale files as 8-bit RGB', async () => {
    const p16 = join(dir, 'deep.png');
    const u16 = Uint16Array.from([0, 0, 0, 65535, 65535, 65535, 32896, 0, 65535]);
    await sharp(u16, { raw: { width: 3, height: 1, channels: 3 } }).toColourspace('rgb16').png().toFile(p16);
    expect((await sharp(p16).metadata()).depth).toBe('ushort');
    expect(Array.from((await decodeImage(p16)).data)).toEqual([0, 0, 0, 255, 255, 255, 128, 0, 255]);

    const gray = join(dir, 'gray.png');
    await sharp(Uint8Array.from([10, 200]), { raw: { width: 2, height: 1, channels: 1 } }).png().toFile(gray);
    expect(Array.from((await decodeImage(gray)).data)).toEqual([10, 10, 10, 200, 200, 200]);
  });
});

describe('preprocessing', () => {
  const profile = (p: Partial<ModelProfile>): ModelProfile => ({
    classes: ['a'], inputSize: [2, 2], channels: 3, resize: 'stretch', mean: [0, 0, 0], std: [1, 1, 1], layer: 'auto',
    scale: 1, layout: 'nchw', inputType: 'float32', scores: 'softmax', threshold: 0.5, ...p,
  });

  it('normalizes in float32 exactly as ToTensor + Normalize', () => {
    const img = { data: Uint8Array.from({ length: 12 }, (_, i) => i * 20), width: 2, height: 2, channels: 3 };
    const p = prepareDecoded(img, profile({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }));
    // CHW layout: channel 1 of pixel 2 is byte 2*3+1 = 7 → 140
    const f = Math.fround;
    expect(p.tensor[1 * 4 + 2]).toBe(f(f(f(140 / 255) - f(0.456)) / f(0.224)));
  });

  it("converts RGB to luma like Pillow's convert('L') for grayscale models", () => {
    const img = { data: Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 30, 60, 90]), width: 2, height: 2, channels: 3 };
    const p = prepareDecoded(img, profile({ channels: 1, mean: [0], std: [1] }));
    // Pillow: L = R*299/1000 + G*587/1000 + B*114/1000, fixed point with rounding
    expect(Array.from(p.pixels)).toEqual([76, 150, 29, 54]);
  });

  it('centre-crops with Python rounding after resizing the shorter side', () => {
    const w = 7, h = 4;
    const img = { data: Uint8Array.from({ length: w * h * 3 }, (_, i) => Math.floor(i / 3) % w), width: w, height: h, channels: 3 };
    // shorter side already 4 → no resize; (7-4)/2 = 1.5 → round-half-even → 2: columns 2..5
    const p = prepareDecoded(img, profile({ inputSize: [4, 4], resize: 'shorter-side-crop' }));
    expect(Array.from(p.pixels.filter((_, i) => i % 3 === 0).slice(0, 4))).toEqual([2, 3, 4, 5]);
  });
});

describe('16-bit map PNGs', () => {
  it('round-trip a [0,1] map at 1/65535 resolution', async () => {
    const path = join(dir, 'map.png');
    const map = Float32Array.from([0, 0.25, 0.5, 1, 0.123456, NaN]);
    await writeMapPng(path, map, 3, 2);
    const meta = await sharp(path).metadata();
    expect([meta.depth, meta.channels]).toEqual(['ushort', 1]);
    const back = await readMapPng(path);
    expect(back.width).toBe(3);
    [0, 0.25, 0.5, 1, 0.123456, 0].forEach((v, i) => expect(Math.abs(back.map[i] - v)).toBeLessThanOrEqual(0.5 / 65535 + 1e-9));
  });
});
