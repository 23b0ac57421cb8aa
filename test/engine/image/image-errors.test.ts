// Image errors that belong to their file: concurrent decodes of good and bad files (libvips' error buffer is shared
// by every thread, so its text cannot be trusted to name the right file), unreadable vs undecodable files, the
// resized-size guard, and folders named like images in the listings.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../src/main/cli/run';
import { collectImages } from '../../../src/main/cli/common';
import { demoImagesDir, demoModelPath } from '../../../src/main/engine/demo';
import { loadDataset } from '../../../src/main/engine/evaluate/dataset';
import { decodeImage, fileSystem } from '../../../src/main/engine/image/decode';
import { prepareImage } from '../../../src/main/engine/image/preprocess';
import { makeThumbnail } from '../../../src/main/engine/image/thumbnail';
import type { ModelProfile } from '../../../src/main/engine/types';

const FIXTURES = join(import.meta.dirname, '../../fixtures/images');
let dir: string;
const good: string[] = [];
const bad: string[] = [];

/** Deterministic noise, so JPEG and PNG encodings are not trivially small. */
function noise(w: number, h: number, seed: number): Buffer {
  const b = Buffer.alloc(w * h * 3);
  let x = seed * 2654435761;
  for (let i = 0; i < b.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'camscope-image-errors-'));
  const f = (name: string) => join(dir, name);
  const jpeg = await sharp(noise(320, 240, 1), { raw: { width: 320, height: 240, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  const png = await sharp(noise(160, 120, 2), { raw: { width: 160, height: 120, channels: 3 } }).png().toBuffer();
  for (let i = 0; i < 3; i++) {
    writeFileSync(f(`good-${i}.jpg`), jpeg);
    writeFileSync(f(`good-${i}.png`), png);
    good.push(f(`good-${i}.jpg`), f(`good-${i}.png`));
  }
  copyFileSync(join(FIXTURES, 'rgb24-7x5.bmp'), f('good-bmp.bmp'));
  good.push(f('good-bmp.bmp'));

  writeFileSync(f('truncated-photo.jpg'), jpeg.subarray(0, jpeg.length >> 1));
  const damagedJpeg = Buffer.from(jpeg);
  const dht = damagedJpeg.indexOf(Buffer.from([0xff, 0xc4])); // a Huffman table libjpeg refuses
  damagedJpeg.fill(0xee, dht + 5, dht + 21);
  writeFileSync(f('scrambled-photo.jpg'), damagedJpeg);
  const crc = Buffer.from(png);
  crc[crc.indexOf('IDAT') + 40] ^= 0xff; // data changed, checksum not
  writeFileSync(f('bad-crc.png'), crc);
  writeFileSync(f('cut-short.png'), png.subarray(0, png.length - 300));
  writeFileSync(f('zero-bytes.png'), '');
  writeFileSync(f('notes-renamed.png'), 'These are my notes, not a picture.\n');
  writeFileSync(f('random-bytes.jpg'), noise(50, 50, 3));
  copyFileSync(join(FIXTURES, 'rle8-4x2.bmp'), f('compressed.bmp'));
  mkdirSync(f('folder-named.jpg'));
  bad.push(
    ...['truncated-photo.jpg', 'scrambled-photo.jpg', 'bad-crc.png', 'cut-short.png', 'zero-bytes.png', 'notes-renamed.png', 'random-bytes.jpg', 'compressed.bmp', 'folder-named.jpg', 'never-existed.png'].map(f),
  );
});

afterEach(() => vi.restoreAllMocks());

type Outcome = { ok: true } | { ok: false; code: string; message: string };
const outcome = (p: Promise<unknown>): Promise<Outcome> =>
  p.then(
    () => ({ ok: true }) as const,
    (e: { code: string; message: string }) => ({ ok: false, code: e.code, message: e.message }),
  );

describe('concurrent decodes of good and bad files', () => {
  it('give every file its own error, the same as when it is decoded alone', async () => {
    const files = [...good, ...bad];
    const names = files.map((p) => p.slice(dir.length + 1));
    // Each file alone, one at a time: the reference.
    const alone = new Map<string, Outcome>();
    const thumbAlone = new Map<string, Outcome>();
    for (const p of files) {
      alone.set(p, await outcome(decodeImage(p)));
      thumbAlone.set(p, await outcome(makeThumbnail(p)));
    }
    for (const p of good) expect(alone.get(p)).toEqual({ ok: true });
    for (const p of bad) {
      const o = alone.get(p)!;
      expect(o.ok, p).toBe(false);
      if (o.ok) continue;
      // One sentence that names this file, no other, and says nothing libvips wrote.
      expect(o.message).toContain(p);
      for (const other of names) if (!p.endsWith(`/${other}`)) expect(o.message).not.toContain(other);
      expect(o.message).not.toMatch(/vips|libpng|premature|Unknown error|unsupported image format/i);
      expect(o.message).toMatch(/^[^.]*(\.[^ .][^.]*)*\.$/); // ends with its only full stop (file names aside)
    }

    // Then all of them at once, decodes and thumbnails interleaved, several times over in shifting orders.
    for (let round = 0; round < 6; round++) {
      const order = files.flatMap((p, i) => [files[(i * 7 + round) % files.length], p]);
      const results = await Promise.all(
        order.map(async (p, i) => ({ p, thumb: i % 3 === 2, o: await outcome(i % 3 === 2 ? makeThumbnail(p) : decodeImage(p)) })),
      );
      for (const { p, thumb, o } of results) expect(o, `${p} (${thumb ? 'thumbnail' : 'decode'}, round ${round})`).toEqual((thumb ? thumbAlone : alone).get(p));
    }
  }, 60_000);

  it('says what is wrong with each kind of bad file', async () => {
    const msg = async (name: string) => ((await outcome(decodeImage(join(dir, name)))) as { message: string }).message;
    expect(await msg('truncated-photo.jpg')).toMatch(/is an incomplete JPEG file \(it ends before its image data does\), so copy or download it again/);
    expect(await msg('scrambled-photo.jpg')).toMatch(/is a damaged JPEG file, so replace it or remove it from the folder\.$/);
    expect(await msg('bad-crc.png')).toMatch(/is a damaged PNG file \(its IDAT chunk fails its checksum\)/);
    expect(await msg('cut-short.png')).toMatch(/is an incomplete PNG file/);
    expect(await msg('zero-bytes.png')).toMatch(/^The image file is empty: .* has 0 bytes/);
    expect(await msg('notes-renamed.png')).toMatch(/is not an image camscope can read \(it holds text, not JPEG, PNG/);
    expect(await msg('random-bytes.jpg')).toMatch(/is not an image camscope can read \(its contents are not JPEG, PNG/);
    expect(await msg('folder-named.jpg')).toMatch(/is a folder, so open the images inside it instead\.$/);
    expect(await msg('never-existed.png')).toMatch(/^Image not found: .* does not exist any more/);
  });
});

describe('unreadable files are told apart from undecodable ones', () => {
  const target = () => join(dir, 'good-0.png');
  const errno = (code: string, text: string) => Object.assign(new Error(`${code}: ${text}, open '${target()}'`), { code });

  it('permission denied (injected: tests may run as root, who can read anything)', async () => {
    vi.spyOn(fileSystem, 'readFile').mockRejectedValue(errno('EACCES', 'permission denied'));
    const expected = `camscope is not allowed to read ${target()}; give your user read permission on the file (or copy it to a folder you own) and try again.`;
    await expect(decodeImage(target())).rejects.toMatchObject({ code: 'INVALID_IMAGE', message: expected });
    await expect(makeThumbnail(target())).rejects.toMatchObject({ message: expected });
  });

  it('an I/O error says the disk could not read the file', async () => {
    vi.spyOn(fileSystem, 'readFile').mockRejectedValue(errno('EIO', 'i/o error'));
    await expect(decodeImage(target())).rejects.toMatchObject({
      message: expect.stringMatching(/^The file .*good-0\.png could not be read from the disk \(EIO: .*\); check that the drive is connected/),
    });
  });

  it.skipIf(process.getuid?.() === 0)('a real chmod 000 file (where the tests do not run as root)', async () => {
    const locked = join(dir, 'locked.png');
    copyFileSync(target(), locked);
    chmodSync(locked, 0o000);
    try {
      await expect(decodeImage(locked)).rejects.toMatchObject({ message: expect.stringMatching(/^camscope is not allowed to read .*locked\.png;/) });
    } finally {
      chmodSync(locked, 0o644);
    }
  });

  it('a named pipe with an image name is refused at once instead of blocking the read', async () => {
    const fifo = join(dir, 'pipe.jpg');
    execFileSync('mkfifo', [fifo]);
    await expect(decodeImage(fifo)).rejects.toMatchObject({ message: `Not an image file: ${fifo} is a device, pipe or socket, so choose an ordinary image file instead.` });
  });
});

describe('the resized size is guarded as well as the source size', () => {
  const profile = { classes: ['a'], inputSize: [224, 224], channels: 3, resize: 'shorter-side-crop', mean: [0, 0, 0], std: [1, 1, 1], layer: 'auto', scale: 1 } as unknown as ModelProfile;

  it('a 1×25000 image is refused before resizing (224×5,600,000), in one sentence naming it', async () => {
    const thin = join(dir, 'thin.png');
    await sharp({ create: { width: 1, height: 25000, channels: 3, background: '#808080' } }).png().toFile(thin);
    const t0 = performance.now();
    await expect(prepareImage(thin, profile)).rejects.toMatchObject({
      code: 'IMAGE_TOO_LARGE',
      message: `The image is too elongated: ${thin} (1x25000 pixels) would be resized to 224x5600000 pixels for the model, over the 50-megapixel limit, so crop it closer to square first.`,
    });
    expect(performance.now() - t0).toBeLessThan(5_000);
    // Stretched straight to the model's size, the same image costs nothing and is accepted.
    await expect(prepareImage(thin, { ...profile, resize: 'stretch' })).resolves.toMatchObject({ width: 224, height: 224 });
  });

  it('elongated images under the limit still work, and the limit can be set', async () => {
    const wide = join(dir, 'wide.png');
    await sharp({ create: { width: 400, height: 4, channels: 3, background: '#808080' } }).png().toFile(wide);
    // 4 → 224 makes 22400×224 = 5 MP.
    await expect(prepareImage(wide, profile)).resolves.toMatchObject({ width: 224, height: 224, originalWidth: 400, originalHeight: 4 });
    await expect(prepareImage(wide, profile, undefined, 4_000_000)).rejects.toMatchObject({ message: expect.stringContaining('over the 4-megapixel limit') });
  });
});

describe('folders named like images', () => {
  it('are skipped with a warning when a dataset is listed', () => {
    const root = join(dir, 'dataset');
    mkdirSync(join(root, 'cat', 'x.jpg'), { recursive: true });
    mkdirSync(join(root, 'dog'), { recursive: true });
    copyFileSync(good[0], join(root, 'cat', '1.jpg'));
    copyFileSync(good[0], join(root, 'dog', '1.jpg'));
    copyFileSync(good[0], join(root, 'cat', 'x.jpg', 'inside.jpg'));
    const d = loadDataset(root, ['cat', 'dog']);
    expect(d.items.map((i) => i.file)).toEqual(['cat/1.jpg', 'dog/1.jpg']);
    expect(d.warnings).toEqual(['Skipped cat/x.jpg: it is a folder named like an image file, so it was not searched; rename it if it holds images you want.']);
  });

  it('are skipped with a warning by the CLI, whose run goes on (exit 0, not 2)', async () => {
    const inputs = join(dir, 'cli-inputs');
    mkdirSync(join(inputs, 'x.jpg'), { recursive: true });
    const image = readdirSync(demoImagesDir()).find((n) => n.endsWith('.png'))!;
    copyFileSync(join(demoImagesDir(), image), join(inputs, image));
    const warnings: string[] = [];
    expect(collectImages([join(inputs, image), join(inputs, 'x.jpg')], (m) => warnings.push(m)).map((i) => i.file)).toEqual([join(inputs, image)]);
    expect(warnings).toEqual([`Skipped ${join(inputs, 'x.jpg')}: it is a folder named like an image file, so it was not searched; rename it if it holds images you want.`]);
    expect(() => collectImages([join(inputs, 'x.jpg')])).toThrow(/^No images to explain: every input was skipped/);

    const err: string[] = [];
    const io = { stdout: { write: () => true }, stderr: { write: (s: string) => err.push(s) } };
    const code = await runCli(['explain', '--model', demoModelPath(), '--methods', 'gradcam', '--out', join(dir, 'cli-out'), join(inputs, image), join(inputs, 'x.jpg')], io);
    expect(err.join('')).toContain(`camscope: Skipped ${join(inputs, 'x.jpg')}: it is a folder named like an image file`);
    expect(code).toBe(0);
  });
});
