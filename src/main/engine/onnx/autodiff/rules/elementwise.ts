/** Elementwise activations, broadcasting arithmetic, and Softmax. */
import { g0, unbroadcast, unsupported, axisOf, rank, type RuleContext, type VjpRule } from '../rule';

/** g ⊙ mask where mask = cond(x), written as Where(cond, g, 0). */
function gate(c: RuleContext, cond: string, g: string, other?: string): string {
  return c.b.where(cond, g, other ?? c.b.f32([0]));
}

export const elementwiseRules: Record<string, VjpRule> = {
  Relu: (c) => [gate(c, c.b.op('Greater', [c.x[0], c.b.f32([0])]), g0(c))],

  LeakyRelu: (c) => {
    const alpha = c.attrs.float('alpha', 0.01);
    return [gate(c, c.b.op('Greater', [c.x[0], c.b.f32([0])]), g0(c), c.b.mul(g0(c), c.b.f32([alpha])))];
  },

  // ReLU6 exports as Clip(x, 0, 6). Like PyTorch's hardtanh backward, the gradient passes strictly inside (min, max).
  Clip: (c) => {
    const b = c.b;
    let inside: string | null = null;
    const lo = c.x[1] || null;
    const hi = c.x[2] || null;
    if (c.attrs.has('min') || c.attrs.has('max')) unsupported(c, 'Clip with attribute bounds (opset < 11)');
    if (lo) inside = b.op('Greater', [c.x[0], lo]);
    if (hi) {
      const below = b.op('Less', [c.x[0], hi]);
      inside = inside ? b.op('And', [inside, below]) : below;
    }
    return [inside ? gate(c, inside, g0(c)) : g0(c), null, null];
  },

  Sigmoid: (c) => {
    const b = c.b;
    const y = c.y[0];
    return [b.mul(g0(c), b.mul(y, b.sub(b.f32([1]), y)))];
  },

  Tanh: (c) => {
    const b = c.b;
    const y = c.y[0];
    return [b.mul(g0(c), b.sub(b.f32([1]), b.mul(y, y)))];
  },

  // y = max(0, min(1, αx + β)): slope α strictly inside the linear part.
  HardSigmoid: (c) => {
    const b = c.b;
    const alpha = c.attrs.float('alpha', 0.2);
    const beta = c.attrs.float('beta', 0.5);
    const t = b.add(b.mul(c.x[0], b.f32([alpha])), b.f32([beta]));
    const inside = b.op('And', [b.op('Greater', [t, b.f32([0])]), b.op('Less', [t, b.f32([1])])]);
    return [gate(c, inside, b.mul(g0(c), b.f32([alpha])))];
  },

  // y = x·HardSigmoid(x) with α = 1/6, β = 1/2: dy/dx = 0 (x < −3), x/3 + 1/2 (−3 ≤ x ≤ 3), 1 (x > 3), as PyTorch.
  HardSwish: (c) => {
    const b = c.b;
    const x = c.x[0];
    const mid = b.add(b.div(x, b.f32([3])), b.f32([0.5]));
    const slope = b.where(b.op('Less', [x, b.f32([-3])]), b.f32([0]), b.where(b.op('Greater', [x, b.f32([3])]), b.f32([1]), mid));
    return [b.mul(g0(c), slope)];
  },

  Erf: (c) => {
    const b = c.b;
    const x = c.x[0];
    const d = b.mul(b.f32([2 / Math.sqrt(Math.PI)]), b.op('Exp', [b.neg(b.mul(x, x))]));
    return [b.mul(g0(c), d)];
  },

  // y = cond ? a : b: the gradient goes to a where cond holds and to b elsewhere; cond (bool) has none.
  Where: (c) => {
    const b = c.b;
    const zero = b.f32([0]);
    return [
      null,
      c.needs(1) ? unbroadcast(c, b.where(c.x[0], g0(c), zero), c.x[1], c.y[0]) : null,
      c.needs(2) ? unbroadcast(c, b.where(c.x[0], zero, g0(c)), c.x[2], c.y[0]) : null,
    ];
  },

  Exp: (c) => [c.b.mul(g0(c), c.y[0])],
  Log: (c) => [c.b.div(g0(c), c.x[0])],
  Sqrt: (c) => [c.b.div(g0(c), c.b.mul(c.b.f32([2]), c.y[0]))],
  Neg: (c) => [c.b.neg(g0(c))],
  Reciprocal: (c) => [c.b.neg(c.b.mul(g0(c), c.b.mul(c.y[0], c.y[0])))],

  Pow: (c) => {
    const b = c.b;
    if (c.needs(1)) unsupported(c, 'Pow with an exponent that depends on the input');
    const p = c.x[1];
    const dydx = b.mul(p, b.op('Pow', [c.x[0], b.sub(p, b.f32([1]))]));
    return [b.mul(g0(c), dydx), null];
  },

  Add: (c) => [c.needs(0) ? unbroadcast(c, g0(c), c.x[0], c.y[0]) : null, c.needs(1) ? unbroadcast(c, g0(c), c.x[1], c.y[0]) : null],

  Sub: (c) => [c.needs(0) ? unbroadcast(c, g0(c), c.x[0], c.y[0]) : null, c.needs(1) ? unbroadcast(c, c.b.neg(g0(c)), c.x[1], c.y[0]) : null],

  Mul: (c) => [
    c.needs(0) ? unbroadcast(c, c.b.mul(g0(c), c.x[1]), c.x[0], c.y[0]) : null,
    c.needs(1) ? unbroadcast(c, c.b.mul(g0(c), c.x[0]), c.x[1], c.y[0]) : null,
  ],

  // y = a / b: da = g / b, db = −g·y / b.
  Div: (c) => [
    c.needs(0) ? unbroadcast(c, c.b.div(g0(c), c.x[1]), c.x[0], c.y[0]) : null,
    c.needs(1) ? unbroadcast(c, c.b.neg(c.b.div(c.b.mul(g0(c), c.y[0]), c.x[1])), c.x[1], c.y[0]) : null,
  ],

  // dx = y ⊙ (g − Σ_axis g ⊙ y)
  Softmax: (c) => {
    const b = c.b;
    const axis = axisOf(c.attrs.int('axis', -1), rank(c, c.y[0]));
    const y = c.y[0];
    const dot = b.reduceSum(b.mul(g0(c), y), [axis], true);
    return [b.mul(y, b.sub(g0(c), dot))];
  },
};
