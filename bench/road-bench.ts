/**
 * What ROAD costs in an evaluation (`npm run bench:road`): per image and method, the model passes the other metrics
 * take (the map-only and region-removed passes and the deletion/insertion curves, 2 + 2·(steps + 1) = 24 at the
 * default 10 steps) next to ROAD's 18 passes and its 18 imputations (one sparse solve per level, all channels at once).
 * On the embedded Fashion-MNIST demo model (28×28×1) and, when ../shared is there, the shared ResNet-18 (224×224×3).
 * Times on a shared machine are noisy: read the ratios.
 *
 *   npm run bench:road -- [--images 6] [--methods gradcam] [--steps 10] [--batch 32]
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { demoImagesDir, demoModelPath } from '../src/main/engine/demo';
import { explainImages } from '../src/main/engine/explain';
import { parseMethodList } from '../src/main/engine/methods/registry';
import { curveInputs } from '../src/main/engine/metrics/deletion-insertion';
import { ROAD_PASSES, roadInput, roadLevels } from '../src/main/engine/metrics/road';
import { Classifier } from '../src/main/engine/model/classifier';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '6' },
    methods: { type: 'string', default: 'gradcam' },
    steps: { type: 'string', default: '10' },
    batch: { type: 'string', default: '32' },
  },
});
const nImages = Number(values.images);
const steps = Number(values.steps);
const batchSize = Number(values.batch);
const methods = parseMethodList(values.methods!);
const shared = resolve(process.env.CAMSCOPE_SHARED ?? join(import.meta.dirname, '..', '..', 'shared'));

function demoFiles(): string[] {
  return readdirSync(demoImagesDir()).filter((f) => f.endsWith('.png')).sort().slice(0, nImages).map((f) => join(demoImagesDir(), f));
}

function catsDogs(): string[] {
  const dir = join(shared, 'data', 'catsdogs');
  const pick = (cls: string): string[] => readdirSync(join(dir, cls)).filter((f) => f.endsWith('.jpg')).sort().slice(0, Math.ceil(nImages / 2)).map((f) => join(dir, cls, f));
  const [cats, dogs] = [pick('cat'), pick('dog')];
  return cats.flatMap((c, i) => [c, dogs[i]]).filter(Boolean).slice(0, nImages);
}

async function passes(classifier: Classifier, inputs: Float32Array, per: number): Promise<number> {
  const n = inputs.length / per;
  const t0 = performance.now();
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    await classifier.forward(inputs.subarray(start * per, (start + count) * per), count, false);
  }
  return performance.now() - t0;
}

const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (v: number): string => v.toFixed(1).padStart(9);

async function bench(name: string, modelPath: string, files: string[]): Promise<void> {
  const classifier = await Classifier.load(modelPath);
  try {
    const channels = classifier.profile.channels;
    const [h, w] = classifier.profile.inputSize;
    console.log(`\n${name}: ${w}×${h}×${channels}, ${files.length} images, ${methods.map((m) => m.id).join(', ')}, batch ${batchSize}, CPU`);
    const other = 2 + 2 * (steps + 1);
    console.log(`${'image'.padEnd(34)} ${'method'.padEnd(10)} ${`other ${other} passes`.padStart(16)} ${'ROAD imputation'.padStart(16)} ${`ROAD ${ROAD_PASSES} passes`.padStart(15)} ${'ROAD / other'.padStart(13)}`);
    const rows: { other: number; impute: number; road: number }[] = [];
    let warmed = false;
    for await (const r of explainImages(classifier, files, { methods, batchSize })) {
      if (!r.ok) {
        console.log(`${r.file}: ${r.error.message}`);
        continue;
      }
      const x = r.image.tensor;
      const per = x.length;
      if (!warmed) {
        await passes(classifier, new Float32Array(Math.min(batchSize, 24) * per), per); // opens the batch shapes once
        warmed = true;
      }
      for (const m of r.maps) {
        const map = m.result.map;
        const plane = map.length;
        // The other metrics' inputs, as evaluate/run.ts builds them: map · x, (1 − map) · x, the two curves.
        const otherInputs = new Float32Array(other * per);
        for (let c = 0; c < channels; c++) {
          for (let i = 0; i < plane; i++) {
            otherInputs[c * plane + i] = map[i] * x[c * plane + i];
            otherInputs[per + c * plane + i] = (1 - map[i]) * x[c * plane + i];
          }
        }
        otherInputs.set(curveInputs(x, channels, map, steps), 2 * per);
        const otherMs = await passes(classifier, otherInputs, per);
        const { order, levels } = roadLevels(map, 0);
        const roadInputs = new Float32Array(levels.length * per);
        const t0 = performance.now();
        levels.forEach((l, i) => roadInputs.set(roadInput(x, channels, r.image.width, r.image.height, order, l.fraction, l.direction, l.seed), i * per));
        const imputeMs = performance.now() - t0;
        const roadMs = await passes(classifier, roadInputs, per);
        rows.push({ other: otherMs, impute: imputeMs, road: roadMs });
        const file = r.file.split(/[\\/]/).slice(-2).join('/');
        console.log(`${file.padEnd(34)} ${m.method.padEnd(10)} ${ms(otherMs)} ms     ${ms(imputeMs)} ms    ${ms(roadMs)} ms   ${((imputeMs + roadMs) / otherMs).toFixed(2).padStart(10)} ×`);
      }
    }
    if (rows.length) {
      const med = (k: 'other' | 'impute' | 'road'): number => median(rows.map((x) => x[k]));
      console.log(`${'median'.padEnd(45)} ${ms(med('other'))} ms     ${ms(med('impute'))} ms    ${ms(med('road'))} ms   ${((med('impute') + med('road')) / med('other')).toFixed(2).padStart(10)} ×`);
    }
  } finally {
    await classifier.release();
  }
}

await bench('Fashion-MNIST demo CNN', demoModelPath(), demoFiles());
const resnet = join(shared, 'models', 'resnet18_catsdogs.onnx');
if (existsSync(resnet)) await bench('ResNet-18 (shared, cats and dogs)', resnet, catsDogs());
else console.log(`\n(${resnet} is not there: the ResNet-18 part is skipped)`);
