/**
 * How far each score-weighted method's maps are from their score-free form (every channel weight equal, no masked
 * pass), summarised over an evaluation's images: users see whether the masked passes mattered for their model.
 */
import type { ImageRecord, MetricTable } from './types';

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** The table with score-free distances added to the rows of methods whose records carry them (others unchanged). */
export function withScoreFree(table: MetricTable, records: readonly ImageRecord[]): MetricTable {
  const rows = { ...table.rows };
  for (const id of table.methods) {
    const values = records.flatMap((r) => (r.methods[id]?.scoreFree ? [r.methods[id].scoreFree] : []));
    if (!values.length || !rows[id]) continue;
    const diffs = values.map((v) => v.maxAbsDiff);
    const rs = values.map((v) => v.pearson);
    rows[id] = {
      ...rows[id],
      score_free_max_diff_median: median(diffs),
      score_free_max_diff_worst: Math.max(...diffs),
      score_free_pearson_median: median(rs),
      score_free_pearson_lowest: Math.min(...rs),
      score_free_images: values.length,
    };
  }
  return { ...table, rows };
}
