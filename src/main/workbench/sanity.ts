/**
 * The app's sanity check (the Sanity screen; Adebayo et al. 2018): engine/sanity/run.ts on the open model — its file,
 * provider, precision and chosen target layer — and images of the open folder, writing what `camscope sanity` writes
 * (sanity.json, sanity.svg, sanity.png, maps/) into a folder main chose, and answering with plain data for the
 * screen: the per-stage similarities, a verdict sentence per method and the first image's strip of maps.
 */
import { mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { ExecutionProviderName, ImageFrame, Precision, SanityMethodResult, SanityModeName, SanityRequest, SanityResult } from '../../shared/api';
import { CamscopeError } from '../engine/errors';
import { writeFileAtomic } from '../engine/io/atomic-write';
import { createMethod, methodDisplayNames } from '../engine/methods/registry';
import { buildSanitySvg, renderSanityPng } from '../engine/sanity/figure';
import { runSanity } from '../engine/sanity/run';
import { sampleItems } from '../engine/evaluate/dataset';
import type { ClassNamesService } from './class-names';
import type { MapService } from './maps';
import type { JobContext, JobProgressBody } from './ops';
import type { WorkbenchState } from './state';

type Progress = JobProgressBody;

/**
 * What a sanity check runs on: the open model's file with its provider, precision and resolved target layer, its
 * class names, the folder's images, and their frames as the model sees them (for the strip figure).
 */
export interface SanitySource {
  modelPath: string;
  load: { ep: ExecutionProviderName; precision: Precision; layer: string };
  classes: string[];
  items: { file: string; path: string }[];
  frame: (index: number, signal: AbortSignal) => Promise<ImageFrame>;
}

export class SanityService {
  constructor(
    private readonly state: WorkbenchState,
    private readonly maps: Pick<MapService, 'pass' | 'frame'>,
    private readonly names: Pick<ClassNamesService, 'names'>,
  ) {}

  source(): SanitySource {
    const c = this.state.requireModel();
    const d = this.state.requireDataset();
    const args = this.state.model!.args;
    return {
      modelPath: args.path,
      load: { ep: args.provider, precision: args.precision, layer: c.layer.name },
      // The names the other screens show: the project's for this model, else the model's own.
      classes: this.names.names(),
      items: d.items.map((i) => ({ file: i.file, path: i.path })),
      frame: async (index, signal) => this.maps.frame(index, (await this.maps.pass(index, null, signal)).image),
    };
  }
}

/**
 * N of `count` images, the same seeded sample as `camscope sanity --sample N --seed S` draws from a listing
 * (Fisher–Yates over mulberry32(seed)), kept in listing order.
 */
export function sampleIndices(count: number, n: number, seed: number): number[] {
  return sampleItems(Array.from({ length: count }, (_, i) => i), n, seed);
}

import { verdictSentence } from '../engine/sanity/sentence';

export { verdictSentence };

/** A folder-safe, unique name for an image's maps: its index and file name. */
function stemOf(index: number, file: string): string {
  const name = basename(file, extname(file)).replace(/[^\w.-]+/g, '_').slice(0, 80);
  return `${String(index).padStart(5, '0')}_${name}`;
}

export async function runSanityJob(
  sanity: Pick<SanityService, 'source'>,
  args: Omit<SanityRequest, 'jobId'> & { dir: string },
  ctx: JobContext,
): Promise<SanityResult> {
  const t0 = performance.now();
  const source = sanity.source();
  const methods = args.methods.map((id) => createMethod(id));
  // In folder order, so the same images give the same figure however they were listed.
  const indices = 'indices' in args.images ? [...args.images.indices].sort((a, b) => a - b) : sampleIndices(source.items.length, args.images.sample, args.seed);
  for (const i of indices) {
    if (!source.items[i]) throw new CamscopeError('INVALID_ARGUMENT', `There is no image number ${i} in this folder (it has ${source.items.length}).`);
  }
  if (indices.length === 0) throw new CamscopeError('INVALID_ARGUMENT', 'This folder has no images to check.');
  await mkdir(args.dir, { recursive: true });
  const byPath = new Map(indices.map((i) => [source.items[i].path, i]));
  let total = 1;
  const result = await runSanity({
    modelPath: source.modelPath,
    load: source.load,
    methods,
    images: indices.map((i) => ({ file: source.items[i].path, stem: stemOf(i, source.items[i].file) })),
    mode: args.mode,
    seed: args.seed,
    outDir: args.dir,
    signal: ctx.signal,
    onProgress: (p) => {
      // Stage 0 explains the original model; each later stage one randomized model (or the other class).
      total = p.stages + 1;
      const progress: Progress = { stage: 'sanity', done: p.stage, total, message: p.name };
      ctx.partial(progress);
    },
  });
  const names = methodDisplayNames();
  const { json } = result;
  const svg = await buildSanitySvg(result, names);
  const files = [join(args.dir, 'sanity.json'), join(args.dir, 'sanity.svg'), join(args.dir, 'sanity.png')];
  await writeFileAtomic(files[0], `${JSON.stringify(json, null, 2)}\n`);
  await writeFileAtomic(files[1], svg);
  await writeFileAtomic(files[2], await renderSanityPng(svg));
  const done: Progress = { stage: 'sanity', done: total, total };
  ctx.partial(done);

  const fileOf = (path: string): string => source.items[byPath.get(path)!]?.file ?? basename(path);
  const first = json.images[0];
  const methodResults: SanityMethodResult[] = json.settings.methods.map((m) => {
    const r = json.methods[m];
    return {
      method: m,
      spearman: r.spearman,
      ssim: r.ssim,
      pearson: r.pearson,
      verdict: { ...r.verdict, sentence: verdictSentence(names[m] ?? m, args.mode, r.verdict.passed, r.verdict.blankAt) },
    };
  });
  return {
    mode: args.mode,
    seed: args.seed,
    stages: json.stages.map((s) => ({ name: s.name, layers: s.layers.length })),
    methods: methodResults,
    images: json.images.map((im) => ({ index: byPath.get(im.file)!, file: fileOf(im.file), target: im.target, className: source.classes[im.target] ?? `class ${im.target}` })),
    failed: json.failed.map((f) => ({ file: fileOf(f.file), message: f.message })),
    notes: json.notes,
    strip: first
      ? {
          frame: await source.frame(byPath.get(first.file)!, ctx.signal),
          maps: json.settings.methods.map((m, mi) => ({ method: m, maps: result.maps[0][mi] })),
        }
      : null,
    dir: args.dir,
    files,
    seconds: (performance.now() - t0) / 1000,
  };
}
