// DICOM files as camscope meets them: recognised by content, refused in one sentence naming the file when they
// cannot be used, listed frame by frame in a dataset, read one frame at a time (a 5,000-frame file never in memory
// whole), and never telling who the patient is.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../../../src/main/engine/evaluate/dataset';
import { decodeImage, openImageFile } from '../../../../src/main/engine/image/decode';
import { openDicom } from '../../../../src/main/engine/image/dicom';
import { locateFrames, readFrameBytes } from '../../../../src/main/engine/image/dicom/frames';
import { readDicomHeader } from '../../../../src/main/engine/image/dicom/header';
import { fileSource, type ByteSource } from '../../../../src/main/engine/image/dicom/source';
import { prepareImage } from '../../../../src/main/engine/image/preprocess';
import { makeThumbnail } from '../../../../src/main/engine/image/thumbnail';
import type { ModelProfile } from '../../../../src/main/engine/types';
import { writeMultiFrame } from './dicom-writer';
import { GENERATED, PYDICOM_FILES } from './reference-helpers';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'camscope-dicom-'));
});

const gen = (name: string): string => join(GENERATED, name);
const pyd = (name: string): string => `${PYDICOM_FILES}/${name}`;

/** One sentence: ends with its only full stop (file names aside), names the file. */
async function refusal(path: string): Promise<string> {
  const e = (await decodeImage(path).then(() => null, (err: Error) => err)) as (Error & { code: string }) | null;
  expect(e, `${path} was decoded`).not.toBeNull();
  expect(e!.message).toContain(path);
  expect(e!.message.replaceAll(path, 'FILE')).toMatch(/^[^.]*(\.[^ .][^.]*)*\.$/);
  return e!.message;
}

describe('refusals, each one sentence naming the file', () => {
  it('0x0, 60000x60000 (before any pixel is read), a Number of Frames that is no number', async () => {
    expect(await refusal(gen('refuse-0x0.dcm'))).toMatch(/says its image is 0x0 pixels, so it holds no image to use/);
    expect(await refusal(gen('refuse-60000x60000.dcm'))).toBe(`The image is too large: ${gen('refuse-60000x60000.dcm')} has 60000x60000 pixels (limit 100 megapixels), so downscale it before using it with camscope.`);
    expect(await refusal(gen('refuse-bad-frames.dcm'))).toMatch(/its Number of Frames \(0028,0008\) is '2X', not a number/);
  });

  it('a file cut short: in its pixel data, and in its header', async () => {
    const whole = readFileSync(gen('ct-two-windows.dcm'));
    const inPixels = join(dir, 'cut-in-pixels.dcm');
    writeFileSync(inPixels, whole.subarray(0, whole.length - 100));
    expect(await refusal(inPixels)).toMatch(/is an incomplete DICOM file \(its pixel data has \d+ of the 2146 bytes its image needs\), so copy it again/);
    const inHeader = join(dir, 'cut-in-header.dcm');
    writeFileSync(inHeader, whole.subarray(0, 400));
    expect(await refusal(inHeader)).toMatch(/is an incomplete or damaged DICOM file/);
    const rle = readFileSync(gen('ct-7-frames-rle.dcm'));
    const cutRle = join(dir, 'cut-rle.dcm');
    writeFileSync(cutRle, rle.subarray(0, rle.length - 500));
    expect(await refusal(cutRle)).toMatch(/is an incomplete DICOM file \(it ends inside its pixel data\)/);
  });

  it('an element whose VR is not a DICOM VR', async () => {
    const bytes = Buffer.from(readFileSync(gen('ct-two-windows.dcm')));
    const at = bytes.indexOf(Buffer.from([0x28, 0x00, 0x10, 0x00, 0x55, 0x53])); // (0028,0010) US
    bytes.write('Q9', at + 4, 'latin1');
    const path = join(dir, 'bad-vr.dcm');
    writeFileSync(path, bytes);
    expect(await refusal(path)).toMatch(/element \(0028,0010\) has the invalid value representation 'Q9'/);
  });

  it('a frame the file does not have', async () => {
    const path = gen('ct-7-frames.dcm');
    await expect(decodeImage(`${path}#8`)).rejects.toMatchObject({ message: `Frame 8 does not exist: the DICOM file ${path} has 7 frames, numbered from 1.` });
    await expect(decodeImage(`${gen('grey16.png')}#2`)).rejects.toMatchObject({ message: expect.stringMatching(/^Not a multi-frame image: .*grey16\.png is not a DICOM file/) });
  });

  it.skipIf(!PYDICOM_FILES)('pydicom\'s bad and image-less files', async () => {
    expect(await refusal(pyd('MR_truncated.dcm'))).toMatch(/incomplete DICOM file \(its pixel data has 8130 of the 8192 bytes/);
    expect(await refusal(pyd('badVR.dcm'))).toMatch(/Number of Frames \(0028,0008\) is '1A', not a number/);
    expect(await refusal(pyd('rtstruct.dcm'))).toMatch(/holds no image \(it is an RT structure set\)/); // no preamble, implicit VR
    expect(await refusal(pyd('test-SR.dcm'))).toMatch(/holds no image \(it is a structured report\)/);
    expect(await refusal(pyd('rtplan.dcm'))).toMatch(/holds no image \(it is an RT plan\)/);
    expect(await refusal(pyd('ExplVR_BigEndNoMeta.dcm'))).toMatch(/holds no image \(it is an RT plan\)/);
    expect(await refusal(pyd('waveform_ecg.dcm'))).toMatch(/holds no image \(it is an ECG waveform\)/);
    expect(await refusal(pyd('dicomdirtests/DICOMDIR'))).toMatch(/is a DICOMDIR, an index of other DICOM files rather than an image, so open the folder/);
    for (const twelveBit of ['JPGExtended.dcm', 'JPEG-lossy.dcm']) {
      expect(await refusal(pyd(twelveBit))).toMatch(/holds 12-bit JPEG \(JPEG Extended, process 4\) pixel data, which camscope cannot decode, so convert it first/);
    }
    expect(await refusal(pyd('JPEG2000-embedded-sequence-delimiter.dcm'))).toMatch(/its JPEG 2000 data cannot be decoded/);
  });

  it('a transfer syntax camscope has no decoder for names the syntax', async () => {
    const bytes = Buffer.from(readFileSync(gen('ct-7-frames-rle.dcm')));
    const uid = bytes.indexOf('1.2.840.10008.1.2.5\0');
    const path = join(dir, 'htj2k.dcm');
    // Same length: RLE's UID (20 bytes with its pad) becomes HTJ2K's (22 bytes) by rewriting the element whole.
    const at = uid - 2;
    const htj2k = Buffer.from('1.2.840.10008.1.2.4.201\0', 'latin1');
    const out = Buffer.concat([bytes.subarray(0, at), Buffer.from([htj2k.length, 0]), htj2k, bytes.subarray(uid + 20)]);
    out.writeUInt32LE(out.readUInt32LE(140) + 4, 140); // file meta group length
    writeFileSync(path, out);
    expect(await refusal(path)).toMatch(/uses the High-Throughput JPEG 2000 \(Lossless Only\) transfer syntax \(1\.2\.840\.10008\.1\.2\.4\.201\), which camscope cannot decode/);
  });
});

describe('recognised by content', () => {
  it('with no extension, with another extension, and without a preamble', async () => {
    const plain = join(dir, 'IM0001');
    copyFileSync(gen('ct-two-windows.dcm'), plain);
    const odd = join(dir, '1.2.840.113619.2.55.3.320');
    copyFileSync(gen('ct-two-windows.dcm'), odd);
    const reference = await decodeImage(gen('ct-two-windows.dcm'));
    expect((await decodeImage(plain)).data).toEqual(reference.data);
    expect((await decodeImage(odd)).data).toEqual(reference.data);
    const bare = await openImageFile(gen('mr-no-preamble.dcm'));
    expect(bare.format).toBe('dicom');
    expect([bare.width, bare.height]).toEqual([5, 6]);
  });
});

describe('privacy', () => {
  it('nothing that identifies the patient or the institution leaves the decoder', async () => {
    const opened = await openImageFile(gen('ct-two-windows.dcm'));
    const said = JSON.stringify({ dicom: opened.dicom, source: opened.source, format: opened.format });
    for (const secret of ['Doe', 'Jane', 'ID-SECRET-42', '19700101', 'Secret General']) expect(said).not.toContain(secret);
    expect(opened.dicom).toEqual({
      modality: 'CT', width: 29, height: 37, frames: 1, frame: 1, bitsAllocated: 16, bitsStored: 12, signed: true, photometric: 'MONOCHROME2',
      transferSyntax: 'Explicit VR Little Endian',
      windows: [{ center: 40, width: 400, function: 'LINEAR', explanation: 'SOFT TISSUE' }, { center: -600, width: 1500, function: 'LINEAR', explanation: 'LUNG' }],
    });
    const e = await decodeImage(`${gen('ct-two-windows.dcm')}#5`).catch((err: Error) => err);
    for (const secret of ['Doe', 'ID-SECRET-42']) expect(String((e as Error).message)).not.toContain(secret);
  });
});

describe('folders list DICOM files and their frames', () => {
  it('each frame is an item file#N from 1; DICOMDIRs and reports are skipped with a warning', async () => {
    const root = join(dir, 'study');
    mkdirSync(join(root, 'lung'), { recursive: true });
    mkdirSync(join(root, 'normal'), { recursive: true });
    copyFileSync(gen('ct-7-frames.dcm'), join(root, 'lung', 'SERIES1'));
    copyFileSync(gen('ct-two-windows.dcm'), join(root, 'normal', 'slice.dcm'));
    writeFileSync(join(root, 'normal', 'notes.txt'), 'not an image');
    if (PYDICOM_FILES) {
      copyFileSync(pyd('dicomdirtests/DICOMDIR'), join(root, 'DICOMDIR'));
      copyFileSync(pyd('test-SR.dcm'), join(root, 'normal', 'report.dcm'));
    }
    const d = loadDataset(root, ['lung', 'normal']);
    expect(d.items.map((i) => i.file)).toEqual([...Array.from({ length: 7 }, (_, k) => `lung/SERIES1#${k + 1}`), 'normal/slice.dcm']);
    expect(d.items.map((i) => i.label)).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    if (PYDICOM_FILES) {
      expect(d.warnings).toEqual([
        'Skipped DICOMDIR: it is a DICOMDIR (an index of DICOM files), whose files are listed themselves.',
        'Skipped normal/report.dcm: it is a structured report, not an image.',
      ]);
    }
    // A frame item decodes to that frame, for the model and for its thumbnail.
    const frame3 = await openDicom(join(root, 'lung', 'SERIES1'), 1e8).readFrame(3);
    const decoded = await decodeImage(d.items[2].path, undefined, { mapping: { kind: 'range', of: 'bit-depth' } });
    expect(decoded.width).toBe(frame3.width);
    const profile = { classes: ['lung', 'normal'], inputSize: [8, 8], channels: 1, resize: 'stretch', mean: [0], std: [1], layer: 'auto', scale: 1 } as unknown as ModelProfile;
    const a = await prepareImage(d.items[2].path, profile);
    const b = await prepareImage(d.items[3].path, profile);
    expect(a.tensor).not.toEqual(b.tensor);
    const thumb = await makeThumbnail(d.items[2].path);
    expect([thumb.originalWidth, thumb.originalHeight]).toEqual([10, 12]);
  });
});

/** A source that counts the bytes read through it. */
function counting(source: ByteSource): ByteSource & { bytesRead: number } {
  const c = { ...source, bytesRead: 0, read: (o: number, n: number) => { const b = source.read(o, n); c.bytesRead += b.length; return b; } };
  return c;
}

describe('a 5,000-frame file is read one frame at a time', () => {
  const frames = 5000;
  const value = (k: number, i: number): number => (k * 131 + i * 7) % 65536;
  for (const rle of [false, true]) {
    it(rle ? 'RLE (5,000 fragments)' : 'native', async () => {
      const path = join(dir, `frames-${frames}${rle ? '-rle' : ''}.dcm`);
      writeMultiFrame(path, { rows: 64, columns: 48, frames, rle, value });
      const source = counting(fileSource(path));
      const header = readDicomHeader(source);
      const locator = locateFrames(header, frames, 64 * 48 * 16);
      const { bytes } = readFrameBytes(source, locator, 4320);
      const frameBytes = 64 * 48 * 2;
      // Header (one first read) + 8 bytes per fragment header + one frame: never the 30 MB of pixels.
      expect(source.bytesRead).toBeLessThan(256 * 1024 + (rle ? 16 * frames : 0) + 2 * frameBytes);
      expect(bytes.length).toBeLessThan(2 * frameBytes);
      source.close();
      const image = openDicom(path, 1e8);
      try {
        expect(image.info.frames).toBe(frames);
        const f = await image.readFrame(4321);
        expect(Array.from(f.samples.subarray(0, 5))).toEqual([0, 1, 2, 3, 4].map((i) => value(4320, i)));
        expect(f.samples[64 * 48 - 1]).toBe(value(4320, 64 * 48 - 1));
      } finally {
        image.close();
      }
    });
  }
});
