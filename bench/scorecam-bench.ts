/**
 * `npm run bench`: what ScoreCAM++ costs, against raw forward passes and against PyTorch.
 * For each model: ScoreCAM++ ms per image through the fused graph and through the JavaScript path, forward passes
 * used, raw forward throughput at the same batch size (logits only), the overhead ratio
 * time / (passes × time per forward), and — where Debian's python3-torch is installed — the same ScoreCAM++ in
 * PyTorch (bench/pytorch_scorecampp.py: batch 64, the same thread count, the same weights) and the speed-up.
 *   npm run bench -- [--images N] [--batch B] [--ep cpu|webgpu|cuda] [--models demo,resnet18,resnet18-rand,vgg19-rand] [--threads 2]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Classifier } from '../src/main/engine/model/classifier';
import { demoImagesDir, demoModelPath } from '../src/main/engine/demo';
import { prepareImage } from '../src/main/engine/image/preprocess';
import { scoreCamPlusPlus } from '../src/main/engine/methods/scorecam-pp';
import type { ExecutionProviderName } from '../src/main/engine/types';

const { values } = parseArgs({
  options: { images: { type: 'string' }, batch: { type: 'string' }, ep: { type: 'string' }, models: { type: 'string' }, threads: { type: 'string' } },
});
const nImages = Number(values.images ?? 2);
const ep = (values.ep ?? 'cpu') as ExecutionProviderName;
const threads = Number(values.threads ?? cpus().length);
const wanted = (values.models ?? 'demo,resnet18,resnet18-rand,vgg19-rand').split(',');
const root = resolve(import.meta.dirname, '..');
const shared = resolve(process.env.CAMSCOPE_SHARED ?? join(root, '..', 'shared'));
const photos = join(shared, 'data', 'catsdogs', 'cat');
const python = '/usr/bin/python3';

interface Row {
  model: string;
  provider: string;
  batch: number;
  fusedMs: number;
  jsMs: number;
  passes: number;
  forwardImgPerS: number;
  overhead: number;
  torchMs: number | null;
}

function argmax(a: Float32Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

async function benchModel(label: string, modelPath: string, files: string[], torch?: { arch: string; classes: number }): Promise<Row> {
  const classifier = await Classifier.load(modelPath, { ep });
  try {
    const batch = Number(values.batch ?? classifier.suggestedBatchSize());
    const method = scoreCamPlusPlus();
    const images = await Promise.all(files.map((f) => prepareImage(f, classifier.profile)));

    // Raw forward throughput at the same batch size, logits only (what each masked pass costs).
    const x = new Float32Array(batch * classifier.imageSize);
    for (let i = 0; i < batch; i++) x.set(images[i % images.length].tensor, i * classifier.imageSize);
    await classifier.forward(x, batch, false);
    const reps = Math.max(3, Math.ceil(1000 / batch));
    let t0 = performance.now();
    for (let r = 0; r < reps; r++) await classifier.forward(x, batch, false);
    const forwardMs = (performance.now() - t0) / (reps * batch);

    const time = async (fused: boolean): Promise<{ ms: number; passes: number }> => {
      let ms = 0;
      let passes = 0;
      for (const [i, img] of [images[0], ...images].entries()) {
        const { logits, activations } = await classifier.forward(img.tensor, 1, true);
        t0 = performance.now();
        const r = await method.compute({ classifier, image: img.tensor, activations: activations!, logits, batchSize: batch, fused, target: { classIndex: argmax(logits), score: 'prob' } });
        if (i > 0) {
          // the first run warms up sessions and caches and is not counted
          ms += performance.now() - t0;
          passes += r.forwardPasses;
        }
      }
      return { ms: ms / images.length, passes: passes / images.length };
    };
    const fused = await time(true);
    const js = await time(false);

    let torchMs: number | null = null;
    if (torch && existsSync(python)) {
      try {
        const out = execFileSync(python, [join(root, 'bench', 'pytorch_scorecampp.py'), '--arch', torch.arch, '--num-classes', String(torch.classes),
          '--threads', String(threads), '--batch', '64', '--images', ...files], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        torchMs = JSON.parse(out.trim().split('\n').at(-1)!).ms_per_image as number;
      } catch {
        console.log(`(PyTorch baseline for ${label} not run: ${python} lacks torch/torchvision)`);
      }
    }
    return {
      model: label, provider: classifier.provider, batch, fusedMs: fused.ms, jsMs: js.ms, passes: fused.passes,
      forwardImgPerS: 1000 / forwardMs, overhead: fused.ms / (fused.passes * forwardMs), torchMs,
    };
  } finally {
    await classifier.release();
  }
}

/** Random-init torchvision networks, exported once by the PyTorch baseline script with the weights it times. */
function randomInitModel(arch: string, classes: number): string | null {
  const path = join(root, 'bench', 'models', `${arch}_rand.onnx`);
  if (!existsSync(path) && existsSync(python) && existsSync(photos)) {
    try {
      execFileSync(python, [join(root, 'bench', 'pytorch_scorecampp.py'), '--arch', arch, '--num-classes', String(classes), '--export', path,
        '--threads', String(threads), '--images', join(photos, readdirSync(photos).sort()[0])], { stdio: 'ignore' });
    } catch {
      return null;
    }
  }
  return existsSync(path) ? path : null;
}

const rows: Row[] = [];
const photoFiles = existsSync(photos) ? readdirSync(photos).sort().slice(0, nImages).map((f) => join(photos, f)) : [];
if (wanted.includes('demo')) {
  const demoFiles = readdirSync(demoImagesDir()).filter((f) => f.endsWith('.png')).slice(0, Math.max(2, nImages)).map((f) => join(demoImagesDir(), f));
  rows.push(await benchModel('demo Fashion-MNIST CNN (28x28, 64 ch)', demoModelPath(), demoFiles));
}
const resnet = join(shared, 'models', 'resnet18_catsdogs.onnx');
if (wanted.includes('resnet18') && existsSync(resnet)) rows.push(await benchModel('shared ResNet-18 catsdogs (224x224, layer4 512 ch)', resnet, photoFiles, { arch: 'resnet18', classes: 2 }));
for (const [key, arch, label] of [['resnet18-rand', 'resnet18', 'ResNet-18 random init (1000 classes)'], ['vgg19-rand', 'vgg19', 'VGG-19 random init (1000 classes, 14x14 512 ch)']] as const) {
  if (!wanted.includes(key) || photoFiles.length === 0) continue;
  const path = randomInitModel(arch, 1000);
  if (path) rows.push(await benchModel(label, path, photoFiles.slice(0, arch === 'vgg19' ? 1 : nImages), { arch, classes: 1000 }));
  else console.log(`(${label} skipped: needs ${python} with torch to export it)`);
}
if (!existsSync(resnet)) console.log(`(../shared not found at ${shared}: photo-based rows skipped)`);

console.log(`\nScoreCAM++ benchmark — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, provider ${ep}`);
console.log('| model | provider | batch | fused ms/image | JS-path ms/image | forward passes | raw forward img/s | overhead (fused) | PyTorch ms/image | speed-up vs PyTorch |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const torch = r.torchMs === null ? '–' : r.torchMs.toFixed(0);
  const speedup = r.torchMs === null ? '–' : `${(r.torchMs / r.fusedMs).toFixed(2)}×`;
  console.log(`| ${r.model} | ${r.provider} | ${r.batch} | ${r.fusedMs.toFixed(0)} | ${r.jsMs.toFixed(0)} | ${r.passes.toFixed(0)} | ${r.forwardImgPerS.toFixed(1)} | ${r.overhead.toFixed(3)} | ${torch} | ${speedup} |`);
}
