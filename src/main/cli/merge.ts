/**
 * `camscope merge`: the reports of a sharded evaluation, from its shards' project files — the same reports an
 * unsharded run writes. The only cluster command that loads a model (to explain the figure's images again).
 */
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Classifier, CamscopeError, parseMethodList } from '../engine';
import { mergeShards, readShards } from '../engine/evaluate/merge';
import type { ImageRecord } from '../engine/evaluate/types';
import { COLORMAPS, type ColormapName } from '../engine/image/colormap';
import { methodDisplayNames } from '../engine/methods/registry';
import { writeReports } from '../engine/report';
import { parseIntOption, UsageError, type CliIo } from './common';
import { figureRows, type EvaluateArgs } from './evaluate';

const MERGE_OPTIONS = {
  out: { type: 'string' },
  figure: { type: 'string' },
  model: { type: 'string' },
  ep: { type: 'string' },
  batch: { type: 'string' },
  colormap: { type: 'string' },
} as const;

/**
 * `camscope merge --out DIR [--figure 4] [--model M.onnx] [--ep …] [--batch N] [--colormap …] PROJECT...`: checks
 * that the projects hold every shard of one run once, each complete, and writes the run's reports into DIR — the
 * same reports an unsharded evaluation writes (the figure explains its first images again, with the run's model).
 */
export async function mergeCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: MERGE_OPTIONS, allowPositionals: true, strict: true });
  if (!values.out) throw new UsageError('--out is required.');
  if (positionals.length === 0) throw new UsageError('Name the project file of every shard to merge.');
  const figure = parseIntOption('figure', values.figure, 4, 0, 100);
  const batch = values.batch === undefined ? undefined : parseIntOption('batch', values.batch, 32, 1, 4096);
  const colormap = (values.colormap ?? 'jet') as ColormapName;
  if (!COLORMAPS.includes(colormap)) throw new UsageError(`--colormap must be one of ${COLORMAPS.join(', ')}.`);

  const merged = mergeShards(readShards(positionals));
  const { settings } = merged;
  io.stderr.write(`camscope: merging ${merged.shards} shard(s): ${merged.records.length} image(s) evaluated, ${merged.failed.length} failed\n`);

  let figureData: Awaited<ReturnType<typeof figureRows>> = [];
  if (figure > 0 && merged.records.length > 0) {
    // The figure's maps are not stored: its images are explained again, as the unsharded run does at its end.
    const model = values.model ?? settings.model.path;
    const ep = (values.ep ?? settings.provider.requested) as EvaluateArgs['ep'];
    const classifier = await Classifier.load(model, { ep, precision: settings.precision ?? 'fp32', layer: settings.layer.name });
    try {
      if (classifier.inspection.fingerprint !== settings.model.fingerprint) {
        throw new CamscopeError('INVALID_ARGUMENT', `The model ${model} is not the one the shards evaluated (its fingerprint differs); give that model with --model, or --figure 0 for no figure.`);
      }
      // The figure shows the first images of the run that have a result, as an unsharded run's figure does.
      const first = merged.records.slice(0, figure);
      const items = first.map((r: ImageRecord) => ({ file: r.file, path: join(settings.dataset.root, r.file), label: r.label, labelName: null }));
      figureData = await figureRows({ items, records: first, settings }, { figure, batch, colormap }, classifier);
    } finally {
      await classifier.release();
    }
  }
  const methodNames = methodDisplayNames();
  for (const m of parseMethodList(settings.methods.join(','))) methodNames[m.id] ??= m.displayName;
  const files = await writeReports(values.out, {
    settings, table: merged.table, accuracy: merged.accuracy, failed: merged.failed, records: merged.records,
    elapsedSeconds: merged.elapsedSeconds, methodNames, figure: figureData,
  });
  for (const f of merged.failed) io.stderr.write(`error: ${f.file}: ${f.message}\n`);
  io.stdout.write(`${merged.records.length} image(s) from ${merged.shards} shard(s) merged (${merged.failed.length} failed); reports: ${files.map((f) => basename(f)).join(', ')} in ${resolve(values.out)}\n`);
  return merged.failed.length ? 1 : 0;
}
