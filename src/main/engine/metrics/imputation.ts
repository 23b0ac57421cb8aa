/**
 * ROAD's noisy linear imputation (Rong et al., "A Consistent and Efficient Evaluation Strategy for Attribution
 * Methods", ICML 2022, §4; their `NoisyLinearImputer`): every removed pixel equals the weighted mean of its
 * neighbours inside the image — weight 1/6 for the 4 side neighbours, 1/12 for the 4 diagonal ones — whether those
 * are kept or removed themselves, so the removed pixels' values are the solution of one sparse linear system
 * (per channel, the same matrix):
 *
 *   (Σ_{j∈N(i)} w_ij) x_i − Σ_{j∈N(i), removed} w_ij x_j = Σ_{j∈N(i), kept} w_ij v_j,
 *
 * then Gaussian noise (σ = 0.01 in the paper) is added to the imputed values only. The matrix is symmetric and
 * positive definite as soon as one pixel is kept; it is solved by ./grid-solver.ts.
 */
import { CamscopeError } from '../errors';
import { DEFAULT_SOLVE, GridMultigrid, OFFSETS, solveGrid, type GridOperator, type SolveOptions } from './grid-solver';

/** The weight of the neighbour at each of OFFSETS: 1/12 diagonal, 1/6 side (they sum to 1). */
export const NEIGHBOUR_WEIGHTS: readonly number[] = OFFSETS.map(([dx, dy]) => (dx !== 0 && dy !== 0 ? 1 / 12 : 1 / 6));

/** The standard deviation of the noise ROAD adds to imputed values (the paper's σ). */
export const ROAD_NOISE_STD = 0.01;

/** The imputation system's operator over the removed pixels (`removed[y · width + x]` non-zero), in row-major order. */
export function imputationOperator(width: number, height: number, removed: Uint8Array): GridOperator {
  const index = new Int32Array(width * height).fill(-1);
  let n = 0;
  for (let c = 0; c < index.length; c++) if (removed[c]) index[c] = n++;
  const cells = new Int32Array(n);
  const diag = new Float64Array(n);
  const nbr = new Int32Array(8 * n);
  const coef = new Float64Array(8 * n);
  for (let c = 0; c < index.length; c++) {
    const u = index[c];
    if (u < 0) continue;
    cells[u] = c;
    nbr.fill(u, 8 * u, 8 * u + 8); // no neighbour: a zero-weight link to itself (see GridOperator)
    const x = c % width;
    const y = (c - x) / width;
    OFFSETS.forEach(([dx, dy], k) => {
      const nx = x + dx;
      const ny = y + dy;
      if (nx < 0 || ny < 0 || nx >= width || ny >= height) return;
      diag[u] += NEIGHBOUR_WEIGHTS[k];
      const v = index[ny * width + nx];
      if (v >= 0 && v !== u) {
        nbr[8 * u + k] = v;
        coef[8 * u + k] = -NEIGHBOUR_WEIGHTS[k];
      }
    });
  }
  return { width, height, cells, diag, nbr, coef };
}

/**
 * `image` (CHW, `channels` planes of width × height) with its removed pixels imputed in every channel, plus
 * `noise[c · R + k]` added to the k-th removed pixel (row-major) of channel c, R the number of removed pixels
 * (null: no noise). The caller draws the noise, so a test can hand the same values to an independent solver.
 */
export function imputeLinear(
  image: Float32Array, channels: number, width: number, height: number, removed: Uint8Array,
  noise: ArrayLike<number> | null, solve: SolveOptions = DEFAULT_SOLVE,
): Float32Array {
  const plane = width * height;
  if (image.length !== channels * plane || removed.length !== plane) {
    throw new CamscopeError('INVALID_ARGUMENT', `ROAD imputation: the image has ${image.length} values and the mask ${removed.length}, not ${channels} × ${width} × ${height} and ${width} × ${height}.`);
  }
  const A = imputationOperator(width, height, removed);
  const R = A.cells.length;
  if (noise !== null && noise.length !== channels * R) {
    throw new CamscopeError('INVALID_ARGUMENT', `ROAD imputation: ${noise.length} noise values given for ${channels} × ${R} removed pixels.`);
  }
  const out = Float32Array.from(image);
  if (R === 0) return out;
  if (R === plane) throw new CamscopeError('INVALID_ARGUMENT', 'ROAD imputation: every pixel is removed, so there is nothing to impute from.');
  // One solve for all channels: they share the matrix (right-hand sides interleaved, channel fastest).
  const pre = new GridMultigrid(A, channels);
  const b = new Float64Array(R * channels);
  for (let u = 0; u < R; u++) {
    const c = A.cells[u];
    const px = c % width;
    const py = (c - px) / width;
    for (let k = 0; k < 8; k++) {
      const nx = px + OFFSETS[k][0];
      const ny = py + OFFSETS[k][1];
      if (nx < 0 || ny < 0 || nx >= width || ny >= height || removed[ny * width + nx]) continue;
      for (let ch = 0; ch < channels; ch++) b[u * channels + ch] += NEIGHBOUR_WEIGHTS[k] * image[ch * plane + ny * width + nx];
    }
  }
  const x = new Float64Array(R * channels);
  const { residual } = solveGrid(A, b, x, pre, solve);
  if (!(residual <= Math.max(solve.tolerance, 1e-6))) {
    throw new CamscopeError('NUMERICAL_ERROR', `ROAD imputation did not converge (relative residual ${residual.toExponential(2)} after ${solve.maxIterations} iterations).`);
  }
  for (let ch = 0; ch < channels; ch++) {
    for (let u = 0; u < R; u++) out[ch * plane + A.cells[u]] = x[u * channels + ch] + (noise === null ? 0 : noise[ch * R + u]);
  }
  return out;
}
