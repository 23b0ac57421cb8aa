// DICOM pixels against pydicom: every file pydicom can decode here (its own test files, from the installed package,
// and the small files test/fixtures/dicom/make-reference.py writes) must give the same modality-LUT-applied
// integers (or float64 values for a non-integer rescale), frame by frame; lossless compressed twins of a file must
// equal it exactly. pydicom's files are skipped when pydicom is not installed.
import { describe, expect, it } from 'vitest';
import { openDicom } from '../../../../src/main/engine/image/dicom';
import { blockMeans, decodeAll, PYDICOM_FILES, referencePath, references, type Reference } from './reference-helpers';

/**
 * Lossy JPEG / JPEG 2000: camscope's decoders (libjpeg-turbo and OpenJPEG in WebAssembly) may round an IDCT or a
 * wavelet step differently from the ones Pillow links: each sampled value may differ by 2 and each 16×16 tile's
 * mean by 0.5. (Today they agree exactly.)
 */
const LOSSY_SAMPLE_TOLERANCE = 2;
const LOSSY_BLOCK_TOLERANCE = 0.5;

/**
 * SC_rgb_jpeg_lossy_gdcm.dcm says RGB but its JPEG is YCbCr (component IDs 1-2-3, the JFIF convention), which
 * pydicom (forcing "no transform" for RGB) returns unconverted. camscope follows the JPEG's own marker and is
 * compared with the uncompressed original instead; lossy chroma subsampling smears colour edges, so only the mean
 * error is bounded (pydicom's reading of the same file is off by about 100).
 */
const MISLABELLED = 'SC_rgb_jpeg_lossy_gdcm.dcm';

const refs = references();

describe.each(refs.filter((r) => r.file !== MISLABELLED))('$file ($source)', (ref: Reference) => {
  const path = referencePath(ref);
  it.skipIf(!path)('decodes to the values pydicom gives', async () => {
    const got = await decodeAll(path!, ref.kind);
    expect(got.shape).toEqual(ref.shape);
    if (!ref.lossy) {
      expect(got.sha256).toBe(ref.sha256);
      for (const [i, v] of ref.samples) expect(got.values[i]).toBe(v);
      return;
    }
    for (const [i, v] of ref.samples) expect(Math.abs(got.values[i] - v), `sample ${i}`).toBeLessThanOrEqual(LOSSY_SAMPLE_TOLERANCE);
    const tiles = blockMeans(got.values, got.shape);
    ref.blockMeans.forEach((tile, t) => tile.forEach((v, c) => expect(Math.abs(tiles[t][c] - v), `tile ${t}`).toBeLessThanOrEqual(LOSSY_BLOCK_TOLERANCE)));
  });

  it.skipIf(!path)('lists the windows the file carries, in its order', () => {
    const image = openDicom(path!, 100e6);
    image.close();
    const windows = image.info.windows.filter((w) => w.function !== 'LUT').map((w) => [w.center, w.width]);
    expect(windows).toEqual(ref.windows);
    expect(image.info.frames).toBe(ref.shape[0]);
  });
});

describe('lossless compressed twins equal their uncompressed file', () => {
  // [compressed, uncompressed]: the first four pydicom cannot decode here (no JPEG-LS / JPEG lossless codec).
  const twins: [string, string][] = [
    ['MR_small_jpeg_ls_lossless.dcm', 'MR_small.dcm'],
    ['SC_rgb_jpeg_gdcm.dcm', 'SC_rgb_rle.dcm'],
    ['MR_small_RLE.dcm', 'MR_small.dcm'],
    ['MR_small_jp2klossless.dcm', 'MR_small.dcm'],
    ['MR_small_bigendian.dcm', 'MR_small.dcm'],
    ['MR_small_implicit.dcm', 'MR_small.dcm'],
    ['rtdose_rle.dcm', 'rtdose.dcm'],
    ['rtdose_expb.dcm', 'rtdose.dcm'],
    ['liver_expb_1frame.dcm', 'liver_1frame.dcm'],
  ];
  const byName = new Map(refs.map((r) => [r.file, r]));
  it.skipIf(!PYDICOM_FILES).each(twins)('%s = %s', async (compressed, original) => {
    const ref = byName.get(original)!;
    const got = await decodeAll(`${PYDICOM_FILES}/${compressed}`, ref.kind);
    expect(got.shape).toEqual(ref.shape);
    expect(got.sha256).toBe(ref.sha256);
  });

  it('the generated RLE files, with and without a basic offset table, equal their native original frame by frame', async () => {
    const native = byName.get('ct-7-frames.dcm')!;
    for (const name of ['ct-7-frames-rle.dcm', 'ct-7-frames-rle-bot.dcm']) {
      const got = await decodeAll(referencePath({ file: name, source: 'generated' })!, 'int');
      expect(got.sha256, name).toBe(native.sha256);
    }
  });

  it.skipIf(!PYDICOM_FILES)(`${MISLABELLED} (YCbCr JPEG labelled RGB) is read as its JPEG says, close to the original`, async () => {
    const got = await decodeAll(`${PYDICOM_FILES}/${MISLABELLED}`, 'int');
    const original = await decodeAll(`${PYDICOM_FILES}/SC_rgb_rle.dcm`, 'int');
    let error = 0;
    for (let i = 0; i < got.values.length; i++) error += Math.abs(got.values[i] - original.values[i]);
    expect(error / got.values.length).toBeLessThan(4);
  });
});
