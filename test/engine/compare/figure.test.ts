// compare.html/pdf's pictures of a DICOM image: the image is drawn as model A sees it, through A's intensity
// mapping, not camscope's default (checked against the image decoded with that mapping directly).
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { matchClasses } from '../../../src/main/engine/compare/classes';
import { compareFigureRows } from '../../../src/main/engine/compare/figure';
import type { ComparedImage } from '../../../src/main/engine/compare/types';
import { decodeImage } from '../../../src/main/engine/image/decode';
import { parseIntensityMapping } from '../../../src/main/engine/image/intensity';
import { createMethod } from '../../../src/main/engine/methods/registry';
import { Classifier } from '../../../src/main/engine/model/classifier';
import { randomTinyCnn, tinyCnnOnnx, writeModel } from '../../helpers/tiny-models';

const GEN = resolve('test/fixtures/dicom/generated');

describe('compareFigureRows on a DICOM image', () => {
  it("draws the image through model A's intensity mapping", async () => {
    const path = writeModel('figure-ct', tinyCnnOnnx(randomTinyCnn(3, { inC: 1, h: 16, w: 16, C: 8, K: 3 })));
    const a = await Classifier.load(path, { intensity: 'window:-600,1500' });
    const b = await Classifier.load(path);
    try {
      const match = matchClasses({ file: 'A', names: a.profile.classes }, { file: 'B', names: b.profile.classes });
      // The stored CT is 29 columns × 37 rows; a grid of that size leaves the pixels unresized.
      const image = { file: 'ct-two-windows.dcm', grid: { width: 29, height: 37 } } as unknown as ComparedImage;
      const [row] = await compareFigureRows({ a, b, methods: [createMethod('gradcam')], match, datasetRoot: GEN, colormap: 'jet' }, [image], 1);
      const drawn = await sharp(row.original).raw().toBuffer();
      const lung = await decodeImage(join(GEN, 'ct-two-windows.dcm'), undefined, { mapping: parseIntensityMapping('window:-600,1500') });
      const soft = await decodeImage(join(GEN, 'ct-two-windows.dcm'));
      expect(lung.data).not.toEqual(soft.data);
      expect(new Uint8Array(drawn)).toEqual(lung.data);
    } finally {
      await a.release();
      await b.release();
    }
  });
});
