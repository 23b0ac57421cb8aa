/**
 * One plain line per score-weighted method: how far its maps are from their score-free form (the same map with
 * every channel weighted equally, no masked pass), from the table's score-free summary (evaluate/score-free.ts).
 */
import { formatNumber, methodName } from './format';
import type { ReportInput } from './types';

export const SCORE_FREE_HEADING = 'Effect of the masked passes';

export const SCORE_FREE_NOTE =
  'The score-free form of a score-weighted method weighs every channel equally instead of by the model\'s score on ' +
  'the masked image. The number is the largest difference between the two maps, each scaled to 0–1, over the ' +
  'image (median over the images, and the worst image); a small number means the masked passes changed little for this model.';

/** "ScoreCAM++ is within 0.04 of its score-free form (median; worst 0.09)", one per method that recorded it. */
export function scoreFreeLines(input: ReportInput): string[] {
  return input.settings.methods.flatMap((id) => {
    const row = input.table.rows[id];
    if (!row?.score_free_images) return [];
    const images = row.score_free_images < input.records.length ? ` over ${row.score_free_images} of ${input.records.length} images` : '';
    return [
      `${methodName(input, id)} is within ${formatNumber(row.score_free_max_diff_median, 2)} of its score-free form ` +
        `(median; worst ${formatNumber(row.score_free_max_diff_worst, 2)}${images}).`,
    ];
  });
}
