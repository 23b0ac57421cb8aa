/**
 * Increase in Confidence % (Grad-CAM++; ScoreCAM++ Tables 1–4): 100 · mean_i [O_i ≥ Y_i]. Higher is better. Ties
 * count as an increase, as in the official code.
 */
import type { ScorePair } from './average-drop';

export function increaseInConfidence(pairs: ScorePair[]): number | null {
  if (pairs.length === 0) return null;
  return (100 * pairs.filter(({ Y, O }) => O >= Y).length) / pairs.length;
}
