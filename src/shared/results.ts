/** The data of an evaluation run as the renderer receives it: the engine's own types (they import nothing Node-only). */
import type { ScoreVariant } from '../main/engine/types';

export type { EvaluationSettings, ImageRecord, MethodResult, MethodRow, MetricTable } from '../main/engine/evaluate/types';
export type ScoreVariantName = ScoreVariant;

export type MetricKey = 'average_drop_pct' | 'increase_in_confidence_pct' | 'win_pct' | 'logit_drop' | 'deletion_auc' | 'insertion_auc';

/**
 * A row of the paper-form table, as the reports define it (label, direction, decimals shown, one-line meaning).
 * Restated, not imported: report/format.ts reaches Node-only modules through its types, which the renderer cannot see.
 */
export interface MetricInfo {
  key: MetricKey;
  label: string;
  better: 'higher' | 'lower';
  digits: number;
  description: string;
}
