/**
 * camscope's side of `npm run zoo` (scripts/zoo.py drives it; see there). One job = one exported architecture:
 *
 *   npx tsx bench/zoo.ts JOB_DIR
 *
 * JOB_DIR/job.json: { model, layer, methods, classIndex, scoreChannels (channel indices or null), batchSize? }
 * JOB_DIR/input.bin: the normalized input x, float32 [C, H, W] (the same tensor PyTorch explained; camscope's image
 * preprocessing is tested on its own, so it is bypassed here).
 *
 * Writes JOB_DIR/camscope/<method>.bin (the final map, float32 [H, W]), activations.bin and gradients.bin (map layout
 * [C, h·w]) and result.json (times in ms, layer shape/layout, flat flags). Every method runs through the engine's
 * own CamMethod.compute, exactly as `camscope explain` runs it, for the class PyTorch predicted.
 *
 * scoreChannels: ScoreCAM/ScoreCAM++ restricted to these channels (`--score-channels` of zoo.py, for time): the other
 * channels' activations are set to zero for the score-based methods only; both skip all-zero (ScoreCAM: constant)
 * channels exactly, so the engine computes Σ over the chosen channels with its ordinary code path.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Classifier, createMethod } from '../src/main/engine';

interface Job {
  model: string;
  layer: string;
  methods: string[];
  classIndex: number;
  scoreChannels: number[] | null;
  batchSize?: number;
}

function f32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function save(path: string, a: Float32Array): void {
  writeFileSync(path, Buffer.from(a.buffer, a.byteOffset, a.byteLength));
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: tsx bench/zoo.ts JOB_DIR');
  const job = JSON.parse(readFileSync(join(dir, 'job.json'), 'utf8')) as Job;
  const out = join(dir, 'camscope');
  mkdirSync(out, { recursive: true });
  const t0 = performance.now();
  const c = await Classifier.load(job.model, { layer: job.layer });
  const loadMs = performance.now() - t0;
  try {
    const x = f32(join(dir, 'input.bin'));
    if (x.length !== c.imageSize) throw new Error(`input.bin has ${x.length} values, the model takes ${c.imageSize}`);
    const methods = job.methods.map(createMethod);
    const [, C, h, w] = c.layer.shape;
    const batchSize = job.batchSize ?? c.suggestedBatchSize();
    const times: Record<string, number> = {};
    const flat: Record<string, boolean> = {};
    const passes: Record<string, number> = {};

    // One run of the backward graph gives logits, activations and gradients (the first call builds the session).
    let gradientMs = 0;
    let gradientSetupMs = 0;
    let logits: Float32Array;
    let activations: Float32Array;
    let gradients: Float32Array | null = null;
    let explained = job.classIndex;
    if (methods.some((m) => m.needsGradients)) {
      let s = performance.now();
      await c.gradients(x, 1, [job.classIndex], 'logit');
      gradientSetupMs = performance.now() - s;
      s = performance.now();
      const run = await c.gradients(x, 1, [job.classIndex], 'logit');
      gradientMs = performance.now() - s;
      ({ logits, activations, gradients } = run);
      explained = run.classes[0];
    } else {
      const run = await c.forward(x, 1, true);
      logits = run.logits;
      activations = run.activations!;
    }
    save(join(out, 'activations.bin'), activations);
    if (gradients) save(join(out, 'gradients.bin'), gradients);

    let scoreActs = activations;
    if (job.scoreChannels) {
      scoreActs = new Float32Array(activations.length);
      for (const k of job.scoreChannels) scoreActs.set(activations.subarray(k * h * w, (k + 1) * h * w), k * h * w);
    }
    for (const m of methods) {
      const s = performance.now();
      const r = await m.compute({
        classifier: c,
        image: x,
        activations: m.needsGradients ? activations : scoreActs,
        logits,
        gradients,
        target: { classIndex: explained, score: (m.settings.score as 'prob' | 'logit' | undefined) ?? 'prob' },
        batchSize,
      });
      times[m.id] = performance.now() - s + (m.needsGradients ? gradientMs : 0);
      flat[m.id] = r.flat;
      passes[m.id] = r.forwardPasses;
      save(join(out, `${m.id}.bin`), r.map);
    }
    writeFileSync(join(out, 'result.json'), JSON.stringify({
      layer: c.layer.name, layout: c.layer.layout, shape: [C, h, w], classIndex: explained, batchSize,
      loadMs, gradientSetupMs, gradientMs, times, flat, passes, logits: Array.from(logits),
    }, null, 1));
  } finally {
    await c.release();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
