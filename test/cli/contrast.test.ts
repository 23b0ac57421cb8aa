/**
 * `camscope explain --class A --versus B`: the maps are the engine's contrastive maps, results.json records the
 * versus class (in the settings and per image, with both classes' scores), classes go by index or name, and bad
 * contrasts fail with exit 2 and one sentence. Without --versus nothing about a contrast appears.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli/run';
import { demoImagesDir, demoModelPath } from '../../src/main/engine/demo';
import { explainImages } from '../../src/main/engine/explain';
import { readMapPng } from '../../src/main/engine/image/decode';
import { Classifier } from '../../src/main/engine/model/classifier';
import { parseMethodList } from '../../src/main/engine/methods/registry';
import { capture } from '../helpers/cli-capture';


// Coat 0.56, Pullover 0.40: a contrast the model itself finds close.
const IMAGE = join(demoImagesDir(), '006_coat.png');
const METHODS = 'gradcam,scorecam++';
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'camscope-contrast-cli-'));
});

const explain = async (out: string, extra: string[]) => {
  const c = capture();
  const code = await runCli(['explain', '--model', demoModelPath(), '--methods', METHODS, ...extra, '--out', out, IMAGE], c.io);
  return { code, c };
};

describe('camscope explain --versus', () => {
  it('writes the contrastive maps and records both classes; names and indices both work', async () => {
    const out = join(dir, 'coat-not-pullover');
    const { code, c } = await explain(out, ['--class', '4', '--versus', 'Pullover']);
    expect(code).toBe(0);
    expect(c.stdout()).toContain('explained as "Coat, not Pullover" with gradcam, scorecam++');
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.settings).toMatchObject({ class: 4, versus: 2 });
    const target = results.images[0].target;
    expect(target).toMatchObject({ classIndex: 4, className: 'Coat', versus: { classIndex: 2, className: 'Pullover' } });
    const probs = results.images[0].predictions as { classIndex: number; probability: number; logit: number }[];
    const pullover = probs.find((p) => p.classIndex === 2)!;
    expect(target.versus).toEqual({ classIndex: 2, className: 'Pullover', probability: pullover.probability, logit: pullover.logit });

    // The written maps are the engine's "Coat, not Pullover" maps, not the plain Coat maps.
    const classifier = await Classifier.load(demoModelPath());
    try {
      const run = async (classChoice: Parameters<typeof explainImages>[2]['classChoice']) => {
        for await (const r of explainImages(classifier, [IMAGE], { methods: parseMethodList(METHODS), classChoice })) if (r.ok) return r;
        throw new Error('not explained');
      };
      const contrast = await run({ classIndex: 4, versus: 2 });
      const plain = await run(4);
      const stem = results.images[0].stem as string;
      for (const m of contrast.maps) {
        const written = (await readMapPng(join(out, stem, `${m.method}.png`))).map;
        const worst = (ref: Float32Array) => Math.max(...Array.from(written, (v, i) => Math.abs(v - ref[i])));
        expect(worst(m.result.map), m.method).toBeLessThanOrEqual(1 / 65535);
        expect(worst(plain.maps.find((p) => p.method === m.method)!.result.map), `${m.method} differs from the plain map`).toBeGreaterThan(0.01);
      }
    } finally {
      await classifier.release();
    }

    // A name for --class, an index for --versus, and names ignoring case: the same contrast.
    const again = join(dir, 'by-name');
    expect((await explain(again, ['--class', 'coat', '--versus', '2'])).code).toBe(0);
    const second = JSON.parse(readFileSync(join(again, 'results.json'), 'utf8'));
    expect(second.settings).toMatchObject({ class: 4, versus: 2 });
    expect(second.images[0].target).toEqual(target);
  });

  it('without --versus, results.json says nothing about a contrast', async () => {
    const out = join(dir, 'plain');
    const { code, c } = await explain(out, ['--class', '4']);
    expect(code).toBe(0);
    expect(c.stdout()).not.toContain(', not ');
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect('versus' in results.settings).toBe(false);
    expect(Object.keys(results.images[0].target)).toEqual(['classIndex', 'className', 'probability', 'logit']);
  });

  it.each([
    [['--versus', '4'], /--versus needs --class: name the class to explain versus the other one\./],
    [['--class', '3', '--versus', '3'], /Class 3 cannot be explained versus itself: choose two different classes\./],
    [['--class', 'Coat', '--versus', 'coat'], /Class 4 cannot be explained versus itself/],
    [['--class', '3', '--versus', '12'], /Class 12 does not exist: this model has classes 0 to 9\./],
    [['--class', '3', '--versus', 'Hat'], /--versus "Hat" is neither a class index nor a class name of this model \(its 10 classes: T-shirt\/top, Trouser/],
    [['--class', 'Hat', '--versus', '3'], /--class "Hat" is neither a class index nor a class name/],
  ])('fails with exit 2 and one clear line for %j', async (extra, message) => {
    const out = join(dir, 'never');
    const { code, c } = await explain(out, extra);
    expect(code).toBe(2);
    expect(c.stderr()).toMatch(message);
    expect(existsSync(join(out, 'results.json'))).toBe(false);
  });
});
