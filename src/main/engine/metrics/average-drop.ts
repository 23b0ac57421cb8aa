/**
 * Average Drop % (Chattopadhay et al., Grad-CAM++, WACV 2018; ScoreCAM++ Tables 1–4): 100 · mean_i max(0, Y_i − O_i) / Y_i,
 * where Y is the target score on x and O on map·x. Lower is better. The relative drop is meaningless for Y ≤ 0
 * (possible with logits): such images are excluded and counted, never silently averaged.
 */
export interface ScorePair {
  Y: number;
  O: number;
}

export function averageDrop(pairs: ScorePair[]): { value: number | null; used: number; excluded: number } {
  let sum = 0;
  let used = 0;
  for (const { Y, O } of pairs) {
    if (!(Y > 0)) continue;
    sum += Math.max(0, Y - O) / Y;
    used++;
  }
  return { value: used ? (100 * sum) / used : null, used, excluded: pairs.length - used };
}
