// camscope's BMP decoder against Pillow: test/fixtures/images/make_bmp_fixtures.py wrote each BMP and, beside it,
// Pillow's decoding of it as RGB (alpha flattened onto white with sharp's rounding).
import { readdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeBmp } from '../../../src/main/engine/image/bmp';
import { decodeImage } from '../../../src/main/engine/image/decode';
import { makeThumbnail } from '../../../src/main/engine/image/thumbnail';

const FIXTURES = join(import.meta.dirname, '../../fixtures/images');
const decodable = readdirSync(FIXTURES).filter((f) => f.endsWith('.bmp') && !f.startsWith('rle'));

async function expected(name: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(join(FIXTURES, name.replace('.bmp', '.expected.png')))
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

describe('BMP decoding', () => {
  it('covers the kinds real files use', () => {
    // 24/32-bit BI_RGB, 16-bit 5-5-5 and 5-6-5 bit fields, 32-bit bit fields with alpha (V4 header), 1/4/8-bit
    // palettes, grayscale, top-down rows and the OS/2 header.
    expect(decodable.sort()).toEqual([
      'bitfields16-565-7x3.bmp', 'bitfields32-alpha-5x4.bmp', 'core8-4x2.bmp', 'gray8-5x5.bmp', 'mono1-11x3.bmp',
      'pal4-7x3.bmp', 'pal8-9x4.bmp', 'rgb16-555-5x3.bmp', 'rgb24-7x5.bmp', 'rgb24-topdown-5x3.bmp', 'rgb32-6x4.bmp',
    ]);
  });

  it.each(decodable)('%s decodes to exactly what Pillow decodes', async (name) => {
    const want = await expected(name);
    const got = await decodeImage(join(FIXTURES, name));
    expect([got.width, got.height, got.channels]).toEqual([want.width, want.height, 3]);
    expect(Array.from(got.data)).toEqual(Array.from(want.data));
  });

  it('makes thumbnails of BMPs (tiny ones upscaled as PNG)', async () => {
    const t = await makeThumbnail(join(FIXTURES, 'rgb24-7x5.bmp'), 70);
    expect(t).toMatchObject({ mime: 'image/png', width: 70, height: 50, originalWidth: 7, originalHeight: 5 });
    const { data, info } = await sharp(Buffer.from(t.bytes)).raw().toBuffer({ resolveWithObject: true });
    const want = await expected('rgb24-7x5.bmp');
    // Nearest-neighbour ×10: the pixel at (3, 2) fills the block starting at (30, 20).
    const at = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
    expect(at(35, 25)).toEqual(Array.from(want.data.subarray((2 * 7 + 3) * 3, (2 * 7 + 3) * 3 + 3)));
  });

  it('treats an alpha channel that is zero everywhere as opaque (writers that leave it unset)', () => {
    const bytes = Buffer.from(readFileSync(join(FIXTURES, 'bitfields32-alpha-5x4.bmp')));
    const offset = bytes.readUInt32LE(10);
    for (let i = offset + 3; i < bytes.length; i += 4) bytes[i] = 0;
    const img = decodeBmp(bytes, 1e8);
    // Top-left pixel is the last stored row's first pixel: its B, G, R bytes as they are, not flattened to white.
    const last = offset + 3 * 5 * 4;
    expect(Array.from(img.data.subarray(0, 3))).toEqual([bytes[last + 2], bytes[last + 1], bytes[last]]);
  });

  it('refuses, in one sentence naming the file, what it does not read and what is broken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'camscope-bmp-'));
    const rle = join(FIXTURES, 'rle8-4x2.bmp');
    await expect(decodeImage(rle)).rejects.toMatchObject({
      code: 'INVALID_IMAGE',
      message: `The image could not be decoded: ${rle} is a run-length (RLE8) compressed BMP file, which camscope cannot read, so save it as PNG or JPEG and try again.`,
    });

    const whole = readFileSync(join(FIXTURES, 'rgb24-7x5.bmp'));
    const cut = join(dir, 'cut.bmp');
    writeFileSync(cut, whole.subarray(0, whole.length - 10));
    await expect(decodeImage(cut)).rejects.toMatchObject({
      code: 'INVALID_IMAGE',
      message: `The image could not be decoded: ${cut} is an incomplete BMP file (it ends before its pixel data does), so copy it again or remove it from the folder.`,
    });
    await expect(makeThumbnail(cut)).rejects.toMatchObject({ message: expect.stringContaining(`${cut} is an incomplete BMP file`) });

    const header = join(dir, 'header.bmp');
    writeFileSync(header, whole.subarray(0, 20));
    await expect(decodeImage(header)).rejects.toMatchObject({ message: expect.stringContaining(`${header} is an incomplete BMP file (it ends inside its header)`) });

    // A header that claims 40000×40000 pixels is refused before any pixel memory is taken.
    const bomb = Buffer.from(whole);
    bomb.writeInt32LE(40000, 18);
    bomb.writeInt32LE(40000, 22);
    const bombFile = join(dir, 'bomb.bmp');
    writeFileSync(bombFile, bomb);
    await expect(decodeImage(bombFile)).rejects.toMatchObject({
      code: 'IMAGE_TOO_LARGE',
      message: `The image is too large: ${bombFile} has 40000x40000 pixels (limit 100 megapixels), so downscale it before using it with camscope.`,
    });

    const odd = Buffer.from(whole);
    odd.writeUInt16LE(2, 28); // 2 bits per pixel: no such BMP
    const oddFile = join(dir, 'odd.bmp');
    writeFileSync(oddFile, odd);
    await expect(decodeImage(oddFile)).rejects.toMatchObject({ message: `The image could not be decoded: ${oddFile} is a 2-bit BMP file, which camscope cannot read, so save it as PNG or JPEG and try again.` });
  });
});
