/**
 * `npm run bench:preview-study`: how many masked passes the preview needs, with every score known in advance.
 * For N photos of the shared ResNet-18 (half cats, half dogs) it scores every kept channel once (ScoreCAM++,
 * cached under the temp dir), then replays the scoring order offline and reports, per estimator and frame spacing,
 * the passes (fraction of all) after which the preview's max |Δ| from the exact map (both min-max normalised) first
 * falls to 0.01: median and mean over the photos, and per photo. Rows:
 *   - the estimator and update rule the app uses (ScoreEstimator, log-odds, frames rescaled and updated lazily at
 *     1 % of the largest weight; score-based.ts), frames every 16 and every 32 passes;
 *   - the same estimator with every weight applied exactly (no lazy rule), every 16 passes;
 *   - the lazy rule at 2 % and 5 %;
 *   - the unscored channels filled with the mean score (the baseline the issue measured).
 * No timing: the time a frame costs is measured by `npm run bench:preview`.
 *   npm run bench:preview-study -- [--images 20]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Classifier } from '../src/main/engine/model/classifier';
import { prepareImage } from '../src/main/engine/image/preprocess';
import { reluMinMax } from '../src/main/engine/methods/base';
import { channelDescriptors, coverageOrder, ScoreEstimator } from '../src/main/engine/methods/preview';
import { compareMaps, isZeroChannel } from '../src/main/engine/methods/score-based';
import { classProbabilities } from '../src/main/engine/model/scores';
import { bilinearResampler } from '../src/main/engine/tensor/ops';

const { values } = parseArgs({ options: { images: { type: 'string' } } });
const nImages = Number(values.images ?? 20);
const root = resolve(import.meta.dirname, '..');
const shared = resolve(process.env.CAMSCOPE_SHARED ?? join(root, '..', 'shared'));
const modelPath = join(shared, 'models', 'resnet18_catsdogs.onnx');
if (!existsSync(modelPath)) {
  console.log(`(skipped: ${modelPath} not found — the study needs the shared model and photos)`);
  process.exit(0);
}
const cacheDir = join(tmpdir(), 'camscope-bench', 'preview-study');
mkdirSync(cacheDir, { recursive: true });

interface Photo { file: string; h: number; w: number; H: number; W: number; acts: Float32Array; scores: number[] }

function photos(): string[] {
  const dir = join(shared, 'data', 'catsdogs');
  const pick = (c: string) => readdirSync(join(dir, c)).filter((f) => f.endsWith('.jpg')).sort().slice(0, Math.ceil(nImages / 2)).map((f) => join(dir, c, f));
  const [cats, dogs] = [pick('cat'), pick('dog')];
  return cats.flatMap((c, i) => [c, dogs[i]]).filter(Boolean).slice(0, nImages);
}

/** Every kept channel's exact ScoreCAM++ score (predicted class, probability), in channel order. */
async function collect(files: string[]): Promise<Photo[]> {
  let classifier: Classifier | null = null;
  const out: Photo[] = [];
  try {
    for (const file of files) {
      const cache = join(cacheDir, `${file.replace(/[^a-zA-Z0-9]+/g, '_')}.json`);
      if (existsSync(cache)) {
        const d = JSON.parse(readFileSync(cache, 'utf8'));
        out.push({ ...d, acts: Float32Array.from(d.acts) });
        continue;
      }
      classifier ??= await Classifier.load(modelPath);
      const [, C, h, w] = classifier.layer.shape;
      const [H, W] = classifier.profile.inputSize;
      const hw = h * w;
      const img = await prepareImage(file, classifier.profile);
      const { logits, activations } = await classifier.forward(img.tensor, 1, true);
      const probs = classProbabilities(logits, 0, classifier.numClasses, classifier.scores);
      const cls = probs.indexOf(Math.max(...probs));
      const kept: number[] = [];
      for (let k = 0; k < C; k++) if (!isZeroChannel(activations!, k * hw, hw)) kept.push(k);
      const acts = new Float32Array(kept.length * hw);
      kept.forEach((k, i) => acts.set(activations!.subarray(k * hw, (k + 1) * hw), i * hw));
      const scores: number[] = [];
      for (let s = 0; s < kept.length; s += 32) {
        const c = Math.min(32, kept.length - s);
        scores.push(...(await classifier.fusedScores(img.tensor, acts.subarray(s * hw, (s + c) * hw), c, cls, 'tanh', 'prob')));
      }
      const photo = { file, h, w, H, W, acts, scores };
      writeFileSync(cache, JSON.stringify({ ...photo, acts: Array.from(acts) }));
      out.push(photo);
      process.stderr.write(`scored ${file} (${kept.length} channels)\n`);
    }
  } finally {
    await classifier?.release();
  }
  return out;
}

interface Rule { name: string; step: number; lazy: number | null; meanFill?: boolean }

/** For each rule, the passes (fraction) at which the replayed preview first comes within 0.01 of the exact map. */
function replay(p: Photo, rules: Rule[]): number[] {
  const n = p.scores.length;
  const hw = p.h * p.w;
  const plane = p.H * p.W;
  const resampler = bilinearResampler(p.h, p.w, p.H, p.W);
  const up = new Float32Array(plane);
  const terms = new Float32Array(n * plane);
  for (let k = 0; k < n; k++) {
    resampler.resize(p.acts, k * hw, up);
    for (let i = 0; i < plane; i++) terms[k * plane + i] = Math.tanh(up[i]);
  }
  const combine = (weights: ArrayLike<number>, into = new Float64Array(plane)): Float64Array => {
    for (let k = 0; k < n; k++) {
      const a = weights[k];
      if (a !== 0) for (let i = 0, o = k * plane; i < plane; i++) into[i] += a * terms[o + i];
    }
    return into;
  };
  const exact = new Float32Array(plane);
  reluMinMax(combine(p.scores), exact);
  const descriptors = channelDescriptors(p.acts, p.scores.map((_, i) => i), hw, (u, o) => u.forEach((v, i) => (o[i] = Math.tanh(v))));
  const order = coverageOrder(descriptors);
  return rules.map((rule) => replayRule(rule));

  function replayRule(rule: Rule): number {
    const estimator = new ScoreEstimator(descriptors, { logOdds: true });
    const applied = new Float64Array(n);
    const raw = new Float64Array(plane);
    const map = new Float32Array(plane);
    for (let m = 0; m <= n; m += rule.step) {
      const known = order.slice(0, m);
      const ks = known.map((q) => p.scores[q]);
      let est: Float64Array;
      if (rule.meanFill && m > 0) {
        est = new Float64Array(n).fill(ks.reduce((a, v) => a + v, 0) / m);
        known.forEach((q, i) => (est[q] = ks[i]));
      } else est = estimator.weights(known, ks);
      if (rule.lazy === null) {
        reluMinMax(combine(est), map);
      } else {
        if (m > 0) {
          let num = 0;
          let den = 0;
          for (let k = 0; k < n; k++) (num += est[k] * applied[k]), (den += applied[k] * applied[k]);
          const f = num / den;
          if (f > 0) {
            for (let k = 0; k < n; k++) applied[k] *= f;
            for (let i = 0; i < plane; i++) raw[i] *= f;
          }
        }
        let largest = 0;
        for (const v of est) largest = Math.max(largest, Math.abs(v));
        const delta = new Float64Array(n);
        for (let k = 0; k < n; k++) {
          const d = est[k] - applied[k];
          if (d !== 0 && (m === 0 || Math.abs(d) > rule.lazy * largest)) (delta[k] = d), (applied[k] = est[k]);
        }
        combine(delta, raw);
        reluMinMax(raw, map);
      }
      if (compareMaps(map, exact).maxAbsDiff <= 0.01) return m / n;
    }
    return 1;
  }
}

const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const data = await collect(photos());
const rules: Rule[] = [
  { name: 'app rule (lazy 1 %), every 16 passes', step: 16, lazy: 0.01 },
  { name: 'app rule (lazy 1 %), every 32 passes', step: 32, lazy: 0.01 },
  { name: 'every weight applied exactly, every 16 passes', step: 16, lazy: null },
  { name: 'lazy 2 %, every 16 passes', step: 16, lazy: 0.02 },
  { name: 'lazy 5 %, every 16 passes', step: 16, lazy: 0.05 },
  { name: 'unscored = mean score, every 16 passes', step: 16, lazy: null, meanFill: true },
];
console.log(`\ncamscope preview estimator study · ${data.length} photos of the shared ResNet-18 · ScoreCAM++ · passes until max |Δ| ≤ 0.01\n`);
console.log('| estimator / frames | median | mean | per photo |');
console.log('|---|---|---|---|');
const results = data.map((p) => replay(p, rules));
for (const [j, rule] of rules.entries()) {
  const r = results.map((row) => row[j]);
  console.log(`| ${rule.name} | ${median(r).toFixed(3)} | ${(r.reduce((a, v) => a + v, 0) / r.length).toFixed(3)} | ${r.map((v) => v.toFixed(2)).join(' ')} |`);
}
