/** The metric table of a run, recomputed from its per-image records (so a resumed run ends with the same numbers). */
import type { ScoreVariant } from '../methods/base';
import type { ImageRecord, MethodResult, MethodRow, MetricTable } from '../evaluate/types';
import { averageDrop } from './average-drop';
import { roadRow } from './road';
import { increaseInConfidence } from './increase-in-confidence';
import { logitDrop } from './logit-drop';
import { winPercentages } from './win';

/** Methods shown as references (a line to beat), never counted in Win % nor marked best. */
export const REFERENCE_METHODS: readonly string[] = ['random'];

const mean = (v: number[]): number | null => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);

/**
 * ROAD and complexity columns, only where the records carry them (runs with ROAD; runs since complexity was
 * recorded), so the tables of older runs keep their columns. Complexity averages the images that recorded it
 * (an all-zero map has none).
 */
function extraColumns(results: MethodResult[]): Partial<MethodRow> {
  const roads = results.flatMap((x) => (x.road ? [x.road] : []));
  const recorded = results.filter((x) => x.sparseness !== undefined);
  const values = (key: 'sparseness' | 'complexity'): number[] => recorded.flatMap((x) => (typeof x[key] === 'number' ? [x[key]] : []));
  return {
    ...(roads.length ? roadRow(roads) : {}),
    ...(recorded.length ? { sparseness: mean(values('sparseness')), complexity: mean(values('complexity')) } : {}),
  };
}

export function computeTable(records: ImageRecord[], methods: string[], score: ScoreVariant): MetricTable {
  const Y = (r: ImageRecord): number => (score === 'prob' ? r.Y_prob : r.Y_logit);
  const O = (r: ImageRecord, m: string): number => (score === 'prob' ? r.methods[m].O_prob : r.methods[m].O_logit);
  const complete = records.filter((r) => methods.every((m) => r.methods[m]));
  // Reference methods (the random baseline) are not contenders: Win % is shared among the others only.
  const ranked = methods.filter((m) => !REFERENCE_METHODS.includes(m));
  const rankedWins = winPercentages(complete.map((r) => ranked.map((m) => O(r, m))), ranked.length);
  const wins = methods.map((m) => (ranked.includes(m) ? rankedWins[ranked.indexOf(m)] : null));
  const rows: Record<string, MethodRow> = {};
  methods.forEach((m, i) => {
    const pairs = complete.map((r) => ({ Y: Y(r), O: O(r, m) }));
    const drop = averageDrop(pairs);
    const results = complete.map((r) => r.methods[m]);
    rows[m] = {
      average_drop_pct: drop.value,
      increase_in_confidence_pct: increaseInConfidence(pairs),
      win_pct: wins[i],
      logit_drop: logitDrop(complete.map((r) => ({ Y_logit: r.Y_logit, removedLogit: r.methods[m].removedLogit }))),
      deletion_auc: mean(results.flatMap((x) => (x.deletionAuc === null ? [] : [x.deletionAuc]))),
      insertion_auc: mean(results.flatMap((x) => (x.insertionAuc === null ? [] : [x.insertionAuc]))),
      images: drop.used,
      excluded_nonpositive_Y: drop.excluded,
      flat_maps: results.filter((x) => x.flat).length,
      ...extraColumns(results),
    };
  });
  return { score, methods, rows, images: complete.length };
}
