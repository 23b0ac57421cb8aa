/**
 * `camscope sanity`: model-parameter and class randomization checks (Adebayo et al. 2018) from the command line;
 * writes sanity.json, sanity.svg, sanity.png, the maps (16-bit PNGs) and, with --keep-models, the randomized models.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXECUTION_PROVIDERS, type ExecutionProviderName } from '../engine';
import { methodDisplayNames, parseMethodList } from '../engine/methods/registry';
import { sampleItems } from '../engine/evaluate/dataset';
import { buildSanitySvg, renderSanityPng } from '../engine/sanity/figure';
import { runSanity, SANITY_MODES, type SanityMode } from '../engine/sanity/run';
import { verdictSentence } from '../engine/sanity/sentence';
import { collectImages, UsageError, type CliIo } from './common';

export const SANITY_USAGE = `  camscope sanity --model M.onnx [--methods gradcam,...] [--mode cascading|independent|random-class] [--seed S]
                   [--sample N] [--keep-models] [--layer NAME] [--ep ...] --out DIR IMAGES_OR_DIR...`;

export const SANITY_OPTIONS = {
  model: { type: 'string' },
  methods: { type: 'string' },
  mode: { type: 'string' },
  seed: { type: 'string' },
  sample: { type: 'string' },
  'keep-models': { type: 'boolean' },
  layer: { type: 'string' },
  ep: { type: 'string' },
  out: { type: 'string' },
} as const;

/** Runs the command; returns the exit status (0 done, 1 some images failed). */
export async function sanityCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: SANITY_OPTIONS, allowPositionals: true, strict: true });
  if (!values.model) throw new UsageError('--model is required.');
  if (!values.out) throw new UsageError('--out is required.');
  if (positionals.length === 0) throw new UsageError('Name at least one image or folder to check.');
  const mode = (values.mode ?? 'cascading') as SanityMode;
  if (!SANITY_MODES.includes(mode)) throw new UsageError(`--mode must be one of ${SANITY_MODES.join(', ')}.`);
  const int = (name: string, v: string | undefined, fallback: number, min: number): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > 2 ** 31 - 1) throw new UsageError(`--${name} must be a whole number from ${min}, not "${v}".`);
    return n;
  };
  const seed = int('seed', values.seed, 0, 0);
  const sample = values.sample === undefined ? null : int('sample', values.sample, 0, 1);
  const ep = (values.ep ?? 'cpu') as ExecutionProviderName;
  if (!EXECUTION_PROVIDERS.includes(ep)) throw new UsageError(`--ep must be one of ${EXECUTION_PROVIDERS.join(', ')}.`);
  const methods = parseMethodList(values.methods ?? 'gradcam,gradcam++,scorecam++');
  // A seeded sample (Fisher–Yates with the run's seed), kept in listing order: the same draw as evaluate's --sample.
  const images = sampleItems(collectImages(positionals, (m) => io.stderr.write(`camscope: ${m}\n`)), sample, seed);
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  io.stderr.write(`camscope: sanity check (${mode}, seed ${seed}) of ${methods.map((m) => m.id).join(', ')} on ${images.length} image(s)\n`);
  const result = await runSanity({
    modelPath: values.model, load: { ep, layer: values.layer }, methods, images, mode, seed, outDir: out, keepModels: Boolean(values['keep-models']), signal: io.signal,
    onProgress: (p) => io.stderr.write(`stage ${p.stage}/${p.stages}: ${p.name}\n`),
  });
  writeFileSync(join(out, 'sanity.json'), `${JSON.stringify(result.json, null, 2)}\n`);
  const names = methodDisplayNames();
  const svg = await buildSanitySvg(result, names);
  writeFileSync(join(out, 'sanity.svg'), svg);
  writeFileSync(join(out, 'sanity.png'), await renderSanityPng(svg));
  for (const f of result.json.failed) io.stderr.write(`error: ${f.file}: ${f.message}\n`);
  for (const n of result.json.notes) io.stderr.write(`camscope: no map at stage ${n}\n`);
  for (const m of result.json.settings.methods) {
    const v = result.json.methods[m].verdict;
    io.stdout.write(`${m}: ${v.passed === null ? 'no verdict' : v.passed ? 'passes' : 'FAILS'} (${v.value === null ? 'n/a' : v.value.toFixed(3)}) — ${v.rule}\n`);
    // Blank maps have no similarity to report, so the line's value alone would not say why the method passes.
    if (v.passed === true && v.blankAt !== null && mode !== 'random-class') io.stdout.write(`  ${verdictSentence(names[m] ?? m, mode, v.passed, v.blankAt)}\n`);
  }
  io.stdout.write(`sanity.json, sanity.svg, sanity.png and maps/ in ${out}\n`);
  return result.json.failed.length ? 1 : 0;
}
