/**
 * Win % (ScoreCAM++ Tables 1–4): the share of images on which a method gives the largest O among the methods of
 * the run. Values within 1e-5 · max(1, |O_max|) of the largest are ties and go to the earliest method in run order,
 * so methods with identical maps (Grad-CAM and XGrad-CAM on a global-average-pooling head) do not split wins by
 * float noise.
 */
export const WIN_TIE_TOLERANCE = 1e-5;

/** `O[i][m]`: score of method m on image i. Returns Win % per method (in the same order). */
export function winPercentages(O: number[][], methodCount: number): (number | null)[] {
  if (O.length === 0) return new Array(methodCount).fill(null);
  const wins = new Array<number>(methodCount).fill(0);
  for (const row of O) {
    const best = Math.max(...row);
    const tol = WIN_TIE_TOLERANCE * Math.max(1, Math.abs(best));
    const winner = row.findIndex((o) => o >= best - tol);
    wins[winner]++;
  }
  return wins.map((w) => (100 * w) / O.length);
}
