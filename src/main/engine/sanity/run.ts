/**
 * Sanity checks (Adebayo et al., "Sanity Checks for Saliency Maps", NeurIPS 2018) as a plain function over a model
 * file and images: maps of the original model vs. maps of models whose weights are randomized stage by stage
 * (cascading: cumulatively from the output down; independent: one stage at a time), or vs. the map of a random other
 * class (random-class). Maps are computed for the original model's predicted class, written as 16-bit PNGs, and
 * compared as written (value/65535) with Spearman, SSIM and Pearson.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CamscopeError, throwIfCancelled } from '../errors';
import { explainImages } from '../explain';
import { writeMapPng } from '../image/decode';
import type { CamMethod } from '../methods/base';
import { Classifier, type LoadOptions } from '../model/classifier';
import { sidecarCandidates } from '../model/profile';
import { decodeModel } from '../onnx/graph';
import { mulberry32 } from '../tensor/random';
import { VERSION } from '../version';
import { modelStages, randomizedModel, type Stage } from './randomize';
import { meanStd, pearson, spearman, ssim, SSIM } from './similarity';

export const SANITY_MODES = ['cascading', 'independent', 'random-class'] as const;
export type SanityMode = (typeof SANITY_MODES)[number];
export const SIMILARITIES = ['spearman', 'ssim', 'pearson'] as const;
export type SimilarityName = (typeof SIMILARITIES)[number];

/** The verdict's threshold: a method passes when the maps it gives change this much (Spearman below it). */
export const VERDICT_SPEARMAN = 0.5;

export interface SanityOptions {
  modelPath: string;
  load?: LoadOptions;
  methods: CamMethod[];
  /** Image files, each with a unique stem (used for the maps' folders). */
  images: { file: string; stem: string }[];
  mode: SanityMode;
  seed: number;
  outDir: string;
  keepModels?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: { stage: number; stages: number; name: string }) => void;
}

export type PerStage = { mean: number | null; std: number | null; n: number }[];

export interface SanityJson {
  camscope: string;
  created: string;
  settings: {
    model: string;
    fingerprint: string;
    layer: string;
    methods: string[];
    mode: SanityMode;
    seed: number;
    images: number;
    similarity: string;
    maps: string;
  };
  /** Stage 0 = the original model; then the randomized models (or, random-class, the random other class). */
  stages: { name: string; layers: string[] }[];
  methods: Record<string, Record<SimilarityName, PerStage> & { verdict: SanityVerdict }>;
  images: { file: string; stem: string; target: number; randomClass?: number; methods: Record<string, Record<SimilarityName, (number | null)[]>> }[];
  failed: { file: string; message: string }[];
  /** Images a randomized model could not explain, per stage (their similarities are null there). */
  notes: string[];
}

export interface SanityResult {
  json: SanityJson;
  /** Per image (in json.images order), method and stage: the compared map (16-bit values / 65535), null where none. */
  maps: (Float32Array | null)[][][];
  /** The first image's input pixels (for the figure). */
  pixels: { data: Uint8Array; width: number; height: number } | null;
}

/** The map as written to a 16-bit PNG (writeMapPng's rounding), so recomputation from the files gives the same numbers. */
export function quantize16(map: Float32Array): Float32Array {
  return map.map((v) => (Number.isFinite(v) ? Math.round(Math.min(1, Math.max(0, v)) * 65535) / 65535 : 0));
}

export function verdictRule(mode: SanityMode): string {
  if (mode === 'cascading') return `maps depend on the weights: mean Spearman at full randomization (last stage) < ${VERDICT_SPEARMAN}`;
  if (mode === 'independent') return `maps depend on every stage: mean Spearman < ${VERDICT_SPEARMAN} for at least half of the stages randomized alone`;
  return `maps are class-sensitive: mean Spearman between the predicted and a random other class's map < ${VERDICT_SPEARMAN}`;
}

/** A map with no contrast left (all values equal): Spearman, SSIM and Pearson are undefined against it. */
export function isFlatMap(map: ArrayLike<number>): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < map.length; i++) {
    const v = map[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return !(hi - lo > 1e-6);
}

export interface SanityVerdict {
  passed: boolean | null;
  rule: string;
  value: number | null;
  /** The first randomized stage at which most images' maps went blank (flat), or null. */
  blankAt: string | null;
}

/**
 * The verdict. A map that goes blank once weights are randomized has changed as much as a map can: it depended on
 * the learned weights, so such stages count as passing (their similarity is undefined, not high).
 * `flat[s]` is the share of images whose map at stage s was flat; `names[s]` the stage's name.
 */
export function sanityVerdict(mode: SanityMode, sp: PerStage, flat: number[], names: string[]): SanityVerdict {
  const rule = verdictRule(mode);
  const blank = (s: number): boolean => flat[s] > 0.5;
  const firstBlank = flat.findIndex((_, s) => s > 0 && blank(s));
  const blankAt = firstBlank > 0 ? names[firstBlank] : null;
  const later = sp.slice(1).map((s) => s.mean);
  if (mode === 'independent') {
    const judged = later.map((v, i) => (blank(i + 1) ? true : v === null ? null : v < VERDICT_SPEARMAN)).filter((v): v is boolean => v !== null);
    if (judged.length === 0) return { passed: null, rule, value: null, blankAt };
    const share = judged.filter(Boolean).length / judged.length;
    return { passed: share >= 0.5, rule, value: share, blankAt };
  }
  const last = later.at(-1) ?? null;
  if (sp.length > 1 && blank(sp.length - 1)) return { passed: true, rule, value: last, blankAt };
  return { passed: last === null ? null : last < VERDICT_SPEARMAN, rule, value: last, blankAt };
}

interface Explained {
  target: number;
  maps: Float32Array[];
}

/** Explains each image for a given class (per image) with every method; quantized maps, or an error message. */
async function explainFor(c: Classifier, files: string[], classes: (number | 'predicted')[], methods: CamMethod[], signal?: AbortSignal): Promise<(Explained | string)[]> {
  const out: (Explained | string)[] = new Array(files.length);
  const groups = new Map<string, number[]>();
  classes.forEach((k, i) => groups.set(String(k), [...(groups.get(String(k)) ?? []), i]));
  for (const [k, idx] of groups) {
    const choice = k === 'predicted' ? 'predicted' : Number(k);
    let j = 0;
    for await (const r of explainImages(c, idx.map((i) => files[i]), { methods, classChoice: choice, signal })) {
      const i = idx[j++];
      if (!r.ok) out[i] = r.error.message;
      else if (r.methodErrors?.length) out[i] = r.methodErrors.map((e) => `${e.method}: ${e.message}`).join('; ');
      else out[i] = { target: r.target.classIndex, maps: r.maps.map((m) => quantize16(m.result.map)) };
    }
  }
  return out;
}

export async function runSanity(o: SanityOptions): Promise<SanityResult> {
  const bytes = new Uint8Array(readFileSync(o.modelPath));
  const original = await Classifier.load(o.modelPath, o.load);
  const methods = o.methods.map((m) => m.id);
  const files = o.images.map((i) => i.file);
  let stages: Stage[];
  const mapsDir = join(o.outDir, 'maps');
  mkdirSync(mapsDir, { recursive: true });
  const [H, W] = original.profile.inputSize;
  const layer = original.layer.name;
  let fingerprint: string;
  let base: (Explained | string)[];
  let pixels: SanityResult['pixels'] = null;
  try {
    fingerprint = original.inspection.fingerprint;
    stages = o.mode === 'random-class' ? [{ name: 'random other class', layers: [] }] : modelStages(decodeModel(bytes));
    if (stages.length === 0) throw new CamscopeError('UNSUPPORTED_MODEL', `The model ${o.modelPath} has no trainable float weights (Conv, Gemm, MatMul or normalization) to randomize.`);
    o.onProgress?.({ stage: 0, stages: stages.length, name: 'original' });
    base = await explainFor(original, files, files.map(() => 'predicted'), o.methods, o.signal);
    // The figure's image: the first image that could be explained.
    const first = base.findIndex((b) => typeof b !== 'string');
    if (first >= 0) {
      for await (const r of explainImages(original, [files[first]], { methods: [], signal: o.signal })) if (r.ok) pixels = { data: r.image.pixels, width: r.image.width, height: r.image.height };
    }
  } catch (e) {
    await original.release();
    throw e;
  }

  const ok = base.map((b, i) => (typeof b === 'string' ? null : i)).filter((i): i is number => i !== null);
  const failed = base.flatMap((b, i) => (typeof b === 'string' ? [{ file: files[i], message: b }] : []));
  const targets = ok.map((i) => (base[i] as Explained).target);
  // maps[image][method][stage]
  const maps: (Float32Array | null)[][][] = ok.map((i) => (base[i] as Explained).maps.map((m) => [m]));
  const stageNotes: string[] = [];
  const rand = mulberry32(o.seed);
  const randomClass = o.mode === 'random-class'
    ? targets.map((t) => {
        const K = original.numClasses;
        if (K < 2) throw new CamscopeError('UNSUPPORTED_MODEL', 'The random-class check needs a model with at least two classes.');
        const k = Math.floor(rand() * (K - 1));
        return k >= t ? k + 1 : k;
      })
    : null;

  const modelsDir = o.keepModels ? join(o.outDir, 'models') : mkdtempSync(join(tmpdir(), 'camscope-sanity-'));
  mkdirSync(modelsDir, { recursive: true });
  const sidecar = sidecarCandidates(o.modelPath).find((p) => existsSync(p)) ?? null;
  const stageRecords: { name: string; layers: string[] }[] = [{ name: 'original', layers: [] }];
  try {
    for (let s = 0; s < stages.length; s++) {
      throwIfCancelled(o.signal);
      o.onProgress?.({ stage: s + 1, stages: stages.length, name: stages[s].name });
      let results: (Explained | string)[];
      if (o.mode === 'random-class') {
        stageRecords.push({ name: stages[s].name, layers: [] });
        results = await explainFor(original, ok.map((i) => files[i]), randomClass!, o.methods, o.signal);
      } else {
        const layers = o.mode === 'cascading' ? stages.slice(0, s + 1).flatMap((x) => x.layers) : stages[s].layers;
        stageRecords.push({ name: stages[s].name, layers });
        const path = join(modelsDir, `stage-${String(s + 1).padStart(2, '0')}-${stages[s].name.replace(/[^\w.-]+/g, '_')}.onnx`);
        writeFileSync(path, randomizedModel(bytes, layers, o.seed));
        if (sidecar) copyFileSync(sidecar, path.replace(/\.onnx$/, '.json'));
        const c = await Classifier.load(path, { ...o.load, layer });
        try {
          results = await explainFor(c, ok.map((i) => files[i]), targets, o.methods, o.signal);
        } finally {
          await c.release();
        }
      }
      // A randomized model may give no map for an image (e.g. NaN scores): its similarities are then null.
      results.forEach((r, j) => methods.forEach((_, mi) => maps[j][mi].push(typeof r === 'string' ? null : r.maps[mi])));
      const lost = results.flatMap((r, j) => (typeof r === 'string' ? [`${files[ok[j]]}: ${r}`] : []));
      if (lost.length) stageNotes.push(`${stages[s].name}: ${lost.join('; ')}`);
    }
  } finally {
    await original.release();
    if (!o.keepModels) rmSync(modelsDir, { recursive: true, force: true });
  }

  // Maps as 16-bit PNGs: maps/<stem>/<method>/<stage index>.png (stage 0 = original).
  for (let j = 0; j < ok.length; j++) {
    for (let mi = 0; mi < methods.length; mi++) {
      const dir = join(mapsDir, o.images[ok[j]].stem, methods[mi].replace(/[^\w.+-]+/g, '_'));
      mkdirSync(dir, { recursive: true });
      for (let s = 0; s < maps[j][mi].length; s++) {
        const m = maps[j][mi][s];
        if (m) await writeMapPng(join(dir, `${String(s).padStart(2, '0')}.png`), m, W, H);
      }
    }
  }

  const images: SanityJson['images'] = ok.map((i, j) => ({
    file: files[i],
    stem: o.images[i].stem,
    target: targets[j],
    ...(randomClass ? { randomClass: randomClass[j] } : {}),
    methods: Object.fromEntries(methods.map((m, mi) => {
      const ref = maps[j][mi][0]!;
      const per = maps[j][mi];
      return [m, {
        spearman: per.map((x) => (x ? spearman(ref, x) : null)),
        ssim: per.map((x) => (x ? ssim(ref, x, W, H) : null)),
        pearson: per.map((x) => (x ? pearson(ref, x) : null)),
      }];
    })),
  }));
  const summary: SanityJson['methods'] = {};
  for (const m of methods) {
    const agg = (k: SimilarityName): PerStage => stageRecords.map((_, s) => meanStd(images.map((im) => im.methods[m][k][s])));
    const sp = agg('spearman');
    const mi = methods.indexOf(m);
    // Share of images whose map at each stage is flat, among those whose original map was not (a map that was
    // blank from the start says nothing about the weights) and that have a map at that stage.
    const judged = maps.filter((per) => per[mi][0] !== null && !isFlatMap(per[mi][0]!));
    const flat = stageRecords.map((_, st) => {
      const present = judged.map((per) => per[mi][st]).filter((x): x is Float32Array => x !== null && x !== undefined);
      return present.length === 0 ? 0 : present.filter(isFlatMap).length / present.length;
    });
    summary[m] = { spearman: sp, ssim: agg('ssim'), pearson: agg('pearson'), verdict: sanityVerdict(o.mode, sp, flat, stageRecords.map((r) => r.name)) };
  }
  const json: SanityJson = {
    camscope: VERSION,
    created: new Date().toISOString(),
    settings: {
      model: o.modelPath, fingerprint, layer, methods, mode: o.mode, seed: o.seed, images: images.length,
      similarity: `Spearman (average ranks of ties), Pearson, SSIM (Gaussian window ${SSIM.window}x${SSIM.window}, sigma ${SSIM.sigma}, K1 ${SSIM.K1}, K2 ${SSIM.K2}, data range ${SSIM.dataRange}, valid positions); std = population standard deviation over images`,
      maps: 'maps/<stem>/<method>/<stage>.png: 16-bit, value/65535; similarities are computed on these values',
    },
    stages: stageRecords,
    methods: summary,
    images,
    failed,
    notes: stageNotes,
  };
  return { json, maps, pixels };
}
