/**
 * Average drop in logit (ScoreCAM++ Table 7): remove the explained region, x ∘ (1 − map), and measure how far the
 * target logit falls: mean_i (Y_logit,i − logit_c(x_i ∘ (1 − map_i))). Higher means the explained region matters more.
 */
export function logitDrop(pairs: { Y_logit: number; removedLogit: number }[]): number | null {
  if (pairs.length === 0) return null;
  return pairs.reduce((s, p) => s + (p.Y_logit - p.removedLogit), 0) / pairs.length;
}
