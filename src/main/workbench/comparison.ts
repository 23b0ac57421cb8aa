/**
 * Model vs model in the app: a second model (B) opened beside the open one (A), refused when its classes cannot be
 * matched by name; per image, B's maps of A's explained class (the class of the same name, in B's own frame) with
 * the three map distances of engine/compare; and the comparison over the folder, run as `camscope compare` runs it
 * (engine/compare/run.ts: per-image results stored in the project as computed), its result kept in the project.
 * B is released when A or the folder changes (index.ts wires the events).
 */
import { basename, resolve } from 'node:path';
import type { ComparisonPair } from '../../shared/api';
import type { ComparisonModel, ComparisonResult, ComparisonRow, ComparisonRunRequest, ComparisonRowEvent } from '../../shared/compare';
import { matchClasses, type ClassMatch } from '../engine/compare/classes';
import { mapDistances } from '../engine/compare/distance';
import { commonGrid, commonPixels, toGrid } from '../engine/compare/grid';
import { explainOne, runComparison } from '../engine/compare/run';
import type { ComparedImage } from '../engine/compare/types';
import { CamscopeError, errorMessage, throwIfCancelled } from '../engine/errors';
import { loadDataset } from '../engine/evaluate/dataset';
import { createMethod } from '../engine/methods/registry';
import { Classifier } from '../engine/model/classifier';
import { named, readClassNames, type ClassNamesService } from './class-names';
import { LruCache } from './lru';
import { frameTransform, type MapService } from './maps';
import type { JobContext, JobProgressBody } from './ops';
import { workbenchError, type WorkbenchState } from './state';

/** Where the last comparison's result is kept in the project (ProjectDb's meta table). */
export const LAST_COMPARISON_KEY = 'compare:last';

interface SecondModel {
  classifier: Classifier;
  /** B's names as results show them (the project's for B, else its own). */
  names: string[];
  match: ClassMatch;
}

type BExplanation = Extract<Awaited<ReturnType<typeof explainOne>>, { ok: true }>;

export class ComparisonService {
  private second: SecondModel | null = null;
  /** B's explanations of recent images (per image, class and methods): flipping back to an image costs nothing. */
  private readonly explained = new LruCache<string, BExplanation>(24);
  private running = false;

  constructor(
    private readonly state: WorkbenchState,
    private readonly maps: Pick<MapService, 'pass' | 'mapFor'>,
    private readonly names: Pick<ClassNamesService, 'names' | 'savedFor'>,
  ) {}

  /** Opens B (a path main's dialog returned) with A's provider and precision; refuses B when its classes do not match A's. */
  async open(path: string): Promise<ComparisonModel> {
    const a = this.state.requireModel();
    const args = this.state.model!.args;
    const b = await Classifier.load(path, { ep: args.provider, precision: args.precision, layer: 'auto' });
    try {
      // A model without class names takes the folder's, as A did (and as `camscope compare` does).
      const d = this.state.dataset;
      if (d && b.inspection.classesSource === 'default') {
        const listing = loadDataset(d.root, b.profile.classes, d.labels ?? undefined);
        if (listing.classNames) b.adoptClassNames(listing.classNames);
      }
      const saved = this.state.projectPath ? this.state.withDb((db) => readClassNames(db, b.inspection.fingerprint, b.profile.classes.length)) : null;
      const names = saved ?? [...b.profile.classes];
      const match = matchClasses({ file: a.inspection.path, names: this.names.names() }, { file: b.inspection.path, names });
      if (this.state.classifier !== a) throw new CamscopeError('CANCELLED', 'Another model was opened meanwhile.');
      await this.release();
      this.second = { classifier: b, names, match };
      return this.model()!;
    } catch (e) {
      await b.release().catch(() => {});
      throw e;
    }
  }

  /** B as the app shows it, or null when none is open. */
  model(): ComparisonModel | null {
    const s = this.second;
    if (!s) return null;
    const c = s.classifier;
    return {
      path: c.inspection.path,
      name: basename(c.inspection.path),
      classes: c.numClasses,
      classesSource: c.inspection.classesSource,
      sameOrder: s.match.sameOrder,
      layer: c.layer.name,
      inputSize: [c.profile.inputSize[0], c.profile.inputSize[1]],
    };
  }

  /** Closes B (another model or folder, or the user closed it). */
  async release(): Promise<boolean> {
    const s = this.second;
    this.second = null;
    this.explained.clear();
    if (s) await s.classifier.release().catch(() => {});
    return s !== null;
  }

  private require(): SecondModel {
    if (!this.second) throw workbenchError('NOT_READY', 'Open a second model first (Compare with another model…).');
    return this.second;
  }

  /**
   * One image in both models: A's maps of the class the image view explains (from the map service: memory, project
   * or computed) and B's maps of the class of the same name, with their distances on the common grid.
   */
  async pair(args: { image: number; classIndex: number | null; methods: string[] }, ctx: JobContext): Promise<ComparisonPair> {
    const s = this.require();
    const a = this.state.requireModel();
    const methods = args.methods.map(createMethod);
    const item = this.state.item(args.image);
    const pass = await this.maps.pass(args.image, args.classIndex, ctx.signal);
    const classB = s.match.aToB[pass.target.classIndex];
    const key = `${s.classifier.inspection.fingerprint}|${args.image}|${classB}|${args.methods.join(',')}`;
    let rb = this.explained.get(key);
    if (!rb) {
      const progress: JobProgressBody = { stage: 'compare-image', done: 0, total: 1, message: basename(s.classifier.inspection.path) };
      ctx.partial(progress);
      const r = await explainOne(s.classifier, item.path, methods, classB, undefined, ctx.signal);
      if (!r.ok) throw new CamscopeError('INVALID_IMAGE', r.error.message);
      rb = r;
      this.explained.set(key, r);
    }
    const original = { width: rb.image.originalWidth, height: rb.image.originalHeight };
    const grid = commonGrid(original.width, original.height);
    const pairs: ComparisonPair['pairs'] = [];
    const failures: ComparisonPair['failures'] = [...(rb.methodErrors ?? []).map((e) => ({ method: e.method, message: `model B: ${e.message}` }))];
    for (const m of methods) {
      throwIfCancelled(ctx.signal);
      const mb = rb.maps.find((x) => x.method === m.id);
      if (!mb) continue;
      try {
        const ma = (await this.maps.mapFor(args.image, pass.target.classIndex, m.id, ctx.signal)).outcome;
        const both = commonPixels(toGrid(ma.result.map, original, a.profile, grid), toGrid(mb.result.map, original, s.classifier.profile, grid));
        const { map, width, height, flat } = mb.result;
        pairs.push({ method: m.id, map, width, height, flat, distances: mapDistances(both.a, both.b), pixels: both.pixels });
      } catch (e) {
        if (e instanceof CamscopeError && e.code === 'CANCELLED') throw e;
        failures.push({ method: m.id, message: `model A: ${errorMessage(e)}` });
      }
    }
    const p = rb.target;
    return {
      image: args.image,
      model: basename(s.classifier.inspection.path),
      frame: {
        index: args.image,
        file: item.file,
        width: rb.image.width,
        height: rb.image.height,
        channels: s.classifier.profile.channels,
        pixels: rb.image.pixels,
        original,
        transform: frameTransform(s.classifier.profile.resize, original, rb.image),
      },
      predictions: rb.predictions.map((x) => named(x, s.names)),
      target: { classIndex: p.classIndex, className: s.names[p.classIndex], probability: p.probability },
      pairs,
      failures,
    };
  }

  /** The comparison over the open folder (or a sample), rows streamed as they are known; the result kept in the project. */
  async run(args: Omit<ComparisonRunRequest, 'jobId'>, ctx: JobContext): Promise<ComparisonResult> {
    const s = this.require();
    const a = this.state.requireModel();
    const d = this.state.requireDataset();
    const projectPath = this.state.requireProject();
    if (this.running) throw workbenchError('BUSY', 'A comparison is already running; wait for it or cancel it first.');
    this.running = true;
    try {
      const indexOf = new Map(d.items.map((item, i) => [item.file, i]));
      const row = (image: ComparedImage): ComparisonRow => ({ ...image, index: indexOf.get(image.file) ?? null });
      let done = 0;
      let total = 0;
      const result = await runComparison({
        a, b: s.classifier,
        names: { a: this.names.savedFor(a), b: s.names },
        methods: args.methods.map(createMethod),
        datasetRoot: d.root,
        labelsCsv: d.labels ?? undefined,
        sample: args.sample,
        seed: args.seed,
        projectPath,
        requestedProvider: this.state.model?.args.provider,
        signal: ctx.signal,
        onProgress: (p) => {
          done = p.done;
          total = p.total;
          const progress: JobProgressBody = { stage: 'compare', done: p.done, total: p.total, message: p.file ?? undefined };
          ctx.partial(progress);
        },
        onImage: (image) => {
          const event: Omit<ComparisonRowEvent, 'jobId'> = { row: row(image), done, total };
          ctx.partial(event);
        },
      });
      const stored: ComparisonResult = {
        created: result.settings.created,
        models: { a: { path: a.inspection.path, name: basename(a.inspection.path) }, b: { path: s.classifier.inspection.path, name: basename(s.classifier.inspection.path) } },
        datasetRoot: result.settings.dataset.root,
        methods: result.settings.methods,
        sample: result.settings.sample,
        summary: result.summary,
        images: result.images.map(row),
        failed: result.failed,
        resumed: result.resumed,
        elapsedSeconds: result.elapsedSeconds,
      };
      this.state.withDb((db) => db.setMeta(LAST_COMPARISON_KEY, JSON.stringify(stored)));
      return stored;
    } finally {
      this.running = false;
    }
  }

  /** The project's last comparison (rows indexed in the folder open now), or null when it has none. */
  last(): ComparisonResult | null {
    if (!this.state.projectPath) return null;
    const text = this.state.withDb((db) => db.getMeta(LAST_COMPARISON_KEY));
    if (!text) return null;
    let stored: ComparisonResult;
    try {
      stored = JSON.parse(text) as ComparisonResult;
    } catch {
      return null; // unreadable: as if there were none (a new run replaces it)
    }
    const d = this.state.dataset;
    const indexOf = d && resolve(d.root) === resolve(stored.datasetRoot) ? new Map(d.items.map((item, i) => [item.file, i])) : null;
    return { ...stored, images: stored.images.map((r) => ({ ...r, index: indexOf?.get(r.file) ?? null })) };
  }
}

