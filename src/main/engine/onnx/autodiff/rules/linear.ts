/** Gemm and MatMul. */
import { g0, unbroadcast, unsupported, rank, type VjpRule } from '../rule';

/** Swaps the last two axes of a tensor of rank r. */
function swapLast(r: number): number[] {
  const perm = Array.from({ length: r }, (_, i) => i);
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return perm;
}

export const linearRules: Record<string, VjpRule> = {
  // Y = α·A'·B' + β·C with A' = transA ? Aᵀ : A (same for B).
  Gemm: (c) => {
    const b = c.b;
    const alpha = c.attrs.float('alpha', 1);
    const beta = c.attrs.float('beta', 1);
    const transA = c.attrs.int('transA', 0);
    const transB = c.attrs.int('transB', 0);
    if (c.needs(1)) unsupported(c, 'Gemm whose weight matrix depends on the input');
    let gA: string | null = null;
    if (c.needs(0)) {
      if (transA) unsupported(c, 'Gemm with transA = 1');
      // dA = α·g·B'ᵀ; B'ᵀ = B when transB = 1, else Bᵀ.
      gA = b.op('Gemm', [g0(c), c.x[1]], { alpha: { f: alpha }, transB: transB ? 0 : 1 });
    }
    let gC: string | null = null;
    if (c.x[2] && c.needs(2)) {
      const scaled = beta === 1 ? g0(c) : b.mul(g0(c), b.f32([beta]));
      gC = unbroadcast(c, scaled, c.x[2], c.y[0]);
    }
    return [gA, null, gC];
  },

  // Y = A @ B (numpy semantics, rank ≥ 2): dA = g @ Bᵀ, dB = Aᵀ @ g, then undo batch broadcasting.
  MatMul: (c) => {
    const b = c.b;
    const ra = rank(c, c.x[0]);
    const rb = rank(c, c.x[1]);
    if (ra < 2 || rb < 2) unsupported(c, 'MatMul with a vector operand');
    const gA = c.needs(0) ? unbroadcast(c, b.op('MatMul', [g0(c), b.transpose(c.x[1], swapLast(rb))]), c.x[0], c.y[0]) : null;
    const gB = c.needs(1) ? unbroadcast(c, b.op('MatMul', [b.transpose(c.x[0], swapLast(ra)), g0(c)]), c.x[1], c.y[0]) : null;
    return [gA, gB];
  },
};
