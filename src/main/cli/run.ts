/**
 * `camscope` command line: a scripting contract over the engine. `runCli` takes its arguments and output streams,
 * so tests drive it in-process; main.ts is the executable entry.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CamscopeError, Classifier, demoImagesDir, demoModelPath, EXECUTION_PROVIDERS, PRECISIONS, type Precision, explainImages, inspectModel, isCamscopeError,
  METHOD_IDS, parseMethodList, type ClassChoice, type ExecutionProviderName, type ImageExplanation,
} from '../engine';
import { IMAGE_EXTENSIONS, writeMapPng, writeRgbPng } from '../engine/image/decode';
import { imageNamedFolderWarning, isImageNamedFolder, loadDataset } from '../engine/evaluate/dataset';
import { COLORMAPS, overlayHeatmap, type ColormapName } from '../engine/image/colormap';
import { VERSION } from '../engine/version';
import { PAPER_METHODS, runEvaluation, type DatasetChanges, type EvaluationResult } from '../engine/evaluate/run';
import { setProjectHolderCommand } from '../engine/evaluate/project-lock';
import { parseShard, type Shard } from '../engine/evaluate/shard';
import { evaluationRegions, regionArgs, REGION_OPTIONS, type RegionArgs } from './regions';
import { SANITY_USAGE, sanityCommand } from './sanity';
import { clusterCommand, mergeCommand } from './cluster';
import { RUN_OPTIONS } from './common';
import { writeReports, type FigureRow } from '../engine/report';
import { useProjectClassNames } from '../workbench/class-names';
import { scoreVariantLabel } from '../engine/report/format';
import { SCORE_VARIANTS, type CamMap, type PreviewFrame, type ScoreVariant } from '../engine/methods/base';
import { methodDisplayNames } from '../engine/methods/registry';
import { RANDOM_METHOD_ID } from '../engine/methods/random';

export interface CliIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  signal?: AbortSignal;
}

const USAGE = `camscope ${VERSION} — explain what an ONNX image classifier looks at

Usage:
  camscope inspect --model M.onnx
  camscope explain --model M.onnx [--layer NAME|auto] [--methods ${METHOD_IDS.join(',')}|all]
                   [--class predicted|N] [--ep ${EXECUTION_PROVIDERS.join('|')}] [--precision fp32|fp16] [--batch N]
                   [--colormap ${COLORMAPS.join('|')}] [--alpha 0.5] [--top-k 5] [--preview-every N] --out DIR IMAGE_OR_DIR...
  camscope evaluate --model M.onnx --dataset DIR [--labels CSV] [--sample N --seed S] [--methods ...] [--no-reference]
                   [--score prob|logit] [--steps 10] [--figure 4] [--project FILE] [--ep ...] [--precision ...]
                   [--batch N] [--shard I/N] [--regions PATH] [--region-class all|target]
                   [--pointing-tolerance 15] [--iou-threshold 0.5] [--road] --out DIR
  camscope merge --out DIR [--figure 4] [--model M.onnx] [--ep ...] PROJECT...
  camscope slurm --model M.onnx --dataset DIR [evaluate options] --shards N [--gpus-per-task 1]
                   [--cpus-per-task C] [--mem M] [--time T] [--partition P] [--account A] [--sbatch=OPT]
                   [--camscope CMD] --out DIR
  camscope k8s --model M.onnx --dataset DIR [evaluate options] --shards N --image IMG --pvc CLAIM --mount PATH
                   [--gpus-per-task 1] [--namespace NS] [--parallelism P] [--camscope CMD] --out DIR
${SANITY_USAGE}
  camscope demo [--out DIR] [--methods ...] [--ep ...]
  camscope --version | --help

evaluate writes DIR/report.{csv,json,html,pdf} and DIR/figure.{png,svg}. Its methods (default: the six paper
methods) always get the random map as a reference line (never in Win %, never marked best) unless --no-reference.
Per-image results go to the project database (default DIR/project.camscope) as they are computed, and an
interrupted run resumes where it stopped.
--road adds ROAD (noisy linear imputation, MoRF and LeRF at 10-90 %): 18 more model passes per image and method.
--shard I/N evaluates image positions p ≡ I (mod N) of the run's seeded sample into the project; merge checks
that its PROJECTs hold all N shards of one run and writes the reports an unsharded run would. slurm writes an
sbatch array script, a merge job and submit.sh into DIR; k8s writes an Indexed Job, a merge Job and submit-k8s.sh.
explain writes DIR/<stem>/<method>.png (16-bit grayscale map, value/65535, in the model's input frame),
DIR/<stem>/<method>-overlay.png, DIR/<stem>/input.png and DIR/results.json (rewritten every few seconds and at
the end; valid JSON at every moment, so a killed run leaves the images finished up to its last rewrite).
--preview-every N also writes Score-CAM/ScoreCAM++'s estimate after every N masked passes (k = 0 before any) as
DIR/<stem>/<method>.preview-<k>.png, listed under the method in results.json as previews: [{passes, ms, map}].
Approximate methods (not the papers' methods): <id>@topk=N, <id>@noscore for scorecam and scorecam++[_ablation].
Exit status: 0 all images explained, 1 some images failed (the others are still written), 2 bad usage or model,
130 cancelled.
`;

export class UsageError extends Error {}

const EXIT = { ok: 0, someFailed: 1, fatal: 2, cancelled: 130 } as const;

/** Shortest time between two rewrites of results.json while explain runs (see writeResults). */
const RESULTS_INTERVAL_MS = 2000;

/**
 * Image files named on the command line or found (recursively, sorted) in named folders, each with a unique stem.
 * A folder named like an image (`x.jpg/`, e.g. matched by a `*.jpg` glob) is skipped with a warning, not searched.
 */
export function collectImages(inputs: string[], warn: (message: string) => void = () => {}): { file: string; stem: string }[] {
  const out: { file: string; stem: string }[] = [];
  const used = new Set<string>();
  const add = (file: string, stem: string): void => {
    let unique = stem;
    for (let n = 2; used.has(unique); n++) unique = `${stem}-${n}`;
    used.add(unique);
    out.push({ file, stem: unique });
  };
  for (const input of inputs) {
    if (existsSync(input) && statSync(input).isDirectory()) {
      if (isImageNamedFolder(input)) {
        warn(imageNamedFolderWarning(input));
        continue;
      }
      const walk = (dir: string): string[] =>
        readdirSync(dir, { withFileTypes: true })
          .sort((a, b) => a.name.localeCompare(b.name))
          .flatMap((e) => {
            const path = join(dir, e.name);
            if (e.isDirectory()) {
              if (!isImageNamedFolder(e.name)) return walk(path);
              warn(imageNamedFolderWarning(path));
              return [];
            }
            return IMAGE_EXTENSIONS.includes(extname(e.name).toLowerCase()) ? [path] : [];
          });
      const files = walk(input);
      if (files.length === 0) throw new CamscopeError('INVALID_ARGUMENT', `No images found in folder ${input} (looked for ${IMAGE_EXTENSIONS.join(' ')}).`);
      // Stems keep the sub-folder so ImageFolder layouts (cat/1.jpg, dog/1.jpg) stay distinct: cat_1, dog_1.
      for (const f of files) add(f, relative(input, f).slice(0, -extname(f).length).split(/[\\/]/).join('_'));
    } else {
      add(input, basename(input, extname(input)));
    }
  }
  if (out.length === 0) throw new CamscopeError('INVALID_ARGUMENT', `No images to explain: every input was skipped (see the warnings above).`);
  return out;
}

function parseClass(v: string | undefined): ClassChoice {
  if (v === undefined || v === 'predicted') return 'predicted';
  if (!/^\d+$/.test(v)) throw new UsageError(`--class must be "predicted" or a class index, not "${v}".`);
  return Number(v);
}

function parseIntOption(name: string, v: string | undefined, fallback: number, min: number, max: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${v}".`);
  return n;
}

function progressLine(io: CliIo, text: string): void {
  if (io.stderr.isTTY) io.stderr.write(`\r\x1b[2K${text}`);
}

function bar(fraction: number, width = 24): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

interface ExplainArgs {
  model: string;
  layer?: string;
  methods: string;
  classChoice: ClassChoice;
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

async function explainCommand(a: ExplainArgs, io: CliIo): Promise<number> {
  const methods = parseMethodList(a.methods);
  const images = collectImages(a.inputs, (m) => io.stderr.write(`camscope: ${m}\n`));
  const classifier = await Classifier.load(a.model, { ep: a.ep, precision: a.precision, layer: a.layer });
  adoptFolderClassNames(classifier, a.inputs);
  try {
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
          class: a.classChoice,
          batchSize: a.batch ?? classifier.suggestedBatchSize(),
          colormap: a.colormap,
          alpha: a.alpha,
          topK: a.topK,
          preprocessing: classifier.profile,
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
      addResult({ file: r.file, stem, ok: true, predictions: r.predictions, ...predictedSet, target: r.target, methods: perMethod });
    };

    try {
      for await (const r of explainImages(classifier, images.map((i) => i.file), {
        methods,
        classChoice: a.classChoice,
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
    io.stdout.write(`${done - failed} of ${images.length} image(s) explained with ${methods.map((m) => m.id).join(', ')} on ${classifier.provider}; results in ${resolve(a.out)}\n`);
    return failed || methodFailures ? EXIT.someFailed : EXIT.ok;
  } finally {
    await classifier.release();
  }
}

export interface EvaluateArgs {
  model: string;
  dataset: string;
  labels?: string;
  sample: number | null;
  seed: number;
  /** The run's method ids, comma-separated: --methods (or the paper's six) and, unless reference is false, random. */
  methods: string;
  /** False with --no-reference: the random reference is not added. */
  reference: boolean;
  score: ScoreVariant;
  steps: number;
  figure: number;
  project?: string;
  ep: ExecutionProviderName;
  precision: Precision;
  batch?: number;
  layer?: string;
  colormap: ColormapName;
  out: string;
  shard?: Shard;
  /** Expert regions for localization (see ./regions). */
  regions: RegionArgs;
  /** --road: ROAD's 18 extra model passes per image and method (engine/evaluate/road.ts). */
  road: boolean;
}

/** "2 images changed (computed again), 1 removed, …", or '' when nothing changed. */
export function describeChanges(c: DatasetChanges): string {
  const n = (list: string[], what: string): string[] => (list.length ? [`${list.length} ${what}${list.length <= 3 ? ` (${list.join(', ')})` : ''}`] : []);
  return [
    ...n(c.changed, 'changed, computed again'),
    ...n(c.removed, 'removed, dropped from the table'),
    ...n(c.added, 'added'),
    ...n(c.retried, 'failed before, tried again'),
    ...n(c.relabelled, 'relabelled'),
  ].join('; ');
}

/** Rows of the qualitative figure: the first images of the sample, explained again (maps are not stored). */
export async function figureRows(result: Pick<EvaluationResult, 'items' | 'records' | 'settings'>, a: Pick<EvaluateArgs, 'figure' | 'batch' | 'colormap'>, classifier: Classifier): Promise<FigureRow[]> {
  const chosen = result.items.filter((i) => result.records.some((r) => r.file === i.file)).slice(0, a.figure);
  const rows: FigureRow[] = [];
  const methods = parseMethodList(result.settings.methods.join(','));
  for await (const r of explainImages(classifier, chosen.map((i) => i.path), { methods, batchSize: a.batch })) {
    if (!r.ok) continue;
    const item = chosen.find((i) => i.path === r.file)!;
    const classes = classifier.profile.classes;
    const label = item.label === null ? '' : `${classes[item.label]} → `;
    const overlays: Record<string, Uint8Array> = {};
    for (const m of r.maps) overlays[m.method] = overlayHeatmap(r.image.pixels, m.result.map, r.image.width, r.image.height, a.colormap, 0.5);
    rows.push({
      file: item.file,
      caption: `${item.file}: ${label}${r.target.className} (p=${r.target.probability.toFixed(2)})`,
      width: r.image.width,
      height: r.image.height,
      original: r.image.pixels,
      overlays,
      colormap: a.colormap,
    });
  }
  return rows;
}

async function evaluateCommand(a: EvaluateArgs, io: CliIo): Promise<number> {
  const methods = parseMethodList(a.methods);
  const classifier = await Classifier.load(a.model, { ep: a.ep, precision: a.precision, layer: a.layer });
  try {
    reportRuntime(classifier, io);
    mkdirSync(a.out, { recursive: true });
    const project = a.project ?? join(a.out, 'project.camscope');
    const localization = evaluationRegions(a.regions, { root: a.dataset, labels: a.labels, classes: classifier.profile.classes }, project, (m) => io.stderr.write(`camscope: ${m}\n`));
    if (localization) io.stderr.write(`camscope: localization against ${localization.regions.images.size} image(s) with regions from ${localization.regions.source}\n`);
    let lastLine = 0;
    const result = await runEvaluation({
      localization,
      classifier, methods, datasetRoot: a.dataset, labelsCsv: a.labels, sample: a.sample, seed: a.seed, score: a.score,
      curveSteps: a.steps, batchSize: a.batch, projectPath: project, requestedProvider: a.ep, shard: a.shard, signal: io.signal,
      road: a.road,
      onProgress: (p) => {
        if (p.file === null && p.fraction !== undefined) {
          // Within an image (score-based methods' masked passes): the terminal's bar moves; logs wait for the image.
          if (io.stderr.isTTY) progressLine(io, `${bar(p.fraction)} ${p.done}/${p.total} images · ${p.imagesPerSecond.toFixed(2)} img/s${p.etaSeconds === null ? '' : ` · ETA ${Math.ceil(p.etaSeconds)} s`}`);
          return;
        }
        if (p.file === null) {
          io.stderr.write(`camscope: evaluating ${p.total} image(s)${a.shard ? ` (shard ${a.shard.index}/${a.shard.count} of the run)` : ''} with ${methods.map((m) => m.id).join(', ')} (${scoreVariantLabel(a.score, classifier.scores)}) on ${classifier.provider}${p.resumed ? `; resuming, ${p.resumed} already done` : ''}\n`);
          const changed = p.changes ? describeChanges(p.changes) : '';
          if (changed) io.stderr.write(`camscope: since the last session of this evaluation: ${changed}\n`);
          return;
        }
        const eta = p.etaSeconds === null ? '' : ` · ETA ${Math.ceil(p.etaSeconds)} s`;
        const text = `${bar(p.done / p.total)} ${p.done}/${p.total} images · ${p.imagesPerSecond.toFixed(2)} img/s${eta}`;
        if (io.stderr.isTTY) progressLine(io, text);
        else if (p.done === p.total || p.done - lastLine >= Math.max(1, Math.ceil(p.total / 10))) {
          lastLine = p.done;
          io.stderr.write(`evaluated ${text.replace(/^\[[#.]+\] /, '')}\n`);
        }
      },
    });
    progressLine(io, '');
    // Names the user gave this model in the app's Classes editor (saved in the project) name the reports and figure.
    useProjectClassNames(classifier, result, project);
    const methodNames = methodDisplayNames();
    for (const m of methods) methodNames[m.id] ??= m.displayName;
    const figure = a.figure > 0 ? await figureRows(result, a, classifier) : [];
    const files = await writeReports(a.out, {
      settings: result.settings, table: result.table, accuracy: result.accuracy, failed: result.failed, records: result.records,
      elapsedSeconds: result.elapsedSeconds, methodNames, figure,
    });
    for (const f of result.failed) io.stderr.write(`error: ${f.file}: ${f.message}\n`);
    io.stdout.write(`${result.records.length} image(s) evaluated (${result.failed.length} failed) in ${result.elapsedSeconds.toFixed(1)} s; reports: ${files.map((f) => basename(f)).join(', ')} in ${resolve(a.out)}\n`);
    return result.failed.length ? EXIT.someFailed : EXIT.ok;
  } finally {
    await classifier.release();
  }
}


const EVALUATE_OPTIONS = { ...RUN_OPTIONS, project: { type: 'string' }, shard: { type: 'string' }, road: { type: 'boolean' }, ...REGION_OPTIONS } as const;

/** --ep and --precision, shared by explain and evaluate. */
function runtimeArgs(str: (k: string) => string | undefined): { ep: ExecutionProviderName; precision: Precision } {
  const ep = (str('ep') ?? 'cpu') as ExecutionProviderName;
  if (!EXECUTION_PROVIDERS.includes(ep)) throw new UsageError(`--ep must be one of ${EXECUTION_PROVIDERS.join(', ')}.`);
  const precision = (str('precision') ?? 'fp32') as Precision;
  if (!PRECISIONS.includes(precision)) throw new UsageError(`--precision must be one of ${PRECISIONS.join(', ')}.`);
  return { ep, precision };
}

/**
 * Says on stderr when the provider fell back (and why) and when fp16 scoring was asked for. An fp16 fallback happens
 * later, when the first scoring graph opens; results.json and the reports record it.
 */
function reportRuntime(classifier: Classifier, io: CliIo): void {
  if (classifier.fallbackReason) io.stderr.write(`camscope: ${classifier.fallbackReason}\n`);
  if (classifier.requestedPrecision === 'fp16') io.stderr.write('camscope: ScoreCAM scoring runs in fp16 (results differ from fp32 by rounding)\n');
}

/**
 * evaluate's method list: --methods (default: the six paper methods) with the `random` reference appended unless
 * --no-reference. Random is a line to beat, not a contender (REFERENCE_METHODS keeps it out of Win % and "best"),
 * so adding it changes none of the other methods' numbers. With --no-reference, `all` means every method but random.
 */
export function evaluateMethods(list: string | undefined, reference: boolean): string {
  const ids = parseMethodList(list ?? PAPER_METHODS.join(',')).map((m) => m.id);
  if (reference) return (ids.includes(RANDOM_METHOD_ID) ? ids : [...ids, RANDOM_METHOD_ID]).join(',');
  const named = (list ?? '').split(',').some((s) => s.trim().toLowerCase() === RANDOM_METHOD_ID);
  if (named) throw new UsageError(`--no-reference leaves out the ${RANDOM_METHOD_ID} reference, but --methods lists it; drop one of the two.`);
  const others = ids.filter((id) => id !== RANDOM_METHOD_ID);
  if (others.length === 0) throw new UsageError('--no-reference leaves no method to evaluate; name some with --methods.');
  return others.join(',');
}

export function evaluateArgs(values: Record<string, string | boolean | undefined>): EvaluateArgs {
  const str = (k: string): string | undefined => values[k] as string | undefined;
  const model = str('model');
  if (!model) throw new UsageError('--model is required.');
  const dataset = str('dataset');
  if (!dataset) throw new UsageError('--dataset is required.');
  const out = str('out');
  if (!out) throw new UsageError('--out is required.');
  const score = (str('score') ?? 'prob') as ScoreVariant;
  if (!SCORE_VARIANTS.includes(score)) throw new UsageError('--score must be prob or logit.');
  const { ep, precision } = runtimeArgs(str);
  const colormap = (str('colormap') ?? 'jet') as ColormapName;
  if (!COLORMAPS.includes(colormap)) throw new UsageError(`--colormap must be one of ${COLORMAPS.join(', ')}.`);
  return {
    model, dataset, out, score, ep, precision, colormap,
    labels: str('labels'),
    layer: str('layer'),
    project: str('project'),
    sample: str('sample') === undefined ? null : parseIntOption('sample', str('sample'), 0, 1, 10_000_000),
    seed: parseIntOption('seed', str('seed'), 0, 0, 2 ** 31 - 1),
    methods: evaluateMethods(str('methods'), values['no-reference'] !== true),
    reference: values['no-reference'] !== true,
    steps: parseIntOption('steps', str('steps'), 10, 0, 1000),
    figure: parseIntOption('figure', str('figure'), 4, 0, 100),
    batch: str('batch') === undefined ? undefined : parseIntOption('batch', str('batch'), 32, 1, 4096),
    shard: shardOption(str('shard')),
    regions: regionArgs(str, (m) => new UsageError(m)),
    road: values.road === true,
  };
}

/** --shard I/N; SLURM_ARRAY_TASK_ID and the like are never read implicitly (the job scripts pass them). */
function shardOption(v: string | undefined): Shard | undefined {
  if (v === undefined) return undefined;
  try {
    return parseShard(v);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

const EXPLAIN_OPTIONS = {
  model: { type: 'string' },
  layer: { type: 'string' },
  methods: { type: 'string' },
  class: { type: 'string' },
  ep: { type: 'string' },
  precision: { type: 'string' },
  batch: { type: 'string' },
  colormap: { type: 'string' },
  alpha: { type: 'string' },
  'top-k': { type: 'string' },
  out: { type: 'string' },
  'preview-every': { type: 'string' },
} as const;

function explainArgs(values: Record<string, string | boolean | undefined>, positionals: string[], defaults: Partial<ExplainArgs>): ExplainArgs {
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
    ep,
    precision,
    batch: str('batch') === undefined ? undefined : parseIntOption('batch', str('batch'), 32, 1, 4096),
    colormap,
    alpha,
    topK: parseIntOption('top-k', str('top-k'), 5, 1, 1000),
    out,
    inputs,
    previewEvery: str('preview-every') === undefined ? undefined : parseIntOption('preview-every', str('preview-every'), 64, 1, 1_000_000),
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

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(USAGE);
        return command === undefined ? EXIT.fatal : EXIT.ok;
      case '--version':
      case 'version':
        io.stdout.write(`${VERSION}\n`);
        return EXIT.ok;
      case 'inspect': {
        const { values } = parseArgs({ args: rest, options: { model: { type: 'string' } }, strict: true });
        if (!values.model) throw new UsageError('--model is required.');
        io.stdout.write(`${JSON.stringify(await inspectModel(values.model), null, 2)}\n`);
        return EXIT.ok;
      }
      case 'explain': {
        const { values, positionals } = parseArgs({ args: rest, options: EXPLAIN_OPTIONS, allowPositionals: true, strict: true });
        return await explainCommand(explainArgs(values, positionals, {}), io);
      }
      case 'evaluate': {
        const { values } = parseArgs({ args: rest, options: EVALUATE_OPTIONS, allowPositionals: false, strict: true });
        setProjectHolderCommand('camscope evaluate');
        return await evaluateCommand(evaluateArgs(values), io);
      }
      case 'sanity':
        return await sanityCommand(rest, io, collectImages, (m) => new UsageError(m));
      case 'merge':
        return await mergeCommand(rest, io);
      case 'slurm':
      case 'k8s':
        return await clusterCommand(command, rest, io);
      case 'demo': {
        const { values, positionals } = parseArgs({ args: rest, options: EXPLAIN_OPTIONS, allowPositionals: true, strict: true });
        if (values.model) throw new UsageError('demo uses the embedded model; use "camscope explain --model" for your own.');
        const args = explainArgs(values, positionals, {
          model: demoModelPath(),
          out: 'camscope-demo',
          inputs: [demoImagesDir()],
          methods: 'scorecam++,scorecam',
        });
        io.stdout.write(`camscope demo: explaining ${args.inputs.join(', ')} with the embedded Fashion-MNIST model\n`);
        const code = await explainCommand(args, io);
        io.stdout.write(`Open ${resolve(args.out)} to see the maps (<image>/<method>-overlay.png) and results.json.\n`);
        return code;
      }
      default:
        throw new UsageError(`Unknown command "${command}". Commands: inspect, explain, evaluate, sanity, merge, slurm, k8s, demo.`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
      io.stderr.write(`camscope: ${e.message}\nRun "camscope --help" for usage.\n`);
      return EXIT.fatal;
    }
    if (isCamscopeError(e)) {
      io.stderr.write(`camscope: error: ${e.message}\n`);
      return e.code === 'CANCELLED' ? EXIT.cancelled : EXIT.fatal;
    }
    io.stderr.write(`camscope: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.fatal;
  }
}
