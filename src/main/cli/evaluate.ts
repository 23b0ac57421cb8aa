/**
 * `camscope evaluate`: the faithfulness metrics (and, with regions, localization) of each method over a dataset,
 * into the project file as they are computed and into the reports at the end. `--shard I/N` evaluates one shard;
 * `merge` (./merge) and the job generators (./cluster) reuse its arguments and its figure.
 */
import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Classifier, explainImages, parseMethodList, type ExecutionProviderName, type Precision } from '../engine';
import { COLORMAPS, overlayHeatmap, type ColormapName } from '../engine/image/colormap';
import { PAPER_METHODS, runEvaluation, type DatasetChanges, type EvaluationResult } from '../engine/evaluate/run';
import { parseShard, type Shard } from '../engine/evaluate/shard';
import { writeReports, type FigureRow } from '../engine/report';
import { scoreVariantLabel } from '../engine/report/format';
import { SCORE_VARIANTS, type ScoreVariant } from '../engine/methods/base';
import { methodDisplayNames } from '../engine/methods/registry';
import { RANDOM_METHOD_ID } from '../engine/methods/random';
import { useProjectClassNames } from '../workbench/class-names';
import { evaluationRegions, regionArgs, REGION_OPTIONS, type RegionArgs } from './regions';
import { bar, EXIT, intensityOption, parseIntOption, progressLine, reportRuntime, RUN_OPTIONS, runtimeArgs, UsageError, type CliIo } from './common';

export const EVALUATE_OPTIONS = { ...RUN_OPTIONS, project: { type: 'string' }, shard: { type: 'string' }, road: { type: 'boolean' }, ...REGION_OPTIONS } as const;

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
  /** --intensity: how DICOM and 16-bit images become 8-bit pixels, over the sidecar's "intensity" (stable string form). */
  intensity?: string;
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

/** evaluate's options, checked; the job generators check theirs with it too, before writing any job. */
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
    regions: regionArgs(str),
    road: values.road === true,
    ...(str('intensity') === undefined ? {} : { intensity: intensityOption(str('intensity')) }),
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

/** Evaluates the dataset (or one shard of it) and writes the reports; exit 1 when some images failed. */
export async function evaluateCommand(a: EvaluateArgs, io: CliIo): Promise<number> {
  const methods = parseMethodList(a.methods);
  const classifier = await Classifier.load(a.model, { ep: a.ep, precision: a.precision, layer: a.layer, intensity: a.intensity });
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
      curveSteps: a.steps, batchSize: a.batch, projectPath: project, requestedProvider: a.ep, shard: a.shard, road: a.road, signal: io.signal,
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
