/**
 * `npm run bench`: ScoreCAM++ cost against raw forward passes on CPU.
 * For each model: per-image ScoreCAM++ time, forward passes used, raw forward throughput at the same batch size,
 * and overhead = time / (passes × time per forward). Target (issue 2): overhead ≤ 1.15.
 * Uses the shared trained ResNet-18 and real photos when ../shared exists, and always the embedded demo model.
 *   npm run bench -- [--images N] [--batch B] [--ep cpu|webgpu|cuda]
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Classifier } from '../src/main/engine/model/classifier';
import { demoImagesDir, demoModelPath } from '../src/main/engine/demo';
import { prepareImage } from '../src/main/engine/image/preprocess';
import { scoreCamPlusPlus } from '../src/main/engine/methods/scorecam-pp';
import type { ExecutionProviderName } from '../src/main/engine/types';
import { readdirSync } from 'node:fs';

const { values } = parseArgs({ options: { images: { type: 'string' }, batch: { type: 'string' }, ep: { type: 'string' } } });
const nImages = Number(values.images ?? 4);
const batch = Number(values.batch ?? 32);
const ep = (values.ep ?? 'cpu') as ExecutionProviderName;
const shared = resolve(process.env.CAMSCOPE_SHARED ?? join(import.meta.dirname, '..', '..', 'shared'));

interface Row {
  model: string;
  provider: string;
  batch: number;
  imageMs: number;
  passes: number;
  forwardImgPerS: number;
  overhead: number;
}

async function benchModel(label: string, modelPath: string, files: string[]): Promise<Row> {
  const classifier = await Classifier.load(modelPath, { ep });
  try {
    const method = scoreCamPlusPlus();
    const images = await Promise.all(files.map((f) => prepareImage(f, classifier.profile)));

    // Raw forward throughput at the same batch size, logits only (what ScoreCAM++'s masked passes cost).
    const x = new Float32Array(batch * classifier.imageSize);
    for (let i = 0; i < batch; i++) x.set(images[i % images.length].tensor, i * classifier.imageSize);
    await classifier.forward(x, batch, false);
    const reps = Math.max(3, Math.ceil(2000 / batch));
    let t0 = performance.now();
    for (let r = 0; r < reps; r++) await classifier.forward(x, batch, false);
    const forwardMs = (performance.now() - t0) / (reps * batch);

    let totalMs = 0;
    let passes = 0;
    for (const [i, img] of images.entries()) {
      const { logits, activations } = await classifier.forward(img.tensor, 1, true);
      t0 = performance.now();
      const r = await method.compute({ classifier, image: img.tensor, activations: activations!, logits, batchSize: batch, target: { classIndex: argmax(logits), score: 'prob' } });
      const ms = performance.now() - t0;
      if (i > 0 || images.length === 1) {
        // the first image warms up caches and is not counted (unless it is the only one)
        totalMs += ms;
        passes += r.forwardPasses;
      }
    }
    const counted = images.length === 1 ? 1 : images.length - 1;
    const imageMs = totalMs / counted;
    const perImagePasses = passes / counted;
    return { model: label, provider: classifier.provider, batch, imageMs, passes: perImagePasses, forwardImgPerS: 1000 / forwardMs, overhead: imageMs / (perImagePasses * forwardMs) };
  } finally {
    await classifier.release();
  }
}

function argmax(a: Float32Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

const rows: Row[] = [];
const demoFiles = readdirSync(demoImagesDir()).filter((f) => f.endsWith('.png')).slice(0, Math.max(2, nImages)).map((f) => join(demoImagesDir(), f));
rows.push(await benchModel('demo Fashion-MNIST CNN (28x28, 64 ch)', demoModelPath(), demoFiles));
const resnet = join(shared, 'models', 'resnet18_catsdogs.onnx');
if (existsSync(resnet)) {
  const cats = join(shared, 'data', 'catsdogs', 'cat');
  const files = readdirSync(cats).sort().slice(0, nImages + 1).map((f) => join(cats, f));
  rows.push(await benchModel('shared ResNet-18 catsdogs (224x224, 512 ch)', resnet, files));
} else {
  console.log(`(../shared not found at ${shared}: ResNet-18 row skipped)`);
}

console.log(`\nScoreCAM++ benchmark — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
console.log('| model | provider | batch | ScoreCAM++ ms/image | forward passes | raw forward img/s | overhead |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.model} | ${r.provider} | ${r.batch} | ${r.imageMs.toFixed(0)} | ${r.passes.toFixed(0)} | ${r.forwardImgPerS.toFixed(1)} | ${r.overhead.toFixed(3)} |`);
}
