/**
 * A model comparison: both models on the same (sampled) images; per image each model's top class, and per method
 * the distance between the two maps of the SAME class — model A's predicted class, explained in B as the class of
 * the same name — on the common grid (./grid). Each image's comparison is stored in the project as soon as it is
 * computed (./store), so a rerun after a kill continues and ends equal to an uninterrupted run.
 */
import { resolve } from 'node:path';
import { CamscopeError, throwIfCancelled } from '../errors';
import { contentId } from '../evaluate/run';
import { loadDataset, sampleItems, type DatasetItem } from '../evaluate/dataset';
import { ProjectDb } from '../evaluate/project-db';
import { explainImages, type ClassChoice, type ImageExplanation } from '../explain';
import type { CamMethod } from '../methods/base';
import type { Classifier } from '../model/classifier';
import { VERSION } from '../version';
import { matchClasses, type ClassMatch } from './classes';
import { mapDistances, TOP_FRACTION } from './distance';
import { COMMON_GRID_MAX_SIDE, commonGrid, commonPixels, toGrid } from './grid';
import { comparisonIdentity, comparisonKey, readComparison, writeComparison } from './store';
import { namedImage, orderByDifference, summarize, type ComparisonEntry } from './summary';
import type { ComparedImage, CompareResult, CompareSettings, ModelSettings, StoredComparison } from './types';

export const CLASS_MATCHING = 'by name (trimmed, case-insensitive): both models must name the same classes; results name classes as model A does';
export const EXPLAINED_CLASS = "model A's predicted class, explained in both models (in B, the class of the same name), so both maps answer the same question";
export const GRID_RULE = `each map resampled (bilinear, half-pixel centres) from its model's input frame onto the original image, shrunk to at most ${COMMON_GRID_MAX_SIDE} px on its longer side; distances over the pixels both models' frames cover`;

export interface CompareOptions {
  a: Classifier;
  b: Classifier;
  /** Names that replace each model's own in results (the project's, see workbench/class-names.ts); labels are matched to A's own. */
  names?: { a?: readonly string[] | null; b?: readonly string[] | null };
  methods: CamMethod[];
  datasetRoot: string;
  labelsCsv?: string;
  sample?: number | null;
  seed?: number;
  batchSize?: number;
  projectPath: string;
  requestedProvider?: string;
  signal?: AbortSignal;
  onProgress?: (p: CompareProgress) => void;
  /** Each image's comparison as soon as it is known (read from the project or computed), in dataset order. */
  onImage?: (image: ComparedImage) => void;
}

export interface CompareProgress {
  done: number;
  total: number;
  resumed: number;
  /** The image just finished, or null for the first event (before any image). */
  file: string | null;
}

/** The one explanation of one image (explainImages over a single file, so results never depend on the batch). */
export async function explainOne(c: Classifier, path: string, methods: CamMethod[], classChoice: ClassChoice, batchSize: number | undefined, signal?: AbortSignal): Promise<ImageExplanation> {
  for await (const r of explainImages(c, [path], { methods, classChoice, batchSize, topK: 1, signal })) return r;
  throw new Error(`no explanation for ${path}`);
}

/** Compares both models' maps of one image; throws with a sentence when a model cannot explain it. */
export async function compareImage(a: Classifier, b: Classifier, path: string, methods: CamMethod[], match: ClassMatch, batchSize?: number, signal?: AbortSignal): Promise<{ stored: StoredComparison; ra: Extract<ImageExplanation, { ok: true }>; rb: Extract<ImageExplanation, { ok: true }> }> {
  const ok = (r: ImageExplanation, which: string): Extract<ImageExplanation, { ok: true }> => {
    if (!r.ok) throw new CamscopeError('INVALID_ARGUMENT', r.error.message);
    if (r.methodErrors?.length) throw new CamscopeError('INVALID_ARGUMENT', `model ${which}: ${r.methodErrors.map((e) => `${e.method}: ${e.message}`).join('; ')}`);
    return r;
  };
  const ra = ok(await explainOne(a, path, methods, 'predicted', batchSize, signal), 'A');
  const rb = ok(await explainOne(b, path, methods, match.aToB[ra.target.classIndex], batchSize, signal), 'B');
  const original = { width: ra.image.originalWidth, height: ra.image.originalHeight };
  const grid = commonGrid(original.width, original.height);
  let pixels = 0;
  const distances: StoredComparison['methods'] = {};
  for (const m of methods) {
    const ma = ra.maps.find((x) => x.method === m.id)!.result.map;
    const mb = rb.maps.find((x) => x.method === m.id)!.result.map;
    const both = commonPixels(toGrid(ma, original, a.profile, grid), toGrid(mb, original, b.profile, grid));
    pixels = both.pixels;
    distances[m.id] = mapDistances(both.a, both.b);
  }
  const top = (r: typeof ra) => ({ classIndex: r.predictions[0].classIndex, probability: r.predictions[0].probability });
  return {
    ra, rb,
    stored: {
      predicted: [top(ra), top(rb)],
      explained: [{ classIndex: ra.target.classIndex, probability: ra.target.probability }, { classIndex: rb.target.classIndex, probability: rb.target.probability }],
      grid: { ...grid, pixels },
      methods: distances,
    },
  };
}

function modelSettings(c: Classifier, projectNames: readonly string[] | null | undefined, requested: string | undefined): ModelSettings {
  return {
    path: c.inspection.path,
    fingerprint: c.inspection.fingerprint,
    classes: [...(projectNames ?? c.profile.classes)],
    classesSource: projectNames ? 'project' : c.inspection.classesSource,
    layer: { name: c.layer.name, shape: c.layer.shape, layout: c.layer.layout },
    preprocessing: c.profile,
    provider: { requested: requested ?? c.provider, used: c.provider },
    precision: c.requestedPrecision,
  };
}

/** The items to compare and, for models without class names, the dataset's (folder or label names). */
function datasetFor(o: CompareOptions): { dataset: ReturnType<typeof loadDataset>; items: DatasetItem[] } {
  const root = resolve(o.datasetRoot);
  const labels = o.labelsCsv ? resolve(o.labelsCsv) : undefined;
  const dataset = loadDataset(root, o.a.profile.classes, labels);
  if (dataset.classNames) o.a.adoptClassNames(dataset.classNames);
  // B's names are adopted from the same listing, read against B's own classes.
  if (o.b.inspection.classesSource === 'default') {
    const forB = loadDataset(root, o.b.profile.classes, labels);
    if (forB.classNames) o.b.adoptClassNames(forB.classNames);
  }
  return { dataset, items: sampleItems(dataset.items, o.sample ?? null, o.seed ?? 0) };
}

export async function runComparison(o: CompareOptions): Promise<CompareResult> {
  const t0 = performance.now();
  const { dataset, items } = datasetFor(o);
  const names = { a: o.names?.a ?? o.a.profile.classes, b: o.names?.b ?? o.b.profile.classes };
  const match = matchClasses({ file: o.a.inspection.path, names: names.a }, { file: o.b.inspection.path, names: names.b });
  const settings: CompareSettings = {
    camscope: VERSION,
    created: new Date().toISOString(),
    models: { a: modelSettings(o.a, o.names?.a, o.requestedProvider), b: modelSettings(o.b, o.names?.b, o.requestedProvider) },
    dataset: { root: dataset.root, labels: dataset.labels, layout: dataset.layout, total: dataset.items.length },
    sample: { size: o.sample ?? null, seed: o.seed ?? 0 },
    methods: o.methods.map((m) => m.id),
    classMatching: CLASS_MATCHING,
    explainedClass: EXPLAINED_CLASS,
    commonGrid: { rule: GRID_RULE, maxSide: COMMON_GRID_MAX_SIDE },
    topFraction: TOP_FRACTION,
    project: resolve(o.projectPath),
  };
  const identity = comparisonIdentity(o.a, o.b, o.methods, match.aToB);
  const entries: ComparisonEntry[] = [];
  const failed: { file: string; message: string }[] = [];
  const db = new ProjectDb(o.projectPath);
  try {
    const keys = items.map((item) => comparisonKey(identity, resolve(item.path), contentId(item.path)));
    const known = items.map((_, i) => readComparison(db, keys[i]));
    const resumed = known.filter((k) => k !== null).length;
    let done = resumed;
    o.onProgress?.({ done, total: items.length, resumed, file: null });
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      let stored = known[i];
      if (!stored) {
        throwIfCancelled(o.signal);
        try {
          stored = (await compareImage(o.a, o.b, item.path, o.methods, match, o.batchSize, o.signal)).stored;
        } catch (e) {
          // An image a model cannot read or explain costs only itself; anything else (cancelled, a bug) stops the run.
          if (!(e instanceof CamscopeError) || e.code === 'CANCELLED') throw e;
          failed.push({ file: item.file, message: e.message });
        }
        if (stored) writeComparison(db, keys[i], stored);
        done++;
        o.onProgress?.({ done, total: items.length, resumed, file: item.file });
      }
      if (stored) {
        entries.push({ item, stored });
        o.onImage?.(namedImage({ item, stored }, names, match));
      }
    }
    const images = entries.map((e) => namedImage(e, names, match));
    return {
      settings,
      summary: summarize(entries, images, { total: items.length, failed: failed.length, methods: settings.methods, namesA: names.a, match }),
      images: orderByDifference(images),
      failed,
      match,
      resumed,
      elapsedSeconds: (performance.now() - t0) / 1000,
    };
  } finally {
    db.close();
  }
}
