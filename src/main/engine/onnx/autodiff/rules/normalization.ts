/** BatchNormalization (inference) and LayerNormalization. */
import { axisOf, g0, unsupported, type VjpRule } from '../rule';

export const normalizationRules: Record<string, VjpRule> = {
  // Inference BN is per-channel affine: dx = g · scale / sqrt(var + ε).
  BatchNormalization: (c) => {
    const b = c.b;
    if ([1, 2, 3, 4].some((i) => c.needs(i))) unsupported(c, 'BatchNormalization whose statistics depend on the input');
    if (c.attrs.int('training_mode', 0)) unsupported(c, 'BatchNormalization in training mode');
    const r = c.shape(c.x[0]).length;
    const eps = c.attrs.float('epsilon', 1e-5);
    const factor = b.div(c.x[1], b.op('Sqrt', [b.add(c.x[4], b.f32([eps]))]));
    const shaped = b.op('Reshape', [factor, b.i64([1, -1, ...new Array(Math.max(0, r - 2)).fill(1)])]);
    return [b.mul(g0(c), shaped), null, null, null, null];
  },

  // y = x̂·γ + β with x̂ = (x − μ)/σ over axes [axis, rank). With ĝ = g·γ:
  // dx = (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) / σ.
  LayerNormalization: (c) => {
    const b = c.b;
    if (c.needs(1) || (c.x[2] && c.needs(2))) unsupported(c, 'LayerNormalization whose scale depends on the input');
    if (c.gy[1] || c.gy[2]) unsupported(c, 'LayerNormalization whose mean/variance outputs are used downstream');
    const r = c.shape(c.x[0]).length;
    const axis = axisOf(c.attrs.int('axis', -1), r);
    const axes = Array.from({ length: r - axis }, (_, i) => axis + i);
    const eps = c.attrs.float('epsilon', 1e-5);
    const x = c.x[0];
    const mu = b.reduceMean(x, axes, true);
    const centered = b.sub(x, mu);
    const sigma = b.op('Sqrt', [b.add(b.reduceMean(b.mul(centered, centered), axes, true), b.f32([eps]))]);
    const xhat = b.div(centered, sigma);
    const gh = b.mul(g0(c), c.x[1]);
    const inner = b.sub(b.sub(gh, b.reduceMean(gh, axes, true)), b.mul(xhat, b.reduceMean(b.mul(gh, xhat), axes, true)));
    return [b.div(inner, sigma), null, null];
  },
};
