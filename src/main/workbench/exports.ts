/**
 * Exports into a folder main chose: a figure of images × methods (SVG and PNG), and an evaluation's report with an
 * optional figure. Maps already computed are reused; progress counts the masked passes of score-based maps.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ColormapChoice, ExportResult } from '../../shared/api';
import { CamscopeError, throwIfCancelled } from '../engine/errors';
import { checkClassChoice } from '../engine/explain';
import { overlayHeatmap } from '../engine/image/colormap';
import { writeFileAtomic } from '../engine/io/atomic-write';
import { createMethod, methodDisplayNames as displayNames } from '../engine/methods/registry';
import { buildFigureSvg, renderFigurePng, writeReports, type FigureRow, type ReportInput } from '../engine/report';
import { named, type ClassNamesService } from './class-names';
import type { ComparisonService } from './comparison';
import type { EvaluationService } from './evaluations';
import { ExportProgress, expectedUnits } from './export-progress';
import { mapClass } from './map-class';
import { fastFirst, type ImagePass, type MapService } from './maps';
import type { JobContext, JobProgressBody } from './ops';
import type { WorkbenchState } from './state';

export class ExportService {
  constructor(
    private readonly state: WorkbenchState,
    private readonly maps: Pick<MapService, 'pass' | 'hasMap' | 'mapFor'>,
    private readonly names: Pick<ClassNamesService, 'names'>,
    private readonly evaluations: Pick<EvaluationService, 'getEvaluation'>,
    private readonly comparison: Pick<ComparisonService, 'last'>,
  ) {}

  /**
   * One figure row per image: its original and each method's map over it, captioned with label and prediction (and,
   * for a contrast, "explaining A, not B": every map of the row then explains s_A − s_B).
   */
  async figureRows(
    images: number[],
    methods: string[],
    classIndex: number | null,
    colormap: ColormapChoice,
    opacity: number,
    ctx: JobContext,
    versus: number | null = null,
  ): Promise<FigureRow[]> {
    const classes = this.names.names();
    const rows: FigureRow[] = [];
    const total = images.length * methods.length;
    let done = 0;
    const order = fastFirst(methods);
    // Masked passes of score-based maps count (see export-progress.ts), so the rate and ETA move within a slow map;
    // the images' passes come first, to know which maps are already computed.
    const passes: ImagePass[] = [];
    for (const index of images) passes.push(await this.maps.pass(index, classIndex, ctx.signal));
    const targets = passes.map((p) => mapClass(p.target.classIndex, versus));
    for (const t of targets) checkClassChoice(t, this.state.requireModel().numClasses);
    const channels = this.state.requireModel().layer.shape[1] ?? 1;
    const work = new ExportProgress(images.map((index, i) =>
      order.map((id) => (this.maps.hasMap(index, targets[i], id) ? 1 : expectedUnits(createMethod(id), channels)))));
    const report = (id: string, file: string): void => {
      const r = work.report();
      const p: JobProgressBody = { stage: 'export', method: id, done, total, fraction: r.fraction, rate: r.rate, etaSeconds: r.etaSeconds, message: file };
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
          const { outcome } = await this.maps.mapFor(index, targets[i], id, ctx.signal, (d, t) => {
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
      const not = versus === null ? '' : `, not ${classes[versus]}`;
      const explained = pass.target.classIndex === predicted.classIndex && !not ? '' : `, explaining ${classes[pass.target.classIndex]}${not}`;
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
    args: { dir: string; images: number[]; methods: string[]; classIndex: number | null; versus?: number | null; colormap: ColormapChoice; opacity: number },
    ctx: JobContext,
  ): Promise<ExportResult> {
    for (const id of args.methods) createMethod(id);
    const rows = await this.figureRows(args.images, args.methods, args.classIndex, args.colormap, args.opacity, ctx, args.versus ?? null);
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
    args: { dir: string; evaluationId: number; figureImages: number[]; colormap: ColormapChoice; opacity: number; includeComparison?: boolean },
    ctx: JobContext,
  ): Promise<ExportResult> {
    const detail = this.evaluations.getEvaluation(args.evaluationId);
    // The comparison the Comparison screen shows (the project's last), checked before any map is computed.
    const comparison = args.includeComparison ? this.comparison.last() : null;
    if (args.includeComparison && !comparison) {
      throw new CamscopeError('INVALID_ARGUMENT', 'This project has no model comparison to include. Run one on the Comparison screen, or export without it.');
    }
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
      comparison: comparison && {
        models: { a: comparison.models.a.name, b: comparison.models.b.name },
        created: comparison.created,
        datasetRoot: comparison.datasetRoot,
        sample: comparison.sample,
        methods: comparison.methods,
        summary: comparison.summary,
        images: comparison.images,
        failed: comparison.failed,
      },
    };
    const files = await writeReports(args.dir, input);
    return { dir: args.dir, files };
  }
}
