/** The multigrid-preconditioned CG behind ROAD's imputation: several right-hand sides at once, and few iterations on large holes. */
import { describe, expect, it } from 'vitest';
import { GridMultigrid, solveGrid } from '../../../src/main/engine/metrics/grid-solver';
import { imputationOperator } from '../../../src/main/engine/metrics/imputation';

/** The right-hand side when every kept pixel is v: v times the weight of each unknown's kept neighbours. */
const keptAll = (A: ReturnType<typeof imputationOperator>, u: number, v: number): number => {
  let s = A.diag[u];
  for (let k = 0; k < 8; k++) s += A.coef[8 * u + k];
  return v * s;
};

/** A disc of radius r removed from a w × w grid (the hard case: one large hole). */
function disc(w: number, r: number): Uint8Array {
  const m = new Uint8Array(w * w);
  for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) m[y * w + x] = (x - w / 2) ** 2 + (y - w / 2) ** 2 < r * r ? 1 : 0;
  return m;
}

describe('solveGrid', () => {
  it('solves each right-hand side to the tolerance in a few dozen iterations, whatever the hole size', () => {
    for (const w of [40, 160]) {
      const A = imputationOperator(w, w, disc(w, 0.48 * w));
      const n = A.cells.length;
      const b = new Float64Array(2 * n);
      for (let u = 0; u < n; u++) b[2 * u] = keptAll(A, u, 0.3); // non-zero only on the hole's rim
      const x = new Float64Array(2 * n);
      const { iterations, residual } = solveGrid(A, b, x, new GridMultigrid(A, 2), { tolerance: 1e-9, maxIterations: 200 });
      expect(residual).toBeLessThanOrEqual(1e-9);
      expect(iterations).toBeLessThan(40);
      // Kept pixels all 0.3 around the hole: the solution is 0.3 everywhere; the zero right-hand side stays 0.
      for (let u = 0; u < n; u++) {
        expect(x[2 * u]).toBeCloseTo(0.3, 7);
        expect(x[2 * u + 1]).toBe(0);
      }
    }
  });

  it('stops at maxIterations and reports the residual it reached', () => {
    const A = imputationOperator(64, 64, disc(64, 30));
    const b = new Float64Array(A.cells.length).map((_, u) => keptAll(A, u, 1));
    const r = solveGrid(A, b, new Float64Array(b.length), new GridMultigrid(A), { tolerance: 1e-12, maxIterations: 2 });
    expect(r.iterations).toBe(2);
    expect(r.residual).toBeGreaterThan(1e-12);
  });
});
