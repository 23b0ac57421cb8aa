/**
 * `npm run bench:preview`: progressive ScoreCAM++ previews and the fast approximations, on CPU.
 * Per model (the shared ResNet-18 when ../shared exists; a random-init MobileNetV2 exported with Debian's python3 +
 * torch, seed 0), over N photos (half cats, half dogs from ../shared/data/catsdogs):
 *   - the exact ScoreCAM++ map and its time T (no previews);
 *   - the same with previews (as the app gets them: after every batch of --batch passes, default 32, frames skipped
 *     while previews have cost over 10 % of the elapsed time; --every P: after every P passes, none skipped): time to the first preview, and the time (as a fraction of T),
 *     the passes (as a fraction of all) and the Pearson r at which the preview's max |Δ| from the exact map (both
 *     min-max normalised) first falls to 0.02 and to 0.01 — median and worst over the photos;
 *   - top-k (k = 32, 64, 128, 256) and score-free: time / T, r and max |Δ| against the exact map, and Average Drop,
 *     Increase in Confidence and Win % (among exact and the top-k) on the photos.
 *   npm run bench:preview -- [--images 20] [--every 32] [--models resnet18,mobilenetv2-rand] [--threads 2] [--budget-min M] [--batch 32] [--every P] [--approx-only | --previews-only]
 * --budget-min M: take no new photo after M minutes per model (the tables say how many photos were done); every
 * photo's raw figures also go to stderr as one JSON line.
 * Times on a shared machine are noisy: read the ratios.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Classifier } from '../src/main/engine/model/classifier';
import { prepareImage } from '../src/main/engine/image/preprocess';
import type { CamContext, CamMap, CamMethod, PreviewFrame } from '../src/main/engine/methods/base';
import { createMethod } from '../src/main/engine/methods/registry';
import { compareMaps } from '../src/main/engine/methods/score-based';
import { classProbabilities } from '../src/main/engine/model/scores';
import { averageDrop } from '../src/main/engine/metrics/average-drop';
import { increaseInConfidence } from '../src/main/engine/metrics/increase-in-confidence';
import { winPercentages } from '../src/main/engine/metrics/win';

const { values } = parseArgs({ options: { images: { type: 'string' }, every: { type: 'string' }, models: { type: 'string' }, threads: { type: 'string' }, 'budget-min': { type: 'string' }, batch: { type: 'string' }, 'approx-only': { type: 'boolean' }, 'previews-only': { type: 'boolean' } } });
// --approx-only: only the approximations' table (no preview run, half the time per photo), for runs on many photos.
const approxOnly = Boolean(values['approx-only']);
// --previews-only: only the previews' table (no approximations, about half the time per photo).
const previewsOnly = Boolean(values['previews-only']);
const budgetMs = values['budget-min'] ? Number(values['budget-min']) * 60_000 : Infinity;
const nImages = Number(values.images ?? 20);
const every = values.every ? Number(values.every) : undefined;
const batchArg = values.batch ? Number(values.batch) : 32;
const wanted = (values.models ?? 'resnet18,mobilenetv2-rand').split(',');
const root = resolve(import.meta.dirname, '..');
const shared = resolve(process.env.CAMSCOPE_SHARED ?? join(root, '..', 'shared'));
const python = process.env.CAMSCOPE_PYTHON ?? '/usr/bin/python3';
const TOPK = [32, 64, 128, 256];
if (values.threads) process.env.OMP_NUM_THREADS = values.threads;

function photos(): string[] {
  const dir = join(shared, 'data', 'catsdogs');
  const half = Math.ceil(nImages / 2);
  const pick = (cls: string) => readdirSync(join(dir, cls)).filter((f) => f.endsWith('.jpg')).sort().slice(0, half).map((f) => join(dir, cls, f));
  const [cats, dogs] = [pick('cat'), pick('dog')];
  return cats.flatMap((c, i) => [c, dogs[i]]).filter(Boolean).slice(0, nImages);
}

function mobileNet(): string | null {
  const out = join(tmpdir(), 'camscope-bench', 'mobilenetv2_rand_seed0.onnx');
  if (existsSync(out)) return out;
  mkdirSync(join(tmpdir(), 'camscope-bench'), { recursive: true });
  try {
    execFileSync(python, ['-c', `import runpy, sys, torch; torch.manual_seed(0); sys.argv = ['export', '--arch', 'mobilenet_v2', '--num-classes', '2', '--classes', 'cat,dog', '--out', ${JSON.stringify(out)}]; runpy.run_path(${JSON.stringify(join(root, 'scripts', 'export_pytorch_model.py'))}, run_name='__main__')`], { stdio: 'pipe' });
    return out;
  } catch (e) {
    console.log(`(MobileNetV2 skipped: ${python} could not export it: ${String(e).split('\n')[0]})`);
    return null;
  }
}

const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const worst = (a: number[]): number => Math.max(...a);
const f2 = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '–');
const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : '–');
const f4 = (v: number): string => (Number.isFinite(v) ? v.toFixed(4) : '–');

interface Reach {
  time: number;
  passes: number;
  r: number;
}

async function benchModel(name: string, modelPath: string, files: string[]): Promise<void> {
  const classifier = await Classifier.load(modelPath);
  const batchSize = batchArg;
  const exact = createMethod('scorecam++');
  const approx = previewsOnly ? [] : [...TOPK.map((k) => createMethod(`scorecam++@topk=${k}`)), createMethod('scorecam++@noscore')];
  const firstFrac: number[] = [];
  const reach: Record<'0.02' | '0.01', Reach[]> = { '0.02': [], '0.01': [] };
  const overhead: number[] = [];
  const firstDiff: number[] = [];
  const atQuarter: number[] = [];
  const approxStats = approx.map(() => ({ time: [] as number[], r: [] as number[], diff: [] as number[] }));
  const Y: number[] = [];
  const O: number[][] = [];
  let channels = 0;
  let exactMs: number[] = [];
  try {
    // Warm-up: opens the fused sessions so the first photo's times are not session start-up.
    const warm = await prepareImage(files[0], classifier.profile);
    const w0 = await classifier.forward(warm.tensor, 1, true);
    const ctxOf = (image: Float32Array, logits: Float32Array, activations: Float32Array, classIndex: number): CamContext => ({
      classifier, image, logits, activations, batchSize, target: { classIndex, score: 'prob' },
    });
    const top = (l: Float32Array) => classProbabilities(l, 0, classifier.numClasses, classifier.scores).reduce((b, p, i, a) => (p > a[b] ? i : b), 0);
    // scorecam++@topk=8 with previews opens the same scoring and combining sessions as every method here.
    await createMethod('scorecam++@topk=8').compute({ ...ctxOf(warm.tensor, w0.logits, w0.activations!, top(w0.logits)), onPreview: () => undefined });

    const started = performance.now();
    for (const file of files) {
      if (performance.now() - started > budgetMs) break;
      const img = await prepareImage(file, classifier.profile);
      const { logits, activations } = await classifier.forward(img.tensor, 1, true);
      const cls = top(logits);
      const ctx = ctxOf(img.tensor, logits, activations!, cls);
      let t = performance.now();
      const ex: CamMap = await exact.compute(ctx);
      const T = performance.now() - t;
      exactMs.push(T);
      channels = ex.forwardPasses;
      const frames: PreviewFrame[] = [];
      t = performance.now();
      if (!approxOnly) await exact.compute({ ...ctx, ...(every ? { previewEvery: every } : {}), onPreview: (f) => frames.push(f) });
      if (!approxOnly) {
        overhead.push((performance.now() - t) / T);
        firstFrac.push(frames[0].ms / T);
        firstDiff.push(compareMaps(frames[0].map, ex.map).maxAbsDiff);
        const quarter = frames.filter((f) => f.ms <= 0.25 * T).at(-1);
        atQuarter.push(quarter ? compareMaps(quarter.map, ex.map).maxAbsDiff : NaN);
        for (const thr of ['0.02', '0.01'] as const) {
          const f = frames.find((fr) => compareMaps(fr.map, ex.map).maxAbsDiff <= Number(thr))!;
          reach[thr].push({ time: f.ms / T, passes: f.passes / ex.forwardPasses, r: compareMaps(f.map, ex.map).pearson });
        }
      }
      // Approximations, and the faithfulness inputs: O = p_c(x ∘ map) for exact and each approximation.
      const maps: Float32Array[] = [ex.map];
      for (const [i, m] of approx.entries()) {
        t = performance.now();
        const r = await m.compute(ctx);
        approxStats[i].time.push((performance.now() - t) / T);
        const c = compareMaps(r.map, ex.map);
        approxStats[i].r.push(c.pearson);
        approxStats[i].diff.push(c.maxAbsDiff);
        maps.push(r.map);
      }
      const plane = ex.map.length;
      const masked = new Float32Array(maps.length * img.tensor.length);
      maps.forEach((map, j) => {
        for (let i = 0; i < img.tensor.length; i++) masked[j * img.tensor.length + i] = img.tensor[i] * map[i % plane];
      });
      const out = await classifier.forward(masked, maps.length, false);
      const K = classifier.numClasses;
      Y.push(classProbabilities(logits, 0, K, classifier.scores)[cls]);
      O.push(maps.map((_, j) => classProbabilities(out.logits, j * K, K, classifier.scores)[cls]));
      process.stderr.write(`${JSON.stringify({
        model: name, file, exactMs: T, passes: channels, first: firstFrac.at(-1), firstDiff: firstDiff.at(-1), atQuarter: atQuarter.at(-1), overhead: overhead.at(-1),
        reach02: reach['0.02'].at(-1), reach01: reach['0.01'].at(-1),
        approx: approx.map((m, i) => ({ id: m.id, time: approxStats[i].time.at(-1), r: approxStats[i].r.at(-1), diff: approxStats[i].diff.at(-1) })), Y: Y.at(-1), O: O.at(-1),
      })}\n`);
    }
  } finally {
    await classifier.release();
  }
  const n = Y.length;
  if (!approxOnly) {
    console.log(`\n### ${name}: ScoreCAM++ previews (${n} photos, CPU, batch ${batchSize}, ${every ? `a preview every ${every} passes` : 'previews as the app gets them'}; exact map median ${median(exactMs).toFixed(0)} ms, ${channels} passes on the last photo)\n`);
    console.log('| | median | worst |');
    console.log('|---|---|---|');
    console.log(`| first preview (score-free map, before any masked pass): time / exact time | ${f3(median(firstFrac))} | ${f3(worst(firstFrac))} |`);
    console.log(`| first preview: max \\|Δ\\| from the exact map | ${f4(median(firstDiff))} | ${f4(worst(firstDiff))} |`);
    console.log(`| last preview by 25 % of the exact time: max \\|Δ\\| | ${f4(median(atQuarter))} | ${f4(worst(atQuarter.map((v) => (Number.isNaN(v) ? Infinity : v))))} |`);
    for (const thr of ['0.02', '0.01'] as const) {
      const rs = reach[thr];
      console.log(`| max \\|Δ\\| ≤ ${thr}: time / exact time | ${f3(median(rs.map((x) => x.time)))} | ${f3(worst(rs.map((x) => x.time)))} |`);
      console.log(`| max \\|Δ\\| ≤ ${thr}: passes / all passes | ${f3(median(rs.map((x) => x.passes)))} | ${f3(worst(rs.map((x) => x.passes)))} |`);
      console.log(`| max \\|Δ\\| ≤ ${thr}: Pearson r there | ${f4(median(rs.map((x) => x.r)))} | ${f4(Math.min(...rs.map((x) => x.r)))} (lowest) |`);
    }
    console.log(`| whole run with previews: time / exact time | ${f3(median(overhead))} | ${f3(worst(overhead))} |`);
  }

  if (previewsOnly) return;
  const names = ['exact', ...approx.map((m) => m.id)];
  const pairs = (j: number) => Y.map((y, i) => ({ Y: y, O: O[i][j] }));
  const win = winPercentages(O.map((row) => row.slice(0, 1 + TOPK.length)), 1 + TOPK.length);
  console.log(`\n### ${name}: approximations (${n} photos; Win % among exact and the four top-k)\n`);
  console.log('| method | time / exact (median) | Pearson r vs exact (median / lowest) | max \\|Δ\\| vs exact (median / worst) | Average Drop % ↓ | Increase in Confidence % ↑ | Win % ↑ |');
  console.log('|---|---|---|---|---|---|---|');
  names.forEach((id, j) => {
    const s = j ? approxStats[j - 1] : null;
    const ad = averageDrop(pairs(j)).value ?? NaN;
    const ic = increaseInConfidence(pairs(j)) ?? NaN;
    const w = j <= TOPK.length ? f2(win[j] ?? NaN) : '–';
    console.log(`| ${id}${j ? ' (approximate)' : ''} | ${s ? f3(median(s.time)) : '1'} | ${s ? `${f4(median(s.r))} / ${f4(Math.min(...s.r))}` : '1'} | ${s ? `${f4(median(s.diff))} / ${f4(worst(s.diff))}` : '0'} | ${f2(ad)} | ${f2(ic)} | ${w} |`);
  });
}

const resnet = join(shared, 'models', 'resnet18_catsdogs.onnx');
if (!existsSync(join(shared, 'data', 'catsdogs'))) {
  console.log(`(skipped: ${shared}/data/catsdogs not found — the benchmark needs the shared photos)`);
  process.exit(0);
}
const files = photos();
console.log(`camscope preview benchmark · ${cpus().length} CPU(s) · ${new Date().toISOString()} · ${files.length} photos from ${join(shared, 'data', 'catsdogs')}`);
if (wanted.includes('resnet18')) {
  if (existsSync(resnet)) await benchModel('ResNet-18 (shared, cats/dogs)', resnet, files);
  else console.log(`(ResNet-18 skipped: ${resnet} not found)`);
}
if (wanted.includes('mobilenetv2-rand')) {
  const m = mobileNet();
  if (m) await benchModel('MobileNetV2 (random init, seed 0)', m, files);
}
