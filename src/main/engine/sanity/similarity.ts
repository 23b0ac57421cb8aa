/**
 * Similarity of two maps (Adebayo et al., "Sanity Checks for Saliency Maps", NeurIPS 2018, §3): Spearman rank
 * correlation, Pearson correlation and SSIM. Correlations of a constant map are undefined (null).
 */

/** Ranks 1..n, ties given their average rank (as scipy.stats.rankdata's default). */
export function averageRanks(v: ArrayLike<number>): Float64Array {
  const n = v.length;
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => v[a] - v[b] || a - b);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && v[order[j + 1]] === v[order[i]]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = r;
    i = j + 1;
  }
  return ranks;
}

/** Pearson's r; null when either input is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  const n = a.length;
  if (n !== b.length) throw new Error(`pearson: lengths differ (${n} vs ${b.length})`);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return null;
  return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
}

/** Spearman's ρ: Pearson's r of the average ranks (scipy.stats.spearmanr); null when either input is constant. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  return pearson(averageRanks(a), averageRanks(b));
}

export const SSIM = { sigma: 1.5, window: 11, K1: 0.01, K2: 0.03, dataRange: 1 } as const;

function gaussianKernel(size: number, sigma: number): Float64Array {
  const r = (size - 1) / 2;
  const k = Float64Array.from({ length: size }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const s = k.reduce((x, y) => x + y, 0);
  return k.map((x) => x / s);
}

/** Separable 'valid' filtering of an H×W image with a 1-D kernel (rows then columns): (H − n + 1)×(W − n + 1). */
function filterValid(img: Float64Array, W: number, H: number, k: Float64Array): Float64Array {
  const n = k.length;
  const w2 = W - n + 1;
  const h2 = H - n + 1;
  const tmp = new Float64Array(H * w2);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < w2; x++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += k[i] * img[y * W + x + i];
      tmp[y * w2 + x] = s;
    }
  }
  const out = new Float64Array(h2 * w2);
  for (let y = 0; y < h2; y++) {
    for (let x = 0; x < w2; x++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += k[i] * tmp[(y + i) * w2 + x];
      out[y * w2 + x] = s;
    }
  }
  return out;
}

/**
 * SSIM (Wang et al., IEEE TIP 2004) in its standard Gaussian-window form: an 11×11 Gaussian window with σ = 1.5
 * (normalised to sum 1), C1 = (K1·L)², C2 = (K2·L)² with K1 = 0.01, K2 = 0.03 and data range L = 1, local means,
 * variances and covariance weighted by the window (population form), evaluated at every window position fully inside
 * the image ('valid'), and averaged. This equals scikit-image's structural_similarity(gaussian_weights=True,
 * sigma=1.5, use_sample_covariance=False, data_range=1), which crops the same 5-pixel border.
 */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, width: number, height: number): number {
  if (a.length !== width * height || b.length !== width * height) throw new Error('ssim: sizes differ');
  if (width < SSIM.window || height < SSIM.window) throw new Error(`ssim: the maps (${width}x${height}) are smaller than the ${SSIM.window}x${SSIM.window} window`);
  const k = gaussianKernel(SSIM.window, SSIM.sigma);
  const A = Float64Array.from(a);
  const B = Float64Array.from(b);
  const mul = (x: Float64Array, y: Float64Array): Float64Array => x.map((v, i) => v * y[i]);
  const mA = filterValid(A, width, height, k);
  const mB = filterValid(B, width, height, k);
  const AA = filterValid(mul(A, A), width, height, k);
  const BB = filterValid(mul(B, B), width, height, k);
  const AB = filterValid(mul(A, B), width, height, k);
  const C1 = (SSIM.K1 * SSIM.dataRange) ** 2;
  const C2 = (SSIM.K2 * SSIM.dataRange) ** 2;
  let sum = 0;
  for (let i = 0; i < mA.length; i++) {
    const va = AA[i] - mA[i] * mA[i];
    const vb = BB[i] - mB[i] * mB[i];
    const cov = AB[i] - mA[i] * mB[i];
    sum += ((2 * mA[i] * mB[i] + C1) * (2 * cov + C2)) / ((mA[i] ** 2 + mB[i] ** 2 + C1) * (va + vb + C2));
  }
  return sum / mA.length;
}

/** Mean and population standard deviation of the defined (non-null) values; n = how many. */
export function meanStd(values: readonly (number | null)[]): { mean: number | null; std: number | null; n: number } {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  if (v.length === 0) return { mean: null, std: null, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, std, n: v.length };
}
