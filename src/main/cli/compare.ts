/**
 * `camscope compare`: two models on the same images — accuracy, prediction agreement and the cross-table, and per
 * image and method how far apart their maps of the same class are — into compare.json, compare.html and
 * compare.pdf. Per-image results go to the project file as they are computed, so an interrupted run resumes.
 */
import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Classifier, parseMethodList } from '../engine';
import { compareFigureRows } from '../engine/compare/figure';
import { renderCompareHtml } from '../engine/compare/html';
import { renderCompareJson } from '../engine/compare/json';
import { renderComparePdf } from '../engine/compare/pdf';
import { runComparison } from '../engine/compare/run';
import { ProjectDb } from '../engine/evaluate/project-db';
import { COLORMAPS, type ColormapName } from '../engine/image/colormap';
import { writeFileAtomic } from '../engine/io/atomic-write';
import { methodDisplayNames } from '../engine/methods/registry';
import { readClassNames } from '../workbench/class-names';
import { EXIT, parseIntOption, progressLine, reportRuntime, runtimeArgs, UsageError, type CliIo } from './common';

export const COMPARE_USAGE = `  camscope compare --model A.onnx --model B.onnx --dataset DIR [--labels CSV] [--methods scorecam++,...]
                   [--sample N --seed S] [--layer A_LAYER --layer B_LAYER] [--figure 6] [--colormap jet]
                   [--project FILE] [--ep ...] [--precision ...] [--batch N] --out DIR`;

export const COMPARE_OPTIONS = {
  model: { type: 'string', multiple: true },
  layer: { type: 'string', multiple: true },
  dataset: { type: 'string' },
  labels: { type: 'string' },
  methods: { type: 'string' },
  sample: { type: 'string' },
  seed: { type: 'string' },
  figure: { type: 'string' },
  colormap: { type: 'string' },
  project: { type: 'string' },
  ep: { type: 'string' },
  precision: { type: 'string' },
  batch: { type: 'string' },
  out: { type: 'string' },
} as const;

export const COMPARE_FILES = { json: 'compare.json', html: 'compare.html', pdf: 'compare.pdf' } as const;

/** The project's class names for each model (the app's Classes editor), or null where it has none. */
function projectNames(project: string, models: Classifier[]): (string[] | null)[] {
  const db = new ProjectDb(project);
  try {
    return models.map((c) => readClassNames(db, c.inspection.fingerprint, c.profile.classes.length));
  } finally {
    db.close();
  }
}

/** Runs the command; returns the exit status (0 every image compared, 1 some failed). */
export async function compareCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: COMPARE_OPTIONS, allowPositionals: false, strict: true });
  const str = (k: string): string | undefined => values[k as keyof typeof values] as string | undefined;
  const models = values.model ?? [];
  if (models.length !== 2) throw new UsageError(`--model must be given twice (model A, then model B), not ${models.length} time${models.length === 1 ? '' : 's'}.`);
  const layers = values.layer ?? [];
  if (layers.length !== 0 && layers.length !== 2) throw new UsageError('--layer must be given twice (for model A, then model B; "auto" picks the default), or not at all.');
  const dataset = str('dataset');
  if (!dataset) throw new UsageError('--dataset is required.');
  const out = str('out');
  if (!out) throw new UsageError('--out is required.');
  const { ep, precision } = runtimeArgs(str);
  const colormap = (str('colormap') ?? 'jet') as ColormapName;
  if (!COLORMAPS.includes(colormap)) throw new UsageError(`--colormap must be one of ${COLORMAPS.join(', ')}.`);
  const sample = str('sample') === undefined ? null : parseIntOption('sample', str('sample'), 0, 1, 10_000_000);
  const seed = parseIntOption('seed', str('seed'), 0, 0, 2 ** 31 - 1);
  const figure = parseIntOption('figure', str('figure'), 6, 0, 100);
  const batch = str('batch') === undefined ? undefined : parseIntOption('batch', str('batch'), 32, 1, 4096);
  const methods = parseMethodList(str('methods') ?? 'scorecam++');

  const a = await Classifier.load(models[0], { ep, precision, layer: layers[0] });
  let b: Classifier | null = null;
  try {
    b = await Classifier.load(models[1], { ep, precision, layer: layers[1] });
    reportRuntime(a, io);
    reportRuntime(b, io);
    mkdirSync(out, { recursive: true });
    const project = str('project') ?? join(out, 'project.camscope');
    const [namesA, namesB] = projectNames(project, [a, b]);
    let lastLine = 0;
    const result = await runComparison({
      a, b, names: { a: namesA, b: namesB }, methods, datasetRoot: dataset, labelsCsv: str('labels'), sample, seed, batchSize: batch,
      projectPath: project, requestedProvider: ep, signal: io.signal,
      onProgress: (p) => {
        if (p.file === null) {
          io.stderr.write(`camscope: comparing ${basename(models[0])} (A) and ${basename(models[1])} (B) on ${p.total} image(s) with ${methods.map((m) => m.id).join(', ')}${p.resumed ? `; resuming, ${p.resumed} already done` : ''}\n`);
          return;
        }
        const text = `${p.done}/${p.total} images`;
        if (io.stderr.isTTY) progressLine(io, `compared ${text}`);
        else if (p.done === p.total || p.done - lastLine >= Math.max(1, Math.ceil(p.total / 10))) {
          lastLine = p.done;
          io.stderr.write(`compared ${text}\n`);
        }
      },
    });
    progressLine(io, '');
    const rows = await compareFigureRows({ a, b, methods, match: result.match, datasetRoot: result.settings.dataset.root, batchSize: batch, colormap }, result.images, figure);
    const names = methodDisplayNames();
    for (const m of methods) names[m.id] ??= m.displayName;
    await writeFileAtomic(join(out, COMPARE_FILES.json), renderCompareJson(result));
    await writeFileAtomic(join(out, COMPARE_FILES.html), renderCompareHtml(result, rows, names));
    await writeFileAtomic(join(out, COMPARE_FILES.pdf), await renderComparePdf(result, rows, names));
    for (const f of result.failed) io.stderr.write(`error: ${f.file}: ${f.message}\n`);
    const agreement = result.summary.agreement.fraction;
    io.stdout.write(
      `${result.summary.compared} image(s) compared (${result.failed.length} failed); the models agree on ${agreement === null ? '–' : `${(100 * agreement).toFixed(1)} %`} of them; ` +
        `${Object.values(COMPARE_FILES).join(', ')} in ${resolve(out)}\n`,
    );
    return result.failed.length ? EXIT.someFailed : EXIT.ok;
  } finally {
    await a.release();
    await b?.release();
  }
}
