/**
 * `npm run bench`: what ScoreCAM++ costs, against raw forward passes and against PyTorch.
 * For each model: ScoreCAM++ ms per image through the fused graph and through the JavaScript path, forward passes
 * used, raw forward throughput at the same batch size (logits only), the overhead ratio
 * time / (passes × time per forward), and — where Debian's python3-torch is installed — the same ScoreCAM++ in
 * PyTorch (bench/pytorch_scorecampp.py: batch 64, the same thread count, the same weights) and the speed-up.
 * With --precision fp32,fp16 each model gets an fp16 row too (fused scoring graph converted to half precision) with
 * how far its maps and scores are from fp32: max |Δ| of the min-max normalized maps, max |Δ| of the channel scores.
 *   npm run bench -- [--images N] [--batch B[,B2...]] [--ep cpu|webgpu|cuda] [--precision fp32,fp16] [--skip-js]
 *                    [--models demo,resnet18,resnet18-rand,vgg19-rand] [--threads 2] [--photos DIR] [--torch-device cpu|cuda]
 * CAMSCOPE_PYTHON names the python with torch (default /usr/bin/python3), CAMSCOPE_SHARED the shared folder.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Classifier } from '../src/main/engine/model/classifier';
import { demoImagesDir, demoModelPath } from '../src/main/engine/demo';
import { prepareImage } from '../src/main/engine/image/preprocess';
import { scoreCamPlusPlus } from '../src/main/engine/methods/scorecam-pp';
import { openSession, type Session } from '../src/main/engine/onnx/backend';
import { toFloat16 } from '../src/main/engine/onnx/float16';
import { decodeModel, encodeModel } from '../src/main/engine/onnx/graph';
import { PRECISIONS, type ExecutionProviderName, type Precision } from '../src/main/engine/types';

const { values } = parseArgs({
  options: {
    images: { type: 'string' }, batch: { type: 'string' }, ep: { type: 'string' }, models: { type: 'string' }, threads: { type: 'string' },
    precision: { type: 'string' }, 'skip-js': { type: 'boolean' }, photos: { type: 'string' }, 'torch-device': { type: 'string' },
  },
});
const nImages = Number(values.images ?? 2);
const ep = (values.ep ?? 'cpu') as ExecutionProviderName;
const threads = Number(values.threads ?? cpus().length);
const wanted = (values.models ?? 'demo,resnet18,resnet18-rand,vgg19-rand').split(',');
const root = resolve(import.meta.dirname, '..');
const shared = resolve(process.env.CAMSCOPE_SHARED ?? join(root, '..', 'shared'));
const photos = values.photos ? resolve(values.photos) : join(shared, 'data', 'catsdogs', 'cat');
const python = process.env.CAMSCOPE_PYTHON ?? '/usr/bin/python3';
const precisions = (values.precision ?? 'fp32').split(',') as Precision[];
if (precisions.some((p) => !PRECISIONS.includes(p)) || precisions[0] !== 'fp32') throw new Error('--precision: a list starting with fp32, e.g. fp32,fp16');
const torchDevice = values['torch-device'] ?? 'cpu';

interface Row {
  model: string;
  provider: string;
  precision: Precision;
  batch: number;
  fusedMs: number;
  jsMs: number | null;
  passes: number;
  forwardImgPerS: number;
  overhead: number;
  torchMs: number | null;
  /** fp16 rows: max |Δ| of min-max normalized maps and of channel scores against the fp32 row. */
  mapDiff: number | null;
  scoreDiff: number | null;
}

function normalized(map: Float32Array): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of map) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return map.map((v) => (v - lo) / (hi - lo || 1));
}
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** ScoreCAM++'s per-channel target probabilities for one image, through the fused scoring graph. */
async function channelScores(classifier: Classifier, image: Float32Array, acts: Float32Array, classIndex: number, batch: number): Promise<Float32Array> {
  const [, C, h, w] = classifier.layer.shape;
  const out = new Float32Array(C);
  for (let k = 0; k < C; k += batch) {
    const n = Math.min(batch, C - k);
    out.set(await classifier.fusedScores(image, acts.subarray(k * h * w, (k + n) * h * w), n, classIndex, 'tanh', 'prob'), k);
  }
  return out;
}

/** Raw forward: the model file as given (converted for fp16), opened once per precision and timed per batch size. */
async function openRawForward(modelPath: string, precision: Precision): Promise<Session> {
  const bytes = readFileSync(modelPath);
  return openSession(precision === 'fp16' ? encodeModel(toFloat16(decodeModel(bytes)).model) : bytes, ep);
}

/** Milliseconds per image of logits-only runs at the batch size of x. */
async function forwardMsPerImage(session: Session, x: Float32Array, dims: number[]): Promise<number> {
  const [input, output] = [session.inputNames[0], session.outputNames[0]];
  await session.run({ [input]: x }, { [input]: dims }, [output]);
  const reps = Math.max(3, Math.ceil(1000 / dims[0]));
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) await session.run({ [input]: x }, { [input]: dims }, [output]);
  return (performance.now() - t0) / (reps * dims[0]);
}

function argmax(a: Float32Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

// Rows print as they finish, so a run cut short by a time limit still leaves its figures.
const fmt = (v: number | null, digits: number): string => (v === null ? '–' : v.toFixed(digits));
function printRow(r: Row): void {
  const speedup = r.torchMs === null ? '–' : `${(r.torchMs / r.fusedMs).toFixed(2)}×`;
  console.log(`| ${r.model} | ${r.provider} | ${r.precision} | ${r.batch} | ${r.fusedMs.toFixed(0)} | ${fmt(r.jsMs, 0)} | ${r.passes.toFixed(0)} | ${r.forwardImgPerS.toFixed(1)} | ${r.overhead.toFixed(3)} | ${fmt(r.torchMs, 0)} | ${speedup} | ${r.mapDiff === null ? '–' : r.mapDiff.toExponential(1)} | ${r.scoreDiff === null ? '–' : r.scoreDiff.toExponential(1)} |`);
}

async function benchModel(label: string, modelPath: string, files: string[], torch?: { arch: string; classes: number }): Promise<void> {
  let reference: { maps: Float32Array[]; scores: Float32Array[] } | null = null;
  for (const precision of precisions) {
    const classifier = await Classifier.load(modelPath, { ep, precision });
    if (classifier.provider !== ep) {
      // Timing the fallback would mislabel every figure: stop and say why.
      await classifier.release();
      throw new Error(`provider ${ep} did not start for ${label}: ${classifier.fallbackReason}`);
    }
    const rawForward = await openRawForward(modelPath, precision);
    try {
      // A list of batch sizes gives one row each (a sweep); the default is the engine's own choice.
      const batches = values.batch ? values.batch.split(',').map(Number) : [classifier.suggestedBatchSize()];
      const method = scoreCamPlusPlus();
      const images = await Promise.all(files.map((f) => prepareImage(f, classifier.profile)));
      for (const batch of batches) {
        // fp16-vs-fp32 differences are taken once, at the first batch size (they do not depend on it).
        const first = batch === batches[0];
        const x = new Float32Array(batch * classifier.imageSize);
        for (let i = 0; i < batch; i++) x.set(images[i % images.length].tensor, i * classifier.imageSize);
        const forwardMs = await forwardMsPerImage(rawForward, x, [batch, classifier.profile.channels, ...classifier.profile.inputSize]);

        const time = async (fused: boolean): Promise<{ ms: number; passes: number; maps: Float32Array[]; scores: Float32Array[] }> => {
          let ms = 0;
          let passes = 0;
          const maps: Float32Array[] = [];
          const scores: Float32Array[] = [];
          for (const [i, img] of [images[0], ...images].entries()) {
            const { logits, activations } = await classifier.forward(img.tensor, 1, true);
            const classIndex = argmax(logits);
            const t0 = performance.now();
            const r = await method.compute({ classifier, image: img.tensor, activations: activations!, logits, batchSize: batch, fused, target: { classIndex, score: 'prob' } });
            if (i > 0) {
              // the first run warms up sessions and caches and is not counted
              ms += performance.now() - t0;
              passes += r.forwardPasses;
              maps.push(normalized(r.map));
              if (fused && first) scores.push(await channelScores(classifier, img.tensor, activations!, classIndex, batch));
            }
          }
          return { ms: ms / images.length, passes: passes / images.length, maps, scores };
        };
        const fused = await time(true);
        const js = precision === 'fp32' && !values['skip-js'] ? await time(false) : null;
        if (precision === 'fp32' && first) reference = { maps: fused.maps, scores: fused.scores };
        const diff = (pick: 'maps' | 'scores'): number | null =>
          precision === 'fp32' || !first || !reference ? null : Math.max(...fused[pick].map((m, i) => maxAbsDiff(m, reference![pick][i])));

        let torchMs: number | null = null;
        if (torch && precision === 'fp32' && first && existsSync(python)) {
          try {
            const out = execFileSync(python, [join(root, 'bench', 'pytorch_scorecampp.py'), '--arch', torch.arch, '--num-classes', String(torch.classes),
              '--threads', String(threads), '--batch', '64', '--device', torchDevice, '--images', ...files], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
            torchMs = JSON.parse(out.trim().split('\n').at(-1)!).ms_per_image as number;
          } catch {
            console.log(`(PyTorch baseline for ${label} not run: ${python} lacks torch/torchvision or ${torchDevice})`);
          }
        }
        printRow({
          model: label, provider: classifier.provider, precision: classifier.precision, batch, fusedMs: fused.ms, jsMs: js?.ms ?? null, passes: fused.passes,
          forwardImgPerS: 1000 / forwardMs, overhead: fused.ms / (fused.passes * forwardMs), torchMs, mapDiff: diff('maps'), scoreDiff: diff('scores'),
        });
      }
      if (classifier.precisionFallbackReason) console.log(`(${label}: ${classifier.precisionFallbackReason})`);
    } finally {
      await rawForward.release();
      await classifier.release();
    }
  }
}

/** Random-init torchvision networks, exported once by the PyTorch baseline script with the weights it times. */
function randomInitModel(arch: string, classes: number): string | null {
  const path = join(root, 'bench', 'models', `${arch}_rand.onnx`);
  if (!existsSync(path) && existsSync(python) && existsSync(photos)) {
    try {
      execFileSync(python, [join(root, 'bench', 'pytorch_scorecampp.py'), '--arch', arch, '--num-classes', String(classes), '--export', path,
        '--threads', String(threads), '--device', torchDevice, '--images', join(photos, readdirSync(photos).sort()[0])], { stdio: 'ignore' });
    } catch {
      return null;
    }
  }
  return existsSync(path) ? path : null;
}

console.log(`ScoreCAM++ benchmark — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, provider ${ep}, PyTorch on ${torchDevice} (${threads} threads)`);
console.log('| model | provider | precision | batch | fused ms/image | JS-path ms/image | forward passes | raw forward img/s | overhead (fused) | PyTorch ms/image | speed-up vs PyTorch | max Δ map vs fp32 | max Δ score vs fp32 |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
const photoFiles = existsSync(photos) ? readdirSync(photos).sort().slice(0, nImages).map((f) => join(photos, f)) : [];
if (wanted.includes('demo')) {
  const demoFiles = readdirSync(demoImagesDir()).filter((f) => f.endsWith('.png')).slice(0, Math.max(2, nImages)).map((f) => join(demoImagesDir(), f));
  await benchModel('demo Fashion-MNIST CNN (28x28, 64 ch)', demoModelPath(), demoFiles);
}
const resnet = join(shared, 'models', 'resnet18_catsdogs.onnx');
if (wanted.includes('resnet18') && existsSync(resnet)) await benchModel('shared ResNet-18 catsdogs (224x224, layer4 512 ch)', resnet, photoFiles, { arch: 'resnet18', classes: 2 });
for (const [key, arch, label] of [['resnet18-rand', 'resnet18', 'ResNet-18 random init (1000 classes)'], ['vgg19-rand', 'vgg19', 'VGG-19 random init (1000 classes, 14x14 512 ch)']] as const) {
  if (!wanted.includes(key) || photoFiles.length === 0) continue;
  const path = randomInitModel(arch, 1000);
  if (path) await benchModel(label, path, photoFiles.slice(0, arch === 'vgg19' ? Math.min(nImages, ep === 'cpu' ? 1 : 2) : nImages), { arch, classes: 1000 });
  else console.log(`(${label} skipped: needs ${python} with torch to export it)`);
}
if (!existsSync(resnet)) console.log(`(../shared not found at ${shared}: photo-based rows skipped)`);

