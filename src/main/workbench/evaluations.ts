/**
 * Evaluations of the open model on the open folder, stored in the project (one at a time), and reading them back
 * with the project's class names.
 */
import type { EvaluationDetail, EvaluationSummary, ScoreVariantName } from '../../shared/api';
import { encodeFloats, encodeJson, encodeMap, faithfulnessKey, mapKey, predictionKey } from '../engine/cache/results';
import { CamscopeError } from '../engine/errors';
import type { ProjectDb } from '../engine/evaluate/project-db';
import { contentId, isCorrect, runEvaluation } from '../engine/evaluate/run';
import { withScoreFree } from '../engine/evaluate/score-free';
import type { ImageRecord } from '../engine/evaluate/types';
import { createMethod, methodDisplayNames } from '../engine/methods/registry';
import { withLocalization } from '../engine/metrics/localization/evaluation';
import { computeTable } from '../engine/metrics/table';
import { COMPLEXITY_METRICS, METRICS, ROAD_METRICS, reportVerdict } from '../engine/report';
import { COMPLEXITY_NOTE, hasComplexity, hasRoad } from '../engine/report/format';
import type { ReportInput } from '../engine/report/types';
import { namedSettings, readClassNames, type ClassNamesService } from './class-names';
import type { JobContext, JobProgressBody } from './ops';
import { evaluationRegionsOf } from './regions';
import { faithfulnessRow, type ResultCache } from './result-cache';
import { workbenchError, type WorkbenchState } from './state';

export class EvaluationService {
  constructor(
    private readonly state: WorkbenchState,
    private readonly cache: Pick<ResultCache, 'storeInCache'>,
    private readonly names: Pick<ClassNamesService, 'savedFor'>,
  ) {}

  async evaluate(
    args: { methods: string[]; sample: number | null; seed: number; score: ScoreVariantName; road?: boolean },
    ctx: JobContext,
  ): Promise<EvaluationSummary> {
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
        // Off unless asked: the run key leaves ROAD out when off, so runs from before it still resume.
        ...(args.road ? { road: true } : {}),
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
          const progress: JobProgressBody = {
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
        settings: namedSettings(result.settings, this.names.savedFor(classifier)),
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

  evaluationDetail(db: ProjectDb, id: number): EvaluationDetail {
    const run = db.evaluations().find((e) => e.id === id);
    if (!run) throw new CamscopeError('INVALID_ARGUMENT', `There is no evaluation number ${id} in this project.`);
    const rows = db.images(id);
    const records: ImageRecord[] = rows.flatMap((r) => (r.record ? [r.record] : []));
    const failed = rows.flatMap((r) => (r.error !== null ? [{ file: r.file, message: r.error }] : []));
    const labelled = records.filter((r) => r.label !== null);
    const input: ReportInput = {
      // The project's class names for that run's model (the Classes editor), in the tables, drill-down and reports.
      settings: namedSettings(run.settings, readClassNames(db, run.settings.model.fingerprint, run.settings.model.classes.length)),
      table: withScoreFree(withLocalization(computeTable(records, run.settings.methods, run.settings.score), records), records),
      accuracy: labelled.length ? { correct: labelled.filter(isCorrect).length, labelled: labelled.length } : null,
      failed,
      records,
      elapsedSeconds: run.elapsedSeconds,
      methodNames: methodDisplayNames(),
      figure: [],
    };
    const { methodNames: _names, figure: _figure, ...shown } = input;
    return {
      id,
      status: run.status === 'running' && !this.state.evaluating ? 'cancelled' : run.status,
      ...shown,
      images: records.length,
      metrics: METRICS.map((m) => ({ ...m })),
      // The blocks and the verdict the reports show, from the engine's own definitions, so app and report agree.
      roadMetrics: hasRoad(input) ? ROAD_METRICS.map((m) => ({ ...m })) : [],
      complexityMetrics: hasComplexity(input) ? COMPLEXITY_METRICS.map((m) => ({ ...m })) : [],
      complexityNote: COMPLEXITY_NOTE,
      verdict: reportVerdict(input),
    };
  }

  listEvaluations(): EvaluationSummary[] {
    return this.state.withDb((db) =>
      db.evaluations().map((e) => {
        const { records: _records, metrics: _metrics, roadMetrics: _road, complexityMetrics: _complexity, complexityNote: _note, verdict: _verdict, ...summary } =
          this.evaluationDetail(db, e.id);
        return summary;
      }),
    );
  }

  getEvaluation(id: number): EvaluationDetail {
    return this.state.withDb((db) => this.evaluationDetail(db, id));
  }
}
