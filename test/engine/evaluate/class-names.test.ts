/**
 * Class names with no sidecar: an ImageFolder's folder names (or a labels file's names), sorted as torchvision
 * numbers them, when their count equals the model's outputs; the sidecar always wins; otherwise `class N`.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../../src/main/engine/evaluate/dataset';
import { runEvaluation } from '../../../src/main/engine/evaluate/run';
import { parseMethodList } from '../../../src/main/engine/methods/registry';
import { Classifier } from '../../../src/main/engine/model/classifier';
import { randomTinyCnn, tinyCnnOnnx, writeModel } from '../../helpers/tiny-models';

const DIMS = { inC: 3, h: 2, w: 2, C: 4, K: 2 };
const SIDE = { inputSize: [4, 4], resize: 'stretch' };

async function imageFolder(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'camscope-classnames-'));
  for (const [folder, shade] of [['dog', 200], ['cat', 30]] as const) {
    mkdirSync(join(root, folder));
    await sharp(Buffer.alloc(4 * 4 * 3, shade), { raw: { width: 4, height: 4, channels: 3 } }).png().toFile(join(root, folder, 'a.png'));
  }
  return root;
}

describe('class names from the dataset', () => {
  it('folder names name a model without names (sorted: cat = 0, dog = 1), in the evaluation and its predictions', async () => {
    const root = await imageFolder();
    expect(loadDataset(root, ['class 0', 'class 1']).classNames).toEqual(['cat', 'dog']);
    const c = await Classifier.load(writeModel('names-default', tinyCnnOnnx(randomTinyCnn(4, DIMS)), SIDE));
    expect(c.inspection.classesSource).toBe('default');
    const r = await runEvaluation({ classifier: c, methods: parseMethodList('gradcam'), datasetRoot: root, curveSteps: 0, projectPath: join(root, 'p.camscope') });
    expect(r.settings.model.classes).toEqual(['cat', 'dog']);
    expect(c.profile.classes).toEqual(['cat', 'dog']);
    expect(c.inspection.classesSource).toBe('dataset');
    expect(r.records.map((x) => [x.file, x.label])).toEqual([['cat/a.png', 0], ['dog/a.png', 1]]);
    await c.release();
  });

  it('the sidecar always wins; a folder count that differs from the outputs names nothing', async () => {
    const root = await imageFolder();
    const named = await Classifier.load(writeModel('names-sidecar', tinyCnnOnnx(randomTinyCnn(4, DIMS)), { ...SIDE, classes: ['feline', 'canine'] }));
    expect(named.adoptClassNames(['cat', 'dog'])).toBe(false);
    expect(named.profile.classes).toEqual(['feline', 'canine']);
    await named.release();
    const three = await Classifier.load(writeModel('names-three', tinyCnnOnnx(randomTinyCnn(4, { ...DIMS, K: 3 })), SIDE));
    expect(loadDataset(root, three.profile.classes).classNames).toBeUndefined();
    expect(three.adoptClassNames(['cat', 'dog'])).toBe(false);
    expect(three.profile.classes).toEqual(['class 0', 'class 1', 'class 2']);
    await three.release();
  });

  it('a labels file\'s names name the classes the same way', () => {
    const root = mkdtempSync(join(tmpdir(), 'camscope-classnames-csv-'));
    writeFileSync(join(root, 'labels.csv'), 'file,label\na.png,dog\nb.png,cat\n');
    expect(loadDataset(root, ['class 0', 'class 1'], join(root, 'labels.csv')).classNames).toEqual(['cat', 'dog']);
  });
});
