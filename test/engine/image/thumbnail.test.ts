// Thumbnails for the dataset browser (src/main/engine/image/thumbnail.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeThumbnail } from '../../../src/main/engine/image/thumbnail';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'camscope-thumb-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const file = (name: string) => path.join(tmp, name);

beforeAll(async () => {
  // 28×28 gray with a single white pixel at (3, 5).
  const tiny = new Uint8Array(28 * 28);
  tiny[5 * 28 + 3] = 255;
  await sharp(tiny, { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(file('tiny.png'));
  await sharp({ create: { width: 640, height: 320, channels: 3, background: '#3366cc' } }).jpeg().toFile(file('wide.jpg'));
  // 300×100 stored, EXIF orientation 6 (rotate 90°): shown as 100×300.
  await sharp({ create: { width: 300, height: 100, channels: 3, background: '#cc3333' } }).withMetadata({ orientation: 6 }).jpeg().toFile(file('rotated.jpg'));
  await sharp({ create: { width: 100, height: 80, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toFile(file('alpha.png'));
  fs.writeFileSync(file('broken.jpg'), 'not an image');
  fs.writeFileSync(file('empty.png'), '');
});

describe('makeThumbnail', () => {
  it('scales tiny images up by an integer factor with nearest neighbour, as PNG', async () => {
    const t = await makeThumbnail(file('tiny.png'), 160);
    expect(t).toMatchObject({ mime: 'image/png', width: 140, height: 140, originalWidth: 28, originalHeight: 28 });
    const { data, info } = await sharp(Buffer.from(t.bytes)).greyscale().raw().toBuffer({ resolveWithObject: true });
    // The white pixel became a crisp 5×5 block.
    const at = (x: number, y: number) => data[(y * info.width + x) * info.channels];
    expect(at(15, 25)).toBe(255);
    expect(at(19, 29)).toBe(255);
    expect(at(20, 29)).toBe(0);
  });

  it('shrinks photos to fit the size, as JPEG, keeping the aspect ratio', async () => {
    const t = await makeThumbnail(file('wide.jpg'), 160);
    expect(t).toMatchObject({ mime: 'image/jpeg', width: 160, height: 80 });
    expect([t.bytes[0], t.bytes[1]]).toEqual([0xff, 0xd8]);
  });

  it('applies the EXIF orientation and flattens transparency onto white', async () => {
    expect(await makeThumbnail(file('rotated.jpg'), 150)).toMatchObject({ width: 50, height: 150, originalWidth: 100, originalHeight: 300 });
    const a = await makeThumbnail(file('alpha.png'), 160);
    const { data } = await sharp(Buffer.from(a.bytes)).raw().toBuffer({ resolveWithObject: true });
    expect(data[0]).toBeGreaterThan(245);
  });

  it('says plainly when a file is not a readable image', async () => {
    await expect(makeThumbnail(file('broken.jpg'))).rejects.toMatchObject({ code: 'INVALID_IMAGE' });
    await expect(makeThumbnail(file('empty.png'))).rejects.toMatchObject({ code: 'INVALID_IMAGE' });
    await expect(makeThumbnail(file('missing.png'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /not found/ });
  });
});
