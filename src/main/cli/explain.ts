/**
 * `camscope explain` (and `camscope demo`, which explains the embedded model's sample images): maps for each image,
 * written as PNGs, with results.json rewritten as the run goes.
 */
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import {
  Classifier, explainImages, isCamscopeError, parseMethodList,
  type ClassChoice, type ExecutionProviderName, type ImageExplanation, type Precision,
} from '../engine';
import { writeMapPng, writeRgbPng } from '../engine/image/decode';
import { loadDataset } from '../engine/evaluate/dataset';
import { COLORMAPS, overlayHeatmap, type ColormapName } from '../engine/image/colormap';
import { VERSION } from '../engine/version';
import type { CamMap, PreviewFrame } from '../engine/methods/base';
import { intensitySetting } from '../engine/image/intensity-setting';
import { bar, collectImages, EXIT, intensityOption, parseIntOption, progressLine, reportRuntime, runtimeArgs, UsageError, type CliIo } from './common';

export const EXPLAIN_OPTIONS = {
  model: { type: 'string' },
  layer: { type: 'string' },
  methods: { type: 'string' },
  class: { type: 'string' },
  versus: { type: 'string' },
  ep: { type: 'string' },
  precision: { type: 'string' },
  batch: { type: 'string' },
  colormap: { type: 'string' },
  alpha: { type: 'string' },
  'top-k': { type: 'string' },
  out: { type: 'string' },
  'preview-every': { type: 'string' },
  intensity: { type: 'string' },
} as const;

/** Shortest time between two rewrites of results.json while explain runs (see writeResults). */
const RESULTS_INTERVAL_MS = 2000;

/** A class as the command line names it: an index, or a name looked up once the model's class names are known. */
export type ClassArg = number | { name: string };

export interface ExplainArgs {
  model: string;
  layer?: string;
  methods: string;
  classChoice: 'predicted' | ClassArg;
  /** --versus: explain the class "versus" this one (a contrast, score s_class − s_versus); needs --class. */
  versus?: ClassArg;
  ep: ExecutionProviderName;
  precision: Precision;
  batch?: number;
  colormap: ColormapName;
  alpha: number;
  topK: number;
  out: string;
  inputs: string[];
  /** --preview-every N: also write the score-based methods' estimates after every N masked passes. */
  previewEvery?: number;
  /** --intensity: how DICOM and 16-bit images become 8-bit pixels, over the sidecar's "intensity" (stable string form). */
  intensity?: string;
}

function parseClass(v: string | undefined): 'predicted' | ClassArg {
  if (v === undefined || v === 'predicted') return 'predicted';
  return parseClassArg('class', v);
}

function parseClassArg(option: string, v: string): ClassArg {
  if (/^\d+$/.test(v)) return Number(v);
  if (!v.trim()) throw new UsageError(`--${option} must be a class index or a class name.`);
  return { name: v };
}

/** A class name given on the command line as its index: the exact name, else the one name equal ignoring case. */
export function resolveClassArg(option: string, arg: ClassArg, classes: readonly string[]): number {
  if (typeof arg === 'number') return arg;
  const exact = classes.flatMap((c, i) => (c === arg.name ? [i] : []));
  const found = exact.length ? exact : classes.flatMap((c, i) => (c.toLowerCase() === arg.name.toLowerCase() ? [i] : []));
  if (found.length === 1) return found[0];
  if (found.length > 1) throw new UsageError(`--${option} "${arg.name}" names classes ${found.join(' and ')}: give the index instead.`);
  const some = classes.slice(0, 10).join(', ');
  throw new UsageError(`--${option} "${arg.name}" is neither a class index nor a class name of this model (its ${classes.length} classes: ${some}${classes.length > 10 ? ', …' : ''}).`);
}

/** The engine's class choice from --class and --versus, names resolved against the model's class names. */
function classChoiceOf(a: ExplainArgs, classes: readonly string[]): ClassChoice {
  const chosen = a.classChoice === 'predicted' ? 'predicted' : resolveClassArg('class', a.classChoice, classes);
  if (a.versus === undefined) return chosen;
  if (chosen === 'predicted') throw new UsageError('--versus needs --class: name the class to explain versus the other one.');
  return { classIndex: chosen, versus: resolveClassArg('versus', a.versus, classes) };
}

/** explain's options; `defaults` fill in what the command line leaves out (demo's model, images and folder). */
export function explainArgs(values: Record<string, string | boolean | undefined>, positionals: string[], defaults: Partial<ExplainArgs>): ExplainArgs {
  const str = (k: string): string | undefined => values[k] as string | undefined;
  const model = str('model') ?? defaults.model;
  if (!model) throw new UsageError('--model is required.');
  const out = str('out') ?? defaults.out;
  if (!out) throw new UsageError('--out is required.');
  const inputs = positionals.length ? positionals : defaults.inputs ?? [];
  if (inputs.length === 0) throw new UsageError('Name at least one image or folder to explain.');
  const { ep, precision } = runtimeArgs(str);
  const colormap = (str('colormap') ?? 'jet') as ColormapName;
  if (!COLORMAPS.includes(colormap)) throw new UsageError(`--colormap must be one of ${COLORMAPS.join(', ')}.`);
  const alpha = str('alpha') === undefined ? 0.5 : Number(str('alpha'));
  if (!(alpha >= 0 && alpha <= 1)) throw new UsageError('--alpha must be a number from 0 to 1.');
  return {
    model,
    layer: str('layer'),
    methods: str('methods') ?? defaults.methods ?? 'scorecam++',
    classChoice: parseClass(str('class')),
    ...(str('versus') === undefined ? {} : { versus: parseClassArg('versus', str('versus')!) }),
    ep,
    precision,
    batch: str('batch') === undefined ? undefined : parseIntOption('batch', str('batch'), 32, 1, 4096),
    colormap,
    alpha,
    topK: parseIntOption('top-k', str('top-k'), 5, 1, 1000),
    out,
    inputs,
    previewEvery: str('preview-every') === undefined ? undefined : parseIntOption('preview-every', str('preview-every'), 64, 1, 1_000_000),
    ...(str('intensity') === undefined ? {} : { intensity: intensityOption(str('intensity')) }),
  };
}

/**
 * A model without class names, explaining one ImageFolder-style folder whose sub-folders match its outputs in
 * number, takes their sorted names (torchvision's numbering) — the names a user sees in results.json.
 */
function adoptFolderClassNames(classifier: Classifier, inputs: string[]): void {
  if (inputs.length !== 1 || !existsSync(inputs[0]) || !statSync(inputs[0]).isDirectory()) return;
  try {
    const names = loadDataset(resolve(inputs[0]), classifier.profile.classes).classNames;
    if (names) classifier.adoptClassNames(names);
  } catch {
    // Not a dataset folder (no images at the top level or below): the names stay as they are.
  }
}

/**
 * --preview-every N: writes the frames after k·N masked passes (k = 0, 1, …; not the last frame, which is the exact
 * map itself) as <method>.preview-<k>.png and returns their entries for results.json, with how far the exact map is
 * from the score-free one (the first frame) where the method reports it.
 */
async function writePreviews(dir: string, stem: string, method: string, result: CamMap, frames: PreviewFrame[], every: number): Promise<Record<string, unknown>> {
  const previews: { passes: number; ms: number; map: string }[] = [];
  for (const f of frames.slice(0, -1)) {
    if (f.passes % every !== 0) continue;
    const name = `${method}.preview-${f.passes / every}.png`;
    await writeMapPng(join(dir, name), f.map, result.width, result.height);
    previews.push({ passes: f.passes, ms: Math.round(f.ms * 10) / 10, map: `${stem}/${name}` });
  }
  return frames.length ? { previews, ...(result.scoreFree ? { scoreFree: result.scoreFree } : {}) } : {};
}

/** Explains every image and writes its maps; the exit status says whether all of them succeeded. */
export async function explainCommand(a: ExplainArgs, io: CliIo): Promise<number> {
  const methods = parseMethodList(a.methods);
  const images = collectImages(a.inputs, (m) => io.stderr.write(`camscope: ${m}\n`));
  const classifier = await Classifier.load(a.model, { ep: a.ep, precision: a.precision, layer: a.layer, intensity: a.intensity });
  adoptFolderClassNames(classifier, a.inputs);
  try {
    const choice = classChoiceOf(a, classifier.profile.classes);
    reportRuntime(classifier, io);
    io.stderr.write(`camscope: model ${basename(a.model)} · layer ${classifier.layer.name} [${classifier.layer.shape.join(',')}] · provider ${classifier.provider} · ${images.length} image(s)\n`);
    mkdirSync(a.out, { recursive: true });
    const stemOf = new Map(images.map((i) => [i.file, i.stem]));
    // Each image's entry, serialized once, indented as it stands in the document.
    const results: string[] = [];
    let failed = 0;
    let methodFailures = 0;
    let done = 0;
    const started = new Date().toISOString();
    const t0 = performance.now();
    let cancelled = false;
    let lastWrite = -Infinity;
    let lastWriteMs = 0;
    /**
     * results.json is rewritten whole through a rename, so it is valid JSON at every moment, even after a kill — but
     * not after every image: at most every RESULTS_INTERVAL_MS, and never more often than keeps the rewrites under
     * 5 % of the time (20 × the last rewrite's duration), so a long run keeps its speed. `force` at the end.
     */
    const writeResults = (force = false): void => {
      const start = performance.now();
      if (!force && start - lastWrite < Math.max(RESULTS_INTERVAL_MS, 20 * lastWriteMs)) return;
      const doc = {
        camscope: VERSION,
        created: started,
        elapsedSeconds: (performance.now() - t0) / 1000,
        cancelled,
        model: { path: resolve(a.model), fingerprint: classifier.inspection.fingerprint, classes: classifier.profile.classes },
        layer: { name: classifier.layer.name, shape: classifier.layer.shape, layout: classifier.layer.layout },
        // What "probability" means in this file: softmax, sigmoid per class, or the model's own output.
        output: classifier.inspection.output,
        input: classifier.inspection.input,
        provider: {
          requested: a.ep, used: classifier.provider, fallbackReason: classifier.fallbackReason,
          precision: classifier.precision, precisionFallbackReason: classifier.precisionFallbackReason,
        },
        settings: {
          methods: methods.map((m) => ({ id: m.id, ...m.settings })),
          class: typeof choice === 'object' ? choice.classIndex : choice,
          ...(typeof choice === 'object' ? { versus: choice.versus } : {}),
          batchSize: a.batch ?? classifier.suggestedBatchSize(),
          colormap: a.colormap,
          alpha: a.alpha,
          topK: a.topK,
          preprocessing: classifier.profile,
          // DICOM and 16-bit images: the mapping to 8 bits and who chose it (each image records the one it got).
          intensity: intensitySetting(classifier.profile),
        },
        summary: { images: images.length, explained: results.length - failed, failed, methodErrors: methodFailures },
        images: [],
      };
      const head = JSON.stringify(doc, null, 2);
      const at = head.lastIndexOf('[]');
      const text = results.length ? `${head.slice(0, at)}[\n${results.join(',\n')}\n  ]${head.slice(at + 2)}` : head;
      const path = join(a.out, 'results.json');
      writeFileSync(`${path}.tmp`, text);
      renameSync(`${path}.tmp`, path);
      lastWrite = performance.now();
      lastWriteMs = lastWrite - start;
    };
    const addResult = (entry: unknown): void => {
      results.push(`    ${JSON.stringify(entry, null, 2).replace(/\n/g, '\n    ')}`);
    };

    // --preview-every: each method's preview frames per image, until the image is recorded.
    const previewFrames = new Map<string, PreviewFrame[]>();
    const onPreview = (p: { file: string; method: string; frame: PreviewFrame }): void => {
      const key = `${p.file}\0${p.method}`;
      previewFrames.set(key, [...(previewFrames.get(key) ?? []), p.frame]);
    };
    const takeFrames = (file: string, method: string): PreviewFrame[] => {
      const frames = previewFrames.get(`${file}\0${method}`) ?? [];
      previewFrames.delete(`${file}\0${method}`);
      return frames;
    };
    const record = async (r: ImageExplanation): Promise<void> => {
      const stem = stemOf.get(r.file)!;
      if (!r.ok) {
        failed++;
        progressLine(io, '');
        io.stderr.write(`error: ${r.file}: ${r.error.message}\n`);
        addResult({ file: r.file, stem, ok: false, error: r.error });
        return;
      }
      const dir = join(a.out, stem);
      mkdirSync(dir, { recursive: true });
      const { image } = r;
      await writeRgbPng(join(dir, 'input.png'), image.pixels, image.width, image.height);
      const perMethod: Record<string, unknown> = {};
      for (const m of r.maps) {
        const { map, width, height, flat, forwardPasses } = m.result;
        await writeMapPng(join(dir, `${m.method}.png`), map, width, height);
        await writeRgbPng(join(dir, `${m.method}-overlay.png`), overlayHeatmap(image.pixels, map, width, height, a.colormap, a.alpha), width, height);
        perMethod[m.method] = { timeMs: Math.round(m.timeMs * 10) / 10, forwardPasses, flat, map: `${stem}/${m.method}.png`, overlay: `${stem}/${m.method}-overlay.png` };
        if (a.previewEvery) Object.assign(perMethod[m.method] as object, await writePreviews(dir, stem, m.method, m.result, takeFrames(r.file, m.method), a.previewEvery));
      }
      for (const { method, message } of r.methodErrors ?? []) {
        methodFailures++;
        perMethod[method] = { error: message };
        progressLine(io, '');
        io.stderr.write(`error: ${r.file}: ${method}: ${message}\n`);
      }
      const predictedSet = r.predictedSet ? { predictedSet: r.predictedSet.map((i) => classifier.profile.classes[i]) } : {};
      const intensity = image.source ? { intensity: image.source.mapping } : {};
      addResult({ file: r.file, stem, ok: true, ...intensity, predictions: r.predictions, ...predictedSet, target: r.target, methods: perMethod });
    };

    try {
      for await (const r of explainImages(classifier, images.map((i) => i.file), {
        methods,
        classChoice: choice,
        batchSize: a.batch,
        topK: a.topK,
        signal: io.signal,
        onProgress: (p) =>
          progressLine(io, `${bar((p.imageIndex + p.done / Math.max(1, p.total)) / p.imageCount)} image ${p.imageIndex + 1}/${p.imageCount} · ${p.method} ${p.done}/${p.total}`),
        ...(a.previewEvery ? { previewEvery: a.previewEvery, onPreview } : {}),
      })) {
        done++;
        await record(r);
        writeResults();
        // Without a terminal (logs, CI): a line per image for small jobs, every 10 % for large ones.
        const step = images.length <= 20 ? 1 : Math.ceil(images.length / 10);
        if (!io.stderr.isTTY && (done % step === 0 || done === images.length)) io.stderr.write(`explained ${done}/${images.length}\n`);
      }
    } catch (e) {
      if (isCamscopeError(e) && e.code === 'CANCELLED') {
        cancelled = true;
        writeResults(true);
        progressLine(io, '');
        io.stderr.write(`camscope: cancelled after ${done} image(s); partial results in ${join(a.out, 'results.json')}\n`);
        return EXIT.cancelled;
      }
      if (results.length) writeResults(true);
      throw e;
    }
    writeResults(true);
    progressLine(io, '');
    const classes = classifier.profile.classes;
    const contrast = typeof choice === 'object' ? ` as "${classes[choice.classIndex]}, not ${classes[choice.versus]}"` : '';
    io.stdout.write(`${done - failed} of ${images.length} image(s) explained${contrast} with ${methods.map((m) => m.id).join(', ')} on ${classifier.provider}; results in ${resolve(a.out)}\n`);
    return failed || methodFailures ? EXIT.someFailed : EXIT.ok;
  } finally {
    await classifier.release();
  }
}
