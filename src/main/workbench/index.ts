/**
 * The engine process's session while it is split into one service per domain (what is open: state.ts; the project's
 * result cache: result-cache.ts; class names: class-names.ts; predictions: predictions.ts; passes and maps: maps.ts). Every operation of the desktop workbench runs here.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type {
  Annotation,
  AnnotationPatch,
  DatasetListing,
  EvaluationDetail,
  EvaluationSummary,
  ExecutionProviderName,
  ExplainSummary,
  ExplainTarget,
  ExportResult,
  FaithfulnessRow,
  ImageFrame,
  LayerSweep,
  MethodDescriptor,
  ModelState,
  ModelPrecision,
  NewAnnotation,
  Precision,
  PredictionRunSummary,
  Prediction,
  RegionAgreement,
  RegionImportResult,
  Thumbnail,
  ColormapChoice,
  ClassNames,
  ScoreVariantName,
} from '../../shared/api';
import type { ExplainPartial, JobContext, JobProgressBody, PredictPartial, ProjectContext, ProjectStats } from './ops';
import { WorkbenchState, workbenchError } from './state';
import { faithfulnessRow, ResultCache } from './result-cache';
import { PredictionService } from './predictions';
import { fastFirst, MapService, type ImagePass } from './maps';
import { CamscopeError, errorMessage, throwIfCancelled } from '../engine/errors';
import { loadDataset, type Dataset } from '../engine/evaluate/dataset';
import { ProjectDb } from '../engine/evaluate/project-db';
import { contentId, isCorrect, runEvaluation, scoreExplanation } from '../engine/evaluate/run';
import {
  decodeFloats, decodeJson, encodeFloats, encodeJson, encodeMap, faithfulnessKey, mapKey, predictionKey,
} from '../engine/cache/results';
import { prepareImage } from '../engine/image/preprocess';
import { classScore } from '../engine/model/scores';
import type { ImageRecord } from '../engine/evaluate/types';
import { explainImages, topPredictions, type ImageExplanation, type MethodOutcome } from '../engine/explain';
import { overlayHeatmap } from '../engine/image/colormap';
import { writeFileAtomic } from '../engine/io/atomic-write';
import type { PreparedImage } from '../engine/image/preprocess';
import { makeThumbnail } from '../engine/image/thumbnail';
import { createMethod, methodDisplayNames as displayNames, METHODS } from '../engine/methods/registry';
import type { PreviewFrame } from '../engine/methods/base';
import { computeTable } from '../engine/metrics/table';
import { withLocalization } from '../engine/metrics/localization/evaluation';
import { withScoreFree } from '../engine/evaluate/score-free';
import { ExportProgress, expectedUnits } from './export-progress';
import { Classifier } from '../engine/model/classifier';
import { buildFigureSvg, METRICS, renderFigurePng, writeReports, type FigureRow, type ReportInput } from '../engine/report';
import { PRECISIONS } from '../engine/types';
import { VERSION } from '../engine/version';
import { fromRow, newAnnotationGeometry, geometryJson, toCoco } from './annotations';
import { LruCache } from './lru';
import { ClassNamesService, named, namedSettings, readClassNames } from './class-names';
import { evaluationRegionsOf, importRegions, projectFolderRegions } from './regions';
import { argmaxFirst, DEFAULT_LOCALIZATION, localize } from '../engine/metrics/localization';
import { imageFrameRegions } from '../engine/metrics/localization/image';
import { openImageFile } from '../engine/image/decode';
import { frameTransform as inputFrameTransform } from '../engine/regions/frame';
import type { ModelProfile } from '../engine/types';

type Progress = JobProgressBody;

const THUMBNAIL_CACHE_BYTES = 256 * 1024 * 1024;
const LABEL_FILES = ['labels.csv', 'labels.CSV', 'Labels.csv'];

export function methodDescriptors(): MethodDescriptor[] {
  return METHODS.map((m) => ({
    id: m.id,
    displayName: m.displayName,
    paper: m.paper,
    needsGradients: m.needsGradients,
    // Score-based methods run one forward pass per channel; gradient methods and the random reference are instant.
    speed: m.needsGradients || m.reference ? 'fast' : 'slow',
  }));
}


function findLabelsCsv(root: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return undefined;
  }
  const found = LABEL_FILES.find((n) => names.includes(n));
  return found ? join(root, found) : undefined;
}

/** A precision read back from a project file (anything else is ignored: the settings' choice applies). */
export function knownPrecision(value: string | null): Precision | null {
  return PRECISIONS.includes(value as Precision) ? (value as Precision) : null;
}


export class WorkbenchSession {
  readonly state = new WorkbenchState();
  readonly cache = new ResultCache(this.state);
  readonly namesService = new ClassNamesService(this.state);
  private readonly thumbnails = new LruCache<string, Thumbnail>(THUMBNAIL_CACHE_BYTES, (t) => t.bytes.byteLength + 64);
  readonly predictionService = new PredictionService(this.state, this.cache);
  readonly mapService = new MapService(this.state, this.cache, this.predictionService);
  /**
   * The open model opened again at other target layers, for the layer sweep (each layer is an extra output of its
   * own inference session, so a layer needs its own classifier). Opened lazily, kept until the next model.
   */
  private readonly sweepModels = new Map<string, Classifier>();
  private sweepKey = '';

  cacheUsage(): Record<string, { entries: number; bytes: number }> {
    return this.cache.cacheUsage();
  }

  clearCache(): Record<string, { entries: number; bytes: number }> {
    return this.cache.clearCache();
  }

  classNames(): ClassNames {
    return this.namesService.classNames();
  }

  setClassNames(names: string[] | null): ClassNames {
    return this.namesService.setClassNames(names);
  }

  // ---- model ----------------------------------------------------------------------------------------------

  async loadModel(args: { path: string; provider: ExecutionProviderName; precision: Precision; layer: string }): Promise<ModelState> {
    const next = await Classifier.load(args.path, { ep: args.provider, precision: args.precision, layer: args.layer });
    const previous = this.state.setModel(next, args);
    this.predictionService.reset();
    this.mapService.reset();
    if (previous) await previous.release().catch(() => {});
    // Another layer of the same model keeps the sweep's sessions (they do not depend on the chosen layer).
    const sweepKey = `${next.inspection.fingerprint}|${args.provider}|${args.precision}`;
    if (sweepKey !== this.sweepKey) await this.releaseSweepModels();
    this.sweepKey = sweepKey;
    // Labels are mapped to the model's class names: re-read the folder with the new classes.
    if (this.state.dataset) this.state.rereadDataset(this.readDataset(this.state.dataset.root));
    this.namesService.reload();
    return this.modelState();
  }

  private modelState(): ModelState {
    const c = this.state.requireModel();
    return {
      inspection: this.namesService.namedInspection(c),
      layer: c.layer,
      provider: { requested: this.state.model!.args.provider, used: c.provider, fallbackReason: c.fallbackReason },
      precision: this.modelPrecision(),
      methods: methodDescriptors(),
    };
  }

  /** The scoring precision as it stands now: a requested fp16 falls back to fp32 when the scoring graph first opens. */
  private modelPrecision(): ModelPrecision {
    const c = this.state.requireModel();
    return { requested: c.requestedPrecision, used: c.precision, fallbackReason: c.precisionFallbackReason };
  }

  // ---- dataset ----------------------------------------------------------------------------------------------

  private readDataset(root: string): Dataset {
    const classes = this.state.classifier?.profile.classes ?? [];
    const dataset = loadDataset(resolve(root), classes, findLabelsCsv(root));
    // A model without class names takes the folder's (sorted folder or label names, as torchvision numbers them).
    if (dataset.classNames && this.state.classifier?.adoptClassNames(dataset.classNames)) this.predictionService.reset();
    return dataset;
  }

  openDataset(root: string): DatasetListing {
    const dataset = this.readDataset(root);
    if (this.state.dataset?.root !== dataset.root) {
      this.thumbnails.clear();
    }
    this.state.setDataset(dataset);
    this.predictionService.reset();
    this.mapService.reset();
    return this.listing();
  }

  listing(): DatasetListing {
    const d = this.state.requireDataset();
    return {
      root: d.root,
      name: basename(d.root),
      layout: d.layout,
      labels: d.labels,
      labelMapping: d.labelMapping,
      classes: this.state.classifier ? { names: this.namesService.names(), source: this.namesService.namedInspection(this.state.classifier).classesSource } : null,
      items: d.items.map((i) => ({ file: i.file, label: i.label, labelName: i.labelName })),
    };
  }

  async thumbnailsFor(indices: number[]): Promise<Thumbnail[]> {
    const d = this.state.requireDataset();
    return Promise.all(
      indices.map(async (index): Promise<Thumbnail> => {
        const item = d.items[index];
        if (!item) return { index, bytes: new Uint8Array(0), mime: 'image/png', error: 'No such image.' };
        const cached = this.thumbnails.get(item.path);
        if (cached) return { ...cached, index };
        try {
          const t = await makeThumbnail(item.path);
          const thumb: Thumbnail = { index, bytes: t.bytes, mime: t.mime };
          this.thumbnails.set(item.path, thumb);
          return thumb;
        } catch (e) {
          return { index, bytes: new Uint8Array(0), mime: 'image/png', error: errorMessage(e) };
        }
      }),
    );
  }

  // ---- predictions ------------------------------------------------------------------------------------------

  predict(ctx: JobContext): Promise<PredictionRunSummary> {
    return this.predictionService.predict(ctx);
  }

  // ---- the result cache (in the project; see engine/cache/results.ts) ---------------------------------------

  // ---- class names (workbench/class-names.ts) ---------------------------------------------------------------

  // ---- explanations -----------------------------------------------------------------------------------------

  async explain(args: { image: number; classIndex: number | null; methods: string[] }, ctx: JobContext): Promise<ExplainSummary> {
    for (const id of args.methods) createMethod(id); // unknown ids fail before any work
    const pass = await this.mapService.pass(args.image, args.classIndex, ctx.signal);
    const image: ExplainPartial = {
      kind: 'image',
      frame: this.mapService.frame(args.image, pass.image),
      predictions: pass.predictions.map((p) => named(p, this.namesService.names())),
      target: { classIndex: pass.target.classIndex, className: this.namesService.names()[pass.target.classIndex], probability: pass.target.probability },
    };
    ctx.partial(image);
    const summary: ExplainSummary = { image: args.image, target: image.target, methods: [], precision: this.modelPrecision() };
    const order = fastFirst(args.methods);
    for (const [i, id] of order.entries()) {
      throwIfCancelled(ctx.signal);
      try {
        let total = 0;
        const { outcome } = await this.mapService.mapFor(args.image, pass.target.classIndex, id, ctx.signal, (done, all) => {
          total = all;
          const p: Progress = { stage: 'explain', method: id, done, total: all, message: `${i + 1} of ${order.length}` };
          ctx.partial(p);
        }, (frame) => {
          // Score-based maps sharpen while they run: each estimate is shown as a preview until the exact map arrives.
          const [h, w] = this.state.requireModel().profile.inputSize;
          const preview: ExplainPartial = {
            kind: 'map', method: id, map: frame.map, width: w, height: h, flat: false, timeMs: frame.ms,
            preview: { passes: frame.passes, total: Math.max(total, frame.passes) },
          };
          ctx.partial(preview);
        });
        const map: ExplainPartial = {
          kind: 'map',
          method: id,
          map: outcome.result.map,
          width: outcome.result.width,
          height: outcome.result.height,
          flat: outcome.result.flat,
          timeMs: outcome.timeMs,
        };
        ctx.partial(map);
        summary.methods.push({ id, ok: true });
      } catch (e) {
        if (e instanceof CamscopeError && e.code === 'CANCELLED') throw e;
        summary.methods.push({ id, ok: false, error: errorMessage(e) });
      }
    }
    summary.precision = this.modelPrecision();
    return summary;
  }

  async faithfulness(args: { image: number; classIndex: number | null; methods: string[] }, ctx: JobContext): Promise<FaithfulnessRow[]> {
    const classifier = this.state.requireModel();
    const pass = await this.mapService.pass(args.image, args.classIndex, ctx.signal);
    const content = contentId(this.state.item(args.image).path);
    const keyOf = (id: string): string => faithfulnessKey(classifier, content ?? '', pass.target.classIndex, id);
    // Per-image values the project already holds (from this view or an evaluation) are not computed again.
    const known = content
      ? this.cache.fromCache((get) => args.methods.map((id) => get(keyOf(id))).map((b) => (b ? decodeJson<FaithfulnessRow>(b) : null)), [] as (FaithfulnessRow | null)[])
      : [];
    if (known.length === args.methods.length && known.every(Boolean)) return known as FaithfulnessRow[];
    const maps: MethodOutcome[] = [];
    const order = fastFirst(args.methods);
    for (const [i, id] of order.entries()) {
      const p: Progress = { stage: 'faithfulness', method: id, done: i, total: order.length };
      ctx.partial(p);
      maps.push((await this.mapService.mapFor(args.image, pass.target.classIndex, id, ctx.signal)).outcome);
    }
    throwIfCancelled(ctx.signal);
    const r: Extract<ImageExplanation, { ok: true }> = {
      ok: true,
      file: this.state.item(args.image).path,
      image: pass.image,
      predictions: pass.predictions,
      logits: pass.logits,
      target: pass.target,
      maps,
    };
    const scored = await scoreExplanation(classifier, r, 0, classifier.suggestedBatchSize());
    const rows = args.methods.map((id) => faithfulnessRow(id, pass.target.probability, scored[id]));
    if (content) this.cache.storeInCache(rows.map((row) => ({ key: keyOf(row.method), kind: 'faithfulness', bytes: encodeJson(row) })));
    return rows;
  }

  // ---- layer sweep ------------------------------------------------------------------------------------------

  private async releaseSweepModels(): Promise<void> {
    const open = [...this.sweepModels.values()];
    this.sweepModels.clear();
    await Promise.all(open.map((c) => c.release().catch(() => {})));
  }

  /** The open model at another target layer (opened once per layer and kept; the open layer is the model itself). */
  private async sweepModel(layer: string): Promise<Classifier> {
    const main = this.state.requireModel();
    if (layer === main.layer.name) return main;
    const key = layer;
    const known = this.sweepModels.get(key);
    if (known) return known;
    const args = this.state.model!.args;
    const c = await Classifier.load(args.path, { ep: args.provider, precision: args.precision, layer });
    // The open model may have been named after the folder's classes: the sweep's copy uses the same names.
    c.adoptClassNames(main.profile.classes);
    if (this.state.classifier !== main) {
      await c.release().catch(() => {});
      throw new CamscopeError('CANCELLED', 'The job was cancelled.');
    }
    this.sweepModels.set(key, c);
    return c;
  }

  /**
   * Grad-CAM (a gradient method: milliseconds per map) of one image at each of the model's last `count` candidate
   * layers, all explaining the same class, so the user picks a layer by seeing its map. Limited to the last layers
   * because every other layer costs one more opened session (kept for the next sweep of any image).
   */
  async sweepLayers(args: { image: number; classIndex: number | null; count: number }, ctx: JobContext): Promise<LayerSweep> {
    const main = this.state.requireModel();
    const pass = await this.mapService.pass(args.image, args.classIndex, ctx.signal);
    const item = this.state.item(args.image);
    const layers = main.inspection.candidateLayers.slice(-Math.max(1, args.count));
    const sweep: LayerSweep = {
      image: args.image,
      frame: this.mapService.frame(args.image, pass.image),
      target: { classIndex: pass.target.classIndex, className: this.namesService.names()[pass.target.classIndex], probability: pass.target.probability },
      layers: [],
    };
    for (const [i, layer] of layers.entries()) {
      throwIfCancelled(ctx.signal);
      const p: Progress = { stage: 'sweep', done: i, total: layers.length, message: layer.name };
      ctx.partial(p);
      try {
        const classifier = await this.sweepModel(layer.name);
        let result: ImageExplanation | undefined;
        for await (const r of explainImages(classifier, [item.path], {
          methods: [createMethod('gradcam')],
          classChoice: pass.target.classIndex,
          topK: 1,
          signal: ctx.signal,
        })) {
          result = r;
        }
        if (!result || !result.ok) throw new CamscopeError('INVALID_IMAGE', result && !result.ok ? result.error.message : `Nothing could be read from ${item.file}.`);
        const skipped = result.methodErrors?.find((m) => m.method === 'gradcam');
        if (skipped) throw new CamscopeError('UNSUPPORTED_MODEL', skipped.message);
        const outcome = result.maps.find((m) => m.method === 'gradcam');
        if (!outcome) throw new CamscopeError('UNSUPPORTED_MODEL', `Grad-CAM produced no map for ${item.file} at this layer.`);
        const { map, width, height, flat } = outcome.result;
        sweep.layers.push({ layer: layer.name, map, width, height, flat, timeMs: outcome.timeMs, error: null });
      } catch (e) {
        if (e instanceof CamscopeError && e.code === 'CANCELLED') throw e;
        sweep.layers.push({ layer: layer.name, map: null, width: 0, height: 0, flat: false, timeMs: 0, error: errorMessage(e) });
      }
    }
    const done: Progress = { stage: 'sweep', done: layers.length, total: layers.length };
    ctx.partial(done);
    return sweep;
  }

  // ---- sanity checks (workbench/sanity-job.ts) ---------------------------------------------------------------

  /**
   * What a sanity check runs on: the open model's file with its provider, precision and resolved target layer, its
   * class names, the folder's images, and their frames as the model sees them (for the strip figure).
   */
  sanitySource(): {
    modelPath: string;
    load: { ep: ExecutionProviderName; precision: Precision; layer: string };
    classes: string[];
    items: { file: string; path: string }[];
    frame: (index: number, signal: AbortSignal) => Promise<ImageFrame>;
  } {
    const c = this.state.requireModel();
    const d = this.state.requireDataset();
    const args = this.state.model!.args;
    return {
      modelPath: args.path,
      load: { ep: args.provider, precision: args.precision, layer: c.layer.name },
      // The names the other screens show: the project's for this model, else the model's own.
      classes: this.namesService.names(),
      items: d.items.map((i) => ({ file: i.file, path: i.path })),
      frame: async (index, signal) => this.mapService.frame(index, (await this.mapService.pass(index, null, signal)).image),
    };
  }

  // ---- project ----------------------------------------------------------------------------------------------

  openProject(path: string): { context: ProjectContext; stats: ProjectStats } {
    const db = new ProjectDb(path); // creates the file when new; refuses files that are not camscope projects
    db.close();
    this.state.setProject(path);
    this.namesService.reload();
    return { context: this.context(), stats: this.stats() };
  }

  private context(): ProjectContext {
    return this.state.withDb((db) => ({
      modelPath: db.getMeta('model.path'),
      provider: (db.getMeta('model.provider') as ExecutionProviderName | null) ?? null,
      precision: knownPrecision(db.getMeta('model.precision')),
      layer: db.getMeta('model.layer'),
      datasetRoot: db.getMeta('dataset.root'),
    }));
  }

  setContext(patch: Partial<ProjectContext>): ProjectStats {
    this.state.withDb((db) => {
      if (patch.modelPath !== undefined) db.setMeta('model.path', patch.modelPath);
      if (patch.provider !== undefined) db.setMeta('model.provider', patch.provider);
      if (patch.precision !== undefined) db.setMeta('model.precision', patch.precision);
      if (patch.layer !== undefined) db.setMeta('model.layer', patch.layer);
      if (patch.datasetRoot !== undefined) db.setMeta('dataset.root', patch.datasetRoot);
    });
    return this.stats();
  }

  stats(): ProjectStats {
    return this.state.withDb((db) => ({ annotationCount: db.annotationCount(), evaluationCount: db.evaluations().length }));
  }

  async saveProjectAs(dest: string): Promise<{ context: ProjectContext; stats: ProjectStats }> {
    const current = this.state.requireProject();
    if (this.state.evaluating) {
      throw workbenchError('BUSY', 'An evaluation is running; save the project when it has finished (or cancel it).');
    }
    if (resolve(dest) !== resolve(current)) {
      await mkdir(resolve(dest, '..'), { recursive: true });
      await copyFile(current, dest);
    }
    return this.openProject(dest);
  }

  listAnnotations(image?: string): Annotation[] {
    return this.state.withDb((db) => db.annotations(image).map(fromRow));
  }

  addAnnotation(a: NewAnnotation): Annotation {
    // The open folder is recorded with the annotation: another folder's file of the same relative path is not it.
    const geometry = newAnnotationGeometry(a, this.state.dataset?.root ?? null);
    return fromRow(this.state.withDb((db) => db.addAnnotation({ image: a.image, kind: a.kind, label: a.label.trim(), note: a.note, geometry })));
  }

  updateAnnotation(patch: AnnotationPatch): Annotation {
    return this.state.withDb((db) => {
      const current = db.annotation(patch.id);
      if (!current) throw new CamscopeError('INVALID_ARGUMENT', 'That annotation no longer exists.');
      const before = fromRow(current);
      const geometry = patch.points ? geometryJson(before.kind, patch.points, before.imageSize, before.dataset) : undefined;
      return fromRow(db.updateAnnotation(patch.id, { label: patch.label?.trim(), note: patch.note, geometry })!);
    });
  }

  deleteAnnotation(id: number): { deleted: boolean } {
    return { deleted: this.state.withDb((db) => db.deleteAnnotation(id)) };
  }

  async exportCoco(dest: string): Promise<{ path: string }> {
    const annotations = this.listAnnotations();
    const doc = toCoco(annotations, { version: VERSION, datasetRoot: this.state.dataset?.root ?? this.context().datasetRoot });
    await writeFileAtomic(dest, JSON.stringify(doc, null, 2) + '\n');
    return { path: dest };
  }

  // ---- expert regions (workbench/regions.ts) ----------------------------------------------------------------

  /** Imports regions from a path main's open dialog returned, matched to the open folder's images. */
  async importRegions(path: string): Promise<RegionImportResult> {
    const d = this.state.requireDataset();
    const projectPath = this.state.requireProject();
    const byFile = new Map(d.items.map((i) => [i.file, i.path]));
    const db = new ProjectDb(projectPath);
    try {
      return await importRegions(db, path, {
        root: d.root,
        files: d.items.map((i) => i.file),
        sizeOf: async (file) => {
          const image = await openImageFile(byFile.get(file)!);
          return { width: image.width, height: image.height };
        },
      });
    } finally {
      db.close();
    }
  }

  /**
   * How each computed map of an image agrees with its expert regions (the engine's localization functions, CLI
   * defaults). Only maps already computed are used: this never starts a slow method.
   */
  async regionAgreement(args: { image: number; classIndex: number | null; methods: string[] }): Promise<RegionAgreement | null> {
    const d = this.state.requireDataset();
    if (!this.state.projectPath) return null;
    const classifier = this.state.requireModel();
    const item = this.state.item(args.image);
    const regions = this.state.withDb((db) => projectFolderRegions(db, d.root, undefined, item.file)).images.get(item.file) ?? [];
    if (!regions.length) return null;
    const pass = await this.mapService.pass(args.image, args.classIndex, new AbortController().signal);
    const c = pass.target.classIndex;
    const original = { width: pass.image.originalWidth, height: pass.image.originalHeight };
    const frame = await imageFrameRegions(regions, pass.target.className, original, classifier.profile, 'all');
    if (!frame) return null;
    const methods = args.methods.flatMap((id) => {
      const m = this.mapService.known(args.image, c, id);
      if (!m || m.result.width !== frame.width || m.result.height !== frame.height) return [];
      // Whether the peak pixel itself is in a region: a pointing hit may be a near miss within the tolerance.
      const peak = argmaxFirst(m.result.map);
      return [{
        method: id,
        ...localize(m.result.map, frame, DEFAULT_LOCALIZATION),
        peak_in_region: frame.area > 0 ? frame.mask[peak] === 1 : null,
        pointingTolerance: DEFAULT_LOCALIZATION.pointingTolerance,
      }];
    });
    return { image: args.image, classIndex: c, regions: regions.length, methods };
  }

  // ---- evaluations ------------------------------------------------------------------------------------------

  async evaluate(args: { methods: string[]; sample: number | null; seed: number; score: ScoreVariantName }, ctx: JobContext): Promise<EvaluationSummary> {
    const classifier = this.state.requireModel();
    const d = this.state.requireDataset();
    const projectPath = this.state.requireProject();
    if (this.state.evaluating) {
      throw workbenchError('BUSY', 'An evaluation is already running; wait for it or cancel it first.');
    }
    this.state.evaluating = true;
    try {
      // The project's expert regions for this folder, as `camscope evaluate` uses them (CLI defaults).
      const localization = this.state.withDb((db) => evaluationRegionsOf(db, d.root, d.items.map((i) => i.file)));
      const result = await runEvaluation({
        ...(localization ? { localization } : {}),
        classifier,
        methods: args.methods.map(createMethod),
        datasetRoot: d.root,
        labelsCsv: d.labels ?? undefined,
        sample: args.sample,
        seed: args.seed,
        score: args.score,
        projectPath,
        requestedProvider: this.state.model?.args.provider,
        signal: ctx.signal,
        // The evaluation fills the cache: drill-down, figures and per-image faithfulness then run no model.
        onScored: (r, scored) => {
          const content = contentId(r.file);
          if (!content) return;
          const c = r.target.classIndex;
          this.cache.storeInCache([
            { key: predictionKey(classifier, content), kind: 'prediction', bytes: encodeFloats(r.logits) },
            ...r.maps.flatMap((m) => [
              { key: mapKey(classifier, content, c, { id: m.method, settings: createMethod(m.method).settings }), kind: 'map', bytes: encodeMap(m) },
              { key: faithfulnessKey(classifier, content, c, m.method), kind: 'faithfulness', bytes: encodeJson(faithfulnessRow(m.method, r.target.probability, scored[m.method])) },
            ]),
          ]);
        },
        onProgress: (p) => {
          const progress: Progress = {
            stage: 'evaluate',
            done: p.done,
            total: p.total,
            ...(p.fraction !== undefined ? { fraction: p.fraction } : {}),
            rate: p.imagesPerSecond,
            etaSeconds: p.etaSeconds,
            message: p.file ?? undefined,
          };
          ctx.partial(progress);
        },
      });
      return {
        id: result.evalId,
        status: 'complete',
        settings: namedSettings(result.settings, this.namesService.savedFor(classifier)),
        table: result.table,
        accuracy: result.accuracy,
        failed: result.failed,
        elapsedSeconds: result.elapsedSeconds,
        images: result.records.length,
      };
    } finally {
      this.state.evaluating = false;
    }
  }

  private evaluationDetail(db: ProjectDb, id: number): EvaluationDetail {
    const run = db.evaluations().find((e) => e.id === id);
    if (!run) throw new CamscopeError('INVALID_ARGUMENT', `There is no evaluation number ${id} in this project.`);
    const rows = db.images(id);
    const records: ImageRecord[] = rows.flatMap((r) => (r.record ? [r.record] : []));
    const failed = rows.flatMap((r) => (r.error !== null ? [{ file: r.file, message: r.error }] : []));
    const labelled = records.filter((r) => r.label !== null);
    return {
      id,
      status: run.status === 'running' && !this.state.evaluating ? 'cancelled' : run.status,
      // The project's class names for that run's model (the Classes editor), in the tables, drill-down and reports.
      settings: namedSettings(run.settings, readClassNames(db, run.settings.model.fingerprint, run.settings.model.classes.length)),
      table: withScoreFree(withLocalization(computeTable(records, run.settings.methods, run.settings.score), records), records),
      accuracy: labelled.length ? { correct: labelled.filter(isCorrect).length, labelled: labelled.length } : null,
      failed,
      elapsedSeconds: run.elapsedSeconds,
      images: records.length,
      records,
      metrics: METRICS.map((m) => ({ ...m })),
    };
  }

  listEvaluations(): EvaluationSummary[] {
    return this.state.withDb((db) =>
      db.evaluations().map((e) => {
        const { records: _records, metrics: _metrics, ...summary } = this.evaluationDetail(db, e.id);
        return summary;
      }),
    );
  }

  getEvaluation(id: number): EvaluationDetail {
    return this.state.withDb((db) => this.evaluationDetail(db, id));
  }

  // ---- exports ----------------------------------------------------------------------------------------------

  private async figureRows(
    images: number[],
    methods: string[],
    classIndex: number | null,
    colormap: ColormapChoice,
    opacity: number,
    ctx: JobContext,
  ): Promise<FigureRow[]> {
    const classes = this.namesService.names();
    const rows: FigureRow[] = [];
    const total = images.length * methods.length;
    let done = 0;
    const order = fastFirst(methods);
    // Masked passes of score-based maps count (see export-progress.ts), so the rate and ETA move within a slow map;
    // the images' passes come first, to know which maps are already computed.
    const passes: ImagePass[] = [];
    for (const index of images) passes.push(await this.mapService.pass(index, classIndex, ctx.signal));
    const channels = this.state.requireModel().layer.shape[1] ?? 1;
    const work = new ExportProgress(images.map((index, i) =>
      order.map((id) => (this.mapService.hasMap(index, passes[i].target.classIndex, id) ? 1 : expectedUnits(createMethod(id), channels)))));
    const report = (id: string, file: string): void => {
      const r = work.report();
      const p: Progress = { stage: 'export', method: id, done, total, fraction: r.fraction, rate: r.rate, etaSeconds: r.etaSeconds, message: file };
      ctx.partial(p);
    };
    for (const [i, index] of images.entries()) {
      const item = this.state.item(index);
      const pass = passes[i];
      const overlays: Record<string, Uint8Array> = {};
      for (const [m, id] of order.entries()) {
        work.start(i, m);
        report(id, item.file);
        try {
          const { outcome } = await this.mapService.mapFor(index, pass.target.classIndex, id, ctx.signal, (d, t) => {
            work.passes(d, t);
            report(id, item.file);
          });
          overlays[id] = overlayHeatmap(pass.image.pixels, outcome.result.map, pass.image.width, pass.image.height, colormap, opacity);
        } catch (e) {
          // A method that cannot run on this model leaves its cell empty ("n/a") rather than failing the figure.
          if (e instanceof CamscopeError && e.code === 'CANCELLED') throw e;
        }
        work.finish();
        done++;
      }
      report(order.at(-1) ?? '', item.file);
      const truth = item.label !== null ? classes[item.label] : item.labelName;
      const predicted = named(pass.predictions[0], classes);
      const explained = pass.target.classIndex === predicted.classIndex ? '' : `, explaining ${classes[pass.target.classIndex]}`;
      rows.push({
        file: item.file,
        caption: `${item.file} — ${truth ?? 'unlabelled'} → ${predicted.className} (p=${predicted.probability.toFixed(2)})${explained}`,
        width: pass.image.width,
        height: pass.image.height,
        original: pass.image.pixels,
        overlays,
        colormap,
      });
    }
    return rows;
  }

  async exportFigure(
    args: { dir: string; images: number[]; methods: string[]; classIndex: number | null; colormap: ColormapChoice; opacity: number },
    ctx: JobContext,
  ): Promise<ExportResult> {
    for (const id of args.methods) createMethod(id);
    const rows = await this.figureRows(args.images, args.methods, args.classIndex, args.colormap, args.opacity, ctx);
    throwIfCancelled(ctx.signal);
    const names = displayNames();
    const [svg, png] = await Promise.all([buildFigureSvg(rows, args.methods, names), renderFigurePng(rows, args.methods, names)]);
    await mkdir(args.dir, { recursive: true });
    const files = [join(args.dir, 'figure.svg'), join(args.dir, 'figure.png')];
    await writeFileAtomic(files[0], svg);
    await writeFileAtomic(files[1], png.png);
    return { dir: args.dir, files };
  }

  async exportReport(
    args: { dir: string; evaluationId: number; figureImages: number[]; colormap: ColormapChoice; opacity: number },
    ctx: JobContext,
  ): Promise<ExportResult> {
    const detail = this.getEvaluation(args.evaluationId);
    let figure: FigureRow[] = [];
    if (args.figureImages.length) {
      const c = this.state.requireModel();
      if (c.layer.name !== detail.settings.layer.name && c.inspection.fingerprint === detail.settings.model.fingerprint) {
        throw new CamscopeError(
          'INVALID_ARGUMENT',
          `This evaluation explained the layer ${detail.settings.layer.name}, but ${c.layer.name} is chosen now. Choose that layer on the Model page, or export without a figure.`,
        );
      }
      if (c.inspection.fingerprint !== detail.settings.model.fingerprint) {
        throw new CamscopeError(
          'INVALID_ARGUMENT',
          'This evaluation was run with a different model than the one open now, so its figure cannot be drawn. Open that model, or export without a figure.',
        );
      }
      figure = await this.figureRows(args.figureImages, detail.settings.methods, null, args.colormap, args.opacity, ctx);
    }
    throwIfCancelled(ctx.signal);
    const input: ReportInput = {
      settings: detail.settings,
      table: detail.table,
      accuracy: detail.accuracy,
      failed: detail.failed,
      records: detail.records,
      elapsedSeconds: detail.elapsedSeconds,
      methodNames: displayNames(),
      figure,
    };
    const files = await writeReports(args.dir, input);
    return { dir: args.dir, files };
  }
}
