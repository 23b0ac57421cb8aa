/** report.json: the settings, the metric table keyed by method id, exclusions and every image's numbers. */
import { comparisonJson } from '../compare/section';
import type { EvaluationSettings, MethodResult, MethodRow } from '../evaluate/types';
import type { ScoreVariant } from '../methods/base';
import { accuracyPct, methodRow } from './format';
import type { ReportInput } from './types';

/** A method's numbers on one image as stored (MethodResult without its timing), plus O in the run's variant. */
export interface ReportJsonMethod extends Omit<MethodResult, 'timeMs'> {
  /** O in the run's score variant (= O_prob or O_logit). */
  O: number;
}

export interface ReportJsonImage {
  file: string;
  label: number | null;
  predicted: number;
  target: number;
  /** Y in the run's score variant (= Y_prob or Y_logit). */
  Y: number;
  Y_prob: number;
  Y_logit: number;
  /** Keyed by method id in run order; null where the method gave no result for the image. */
  methods: Record<string, ReportJsonMethod | null>;
}

export interface ReportJson {
  settings: EvaluationSettings;
  table: Record<string, MethodRow>;
  score: ScoreVariant;
  accuracy: { correct: number; labelled: number; pct: number | null } | null;
  excluded: { failed: number; nonpositive_Y: Record<string, number> };
  failed: { file: string; message: string }[];
  elapsedSeconds: number;
  images: ReportJsonImage[];
  /** The model comparison the report carries (only when it carries one). */
  comparison?: ReturnType<typeof comparisonJson>;
}

function tableRow(r: MethodRow): MethodRow {
  // Fixed key order, and nothing beyond the documented keys.
  return {
    average_drop_pct: r.average_drop_pct,
    increase_in_confidence_pct: r.increase_in_confidence_pct,
    win_pct: r.win_pct,
    logit_drop: r.logit_drop,
    deletion_auc: r.deletion_auc,
    insertion_auc: r.insertion_auc,
    images: r.images,
    excluded_nonpositive_Y: r.excluded_nonpositive_Y,
    flat_maps: r.flat_maps,
    // Localization against expert regions, only in runs that had regions.
    ...(r.images_with_regions === undefined
      ? {}
      : {
          pointing_game_pct: r.pointing_game_pct ?? null,
          energy_pointing_game: r.energy_pointing_game ?? null,
          rank_accuracy: r.rank_accuracy ?? null,
          iou: r.iou ?? null,
          images_with_regions: r.images_with_regions,
          images_with_region_pixels: r.images_with_region_pixels ?? 0,
          energy_excluded_flat: r.energy_excluded_flat ?? 0,
        }),
    // ROAD, only in runs that computed it; the maps' complexity, in runs since it was recorded.
    ...(r.road_combined === undefined
      ? {}
      : { road_morf: r.road_morf ?? null, road_lerf: r.road_lerf ?? null, road_combined: r.road_combined }),
    ...(r.sparseness === undefined ? {} : { sparseness: r.sparseness, complexity: r.complexity ?? null }),
    // Score-weighted methods: distance of the maps from their score-free form.
    ...(r.score_free_images === undefined
      ? {}
      : {
          score_free_max_diff_median: r.score_free_max_diff_median,
          score_free_max_diff_worst: r.score_free_max_diff_worst,
          score_free_pearson_median: r.score_free_pearson_median,
          score_free_pearson_lowest: r.score_free_pearson_lowest,
          score_free_images: r.score_free_images,
        }),
  };
}

/** The report as a plain object (non-finite numbers become null when serialised). */
export function buildReportJson(input: ReportInput): ReportJson {
  const { settings } = input;
  const ids = settings.methods;
  const logit = settings.score === 'logit';
  const table: Record<string, MethodRow> = {};
  const nonpositive: Record<string, number> = {};
  for (const id of ids) {
    const row = methodRow(input, id);
    table[id] = tableRow(row);
    nonpositive[id] = row.excluded_nonpositive_Y;
  }
  const images: ReportJsonImage[] = input.records.map((r) => {
    const methods: Record<string, ReportJsonMethod | null> = {};
    for (const id of ids) {
      const m = r.methods[id];
      methods[id] = m
        ? {
            O: logit ? m.O_logit : m.O_prob,
            O_prob: m.O_prob,
            O_logit: m.O_logit,
            removedLogit: m.removedLogit,
            deletionAuc: m.deletionAuc,
            insertionAuc: m.insertionAuc,
            flat: m.flat,
            mapSha: m.mapSha,
            ...(m.pointing_hit === undefined
              ? {}
              : { pointing_hit: m.pointing_hit, energy_in_region: m.energy_in_region ?? null, rank_accuracy: m.rank_accuracy ?? null, iou: m.iou ?? null }),
            ...(m.scoreFree ? { scoreFree: { maxAbsDiff: m.scoreFree.maxAbsDiff, pearson: m.scoreFree.pearson } } : {}),
            ...(m.road ? { road: { morf: [...m.road.morf], lerf: [...m.road.lerf] } } : {}),
            ...(m.sparseness === undefined ? {} : { sparseness: m.sparseness, complexity: m.complexity ?? null }),
          }
        : null;
    }
    return {
      file: r.file,
      label: r.label,
      predicted: r.predicted,
      target: r.target,
      Y: logit ? r.Y_logit : r.Y_prob,
      Y_prob: r.Y_prob,
      Y_logit: r.Y_logit,
      methods,
    };
  });
  return {
    settings,
    table,
    score: settings.score,
    accuracy: input.accuracy
      ? { correct: input.accuracy.correct, labelled: input.accuracy.labelled, pct: accuracyPct(input.accuracy) }
      : null,
    excluded: { failed: input.failed.length, nonpositive_Y: nonpositive },
    failed: input.failed.map((f) => ({ file: f.file, message: f.message })),
    elapsedSeconds: input.elapsedSeconds,
    images,
    ...(input.comparison ? { comparison: comparisonJson(input.comparison) } : {}),
  };
}

export function renderJson(input: ReportInput): string {
  return `${JSON.stringify(buildReportJson(input), null, 2)}\n`;
}
