/**
 * A solver for symmetric positive definite systems on a pixel grid whose unknowns are coupled only to their 8
 * neighbours (9-point stencils), as ROAD's noisy linear imputation sets up (./imputation.ts).
 *
 * Conjugate gradients preconditioned by an aggregation multigrid W-cycle: each coarser level joins 2×2 cells
 * (P piecewise constant, A_c = Pᵀ A P, which is again a 9-point stencil on the half-size grid), smoothed by
 * Gauss–Seidel forward before and backward after the coarse correction so the preconditioner is symmetric, and the
 * coarsest level solved exactly (dense Cholesky). Plain CG needs ~√κ iterations, about a thousand for a hole of
 * 200 pixels; with this preconditioner a few dozen suffice whatever the grid size.
 */
import { CamscopeError } from '../errors';

/** Neighbour offsets (dx, dy) in a fixed order; the reverse of offset k is offset 7 − k. */
export const OFFSETS: readonly (readonly [number, number])[] = [
  [-1, -1], [0, -1], [1, -1], [-1, 0], [1, 0], [-1, 1], [0, 1], [1, 1],
];

/**
 * A grid operator over its unknowns (in row-major order of their cells): (A x)_u = diag_u x_u + Σ_k coef[8u + k] x_nbr[8u + k].
 * A neighbour that is not an unknown has nbr = u itself and coef 0, so the loops need no branch.
 */
export interface GridOperator {
  width: number;
  height: number;
  /** Grid cell (y · width + x) of each unknown. */
  cells: Int32Array;
  diag: Float64Array;
  nbr: Int32Array;
  coef: Float64Array;
}

export interface SolveOptions {
  /** Stop when ‖b − A x‖ ≤ tolerance · ‖b‖. */
  tolerance: number;
  maxIterations: number;
}

/** Far below ROAD's noise (σ = 0.01): the imputed values are within ~1e-6 of the exact solution. */
export const DEFAULT_SOLVE: SolveOptions = { tolerance: 1e-7, maxIterations: 500 };

/** The OFFSETS index of (dx, dy), looked up at (dy + 1) · 3 + dx + 1. */
const SLOT = [0, 1, 2, 3, -1, 4, 5, 6, 7];

/** Levels at or below this many unknowns are solved by dense Cholesky. */
const COARSEST = 128;
/** Gauss–Seidel sweeps before and after each coarse correction. */
const SWEEPS = 1;

function multiply(A: GridOperator, x: Float64Array, y: Float64Array): void {
  const { diag, nbr, coef } = A;
  for (let u = 0; u < diag.length; u++) {
    const k = u * 8;
    y[u] = diag[u] * x[u] + coef[k] * x[nbr[k]] + coef[k + 1] * x[nbr[k + 1]] + coef[k + 2] * x[nbr[k + 2]] + coef[k + 3] * x[nbr[k + 3]] +
      coef[k + 4] * x[nbr[k + 4]] + coef[k + 5] * x[nbr[k + 5]] + coef[k + 6] * x[nbr[k + 6]] + coef[k + 7] * x[nbr[k + 7]];
  }
}

function gaussSeidel(A: GridOperator, invDiag: Float64Array, b: Float64Array, x: Float64Array, backward: boolean): void {
  const { nbr, coef } = A;
  const n = invDiag.length;
  for (let i = 0; i < n; i++) {
    const u = backward ? n - 1 - i : i;
    const k = u * 8;
    // x[u]'s own (zero-coefficient) self links read the old x[u], which they multiply by 0.
    const s = coef[k] * x[nbr[k]] + coef[k + 1] * x[nbr[k + 1]] + coef[k + 2] * x[nbr[k + 2]] + coef[k + 3] * x[nbr[k + 3]] +
      coef[k + 4] * x[nbr[k + 4]] + coef[k + 5] * x[nbr[k + 5]] + coef[k + 6] * x[nbr[k + 6]] + coef[k + 7] * x[nbr[k + 7]];
    x[u] = (b[u] - s) * invDiag[u];
  }
}

/** The Galerkin coarse operator of 2×2 aggregation, and which coarse unknown each fine unknown joins. */
function coarsen(A: GridOperator): { coarse: GridOperator; agg: Int32Array } {
  const cw = (A.width + 1) >> 1;
  const ch = (A.height + 1) >> 1;
  const index = new Int32Array(cw * ch).fill(-1);
  for (const cell of A.cells) index[((cell / A.width) >> 1) * cw + ((cell % A.width) >> 1)] = 0;
  let n = 0;
  for (let c = 0; c < index.length; c++) if (index[c] === 0) index[c] = n++;
  const cells = new Int32Array(n);
  for (let c = 0; c < index.length; c++) if (index[c] >= 0) cells[index[c]] = c;
  const agg = new Int32Array(A.cells.length);
  A.cells.forEach((cell, u) => {
    agg[u] = index[((cell / A.width) >> 1) * cw + ((cell % A.width) >> 1)];
  });
  const diag = new Float64Array(n);
  const coef = new Float64Array(8 * n);
  const nbr = new Int32Array(8 * n);
  for (let I = 0; I < n; I++) nbr.fill(I, 8 * I, 8 * I + 8);
  for (let u = 0; u < A.cells.length; u++) {
    const I = agg[u];
    diag[I] += A.diag[u];
    for (let k = u * 8; k < u * 8 + 8; k++) {
      if (A.nbr[k] === u) continue;
      const J = agg[A.nbr[k]];
      if (J === I) {
        diag[I] += A.coef[k];
        continue;
      }
      const dx = (cells[J] % cw) - (cells[I] % cw);
      const dy = ((cells[J] / cw) | 0) - ((cells[I] / cw) | 0);
      const slot = I * 8 + SLOT[(dy + 1) * 3 + dx + 1];
      coef[slot] += A.coef[k];
      nbr[slot] = J;
    }
  }
  return { coarse: { width: cw, height: ch, cells, diag, nbr, coef }, agg };
}

/** Lower-triangular Cholesky factor (row-major n×n) of the operator as a dense matrix. */
function denseCholesky(A: GridOperator): Float64Array {
  const n = A.diag.length;
  const L = new Float64Array(n * n);
  for (let u = 0; u < n; u++) {
    L[u * n + u] = A.diag[u];
    for (let k = u * 8; k < u * 8 + 8; k++) L[u * n + A.nbr[k]] += A.coef[k];
  }
  for (let j = 0; j < n; j++) {
    let d = L[j * n + j];
    for (let k = 0; k < j; k++) d -= L[j * n + k] ** 2;
    if (!(d > 0)) throw new CamscopeError('NUMERICAL_ERROR', 'ROAD imputation: the linear system is singular (no kept pixel to impute from).');
    d = Math.sqrt(d);
    L[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let s = L[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = s / d;
    }
    for (let k = j + 1; k < n; k++) L[j * n + k] = 0;
  }
  return L;
}

function choleskySolve(L: Float64Array, b: Float64Array, x: Float64Array): void {
  const n = b.length;
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * x[k];
    x[i] = s / L[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
}

interface Level {
  A: GridOperator;
  invDiag: Float64Array;
  /** Fine unknown → coarse unknown (absent on the coarsest level). */
  agg?: Int32Array;
  factor?: Float64Array;
  r: Float64Array;
  bc: Float64Array;
  xc: Float64Array;
}

/** The multigrid hierarchy of an operator: build once, then precondition any number of right-hand sides. */
export class GridMultigrid {
  private readonly levels: Level[] = [];

  constructor(A: GridOperator) {
    let op = A;
    for (;;) {
      const n = op.diag.length;
      // The grid halves at every level, so its unknowns fall under the limit after at most log2(size) levels.
      if (n <= COARSEST) {
        this.levels.push({ A: op, invDiag: op.diag, factor: denseCholesky(op), r: new Float64Array(n), bc: new Float64Array(0), xc: new Float64Array(0) });
        return;
      }
      const { coarse, agg } = coarsen(op);
      const invDiag = op.diag.map((d) => 1 / d);
      this.levels.push({ A: op, invDiag, agg, r: new Float64Array(n), bc: new Float64Array(coarse.diag.length), xc: new Float64Array(coarse.diag.length) });
      op = coarse;
    }
  }

  /** z ≈ A⁻¹ r: one W-cycle from z = 0. */
  apply(r: Float64Array, z: Float64Array): void {
    z.fill(0);
    this.cycle(0, r, z);
  }

  private cycle(l: number, b: Float64Array, x: Float64Array): void {
    const lv = this.levels[l];
    if (lv.factor) {
      choleskySolve(lv.factor, b, x);
      return;
    }
    for (let s = 0; s < SWEEPS; s++) gaussSeidel(lv.A, lv.invDiag, b, x, false);
    // Two coarse corrections (a W-cycle): piecewise-constant aggregation alone converges too slowly in a V-cycle.
    for (let pass = 0; pass < 2; pass++) {
      multiply(lv.A, x, lv.r);
      lv.bc.fill(0);
      for (let u = 0; u < b.length; u++) lv.bc[lv.agg![u]] += b[u] - lv.r[u];
      lv.xc.fill(0);
      this.cycle(l + 1, lv.bc, lv.xc);
      for (let u = 0; u < x.length; u++) x[u] += lv.xc[lv.agg![u]];
    }
    for (let s = 0; s < SWEEPS; s++) gaussSeidel(lv.A, lv.invDiag, b, x, true);
  }
}

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/**
 * Solves A x = b by preconditioned conjugate gradients (x is the start and the answer). Returns the iterations used
 * and the final relative residual ‖b − A x‖ / ‖b‖.
 */
export function solveGrid(A: GridOperator, b: Float64Array, x: Float64Array, pre: GridMultigrid, o: SolveOptions = DEFAULT_SOLVE): { iterations: number; residual: number } {
  const n = b.length;
  const r = new Float64Array(n);
  const z = new Float64Array(n);
  const p = new Float64Array(n);
  const q = new Float64Array(n);
  multiply(A, x, q);
  for (let i = 0; i < n; i++) r[i] = b[i] - q[i];
  const bNorm = Math.sqrt(dot(b, b));
  if (bNorm === 0) {
    x.fill(0);
    return { iterations: 0, residual: 0 };
  }
  let rNorm = Math.sqrt(dot(r, r));
  pre.apply(r, z);
  p.set(z);
  let rz = dot(r, z);
  let it = 0;
  while (rNorm > o.tolerance * bNorm && it < o.maxIterations) {
    multiply(A, p, q);
    const alpha = rz / dot(p, q);
    for (let i = 0; i < n; i++) {
      x[i] += alpha * p[i];
      r[i] -= alpha * q[i];
    }
    rNorm = Math.sqrt(dot(r, r));
    it++;
    if (rNorm <= o.tolerance * bNorm) break;
    pre.apply(r, z);
    const next = dot(r, z);
    const beta = next / rz;
    rz = next;
    for (let i = 0; i < n; i++) p[i] = z[i] + beta * p[i];
  }
  return { iterations: it, residual: rNorm / bNorm };
}
