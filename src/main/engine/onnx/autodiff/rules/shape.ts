/** Ops that only move, copy, select or pad elements. */
import { axisOf, constantInput, g0, isBatchAxis, unbroadcast, unsupported, type RuleContext, type VjpRule } from '../rule';

const passThrough: VjpRule = (c) => [g0(c), ...c.x.slice(1).map(() => null)];
const reshapeBack: VjpRule = (c) => [c.b.reshapeLike(g0(c), c.x[0]), ...c.x.slice(1).map(() => null)];

/** Slices [start, end) of `g` along `axis` (static bounds). */
function sliceAxis(c: RuleContext, g: string, axis: number, start: number, end: number): string {
  const b = c.b;
  return b.op('Slice', [g, b.i64([start]), b.i64([end]), b.i64([axis])]);
}

/** Pads g with zeros: `before[i]`/`after[i]` elements on each axis i. */
function zeroPad(c: RuleContext, g: string, before: number[], after: number[]): string {
  return c.b.op('Pad', [g, c.b.i64([...before, ...after])], { mode: 'constant' });
}

export const shapeRules: Record<string, VjpRule> = {
  Identity: passThrough,
  Dropout: (c) => {
    if (c.gy[1]) unsupported(c, 'a Dropout whose mask is used downstream');
    return [g0(c), null, null];
  },
  Cast: (c) => {
    if (c.attrs.int('to', 1) !== 1) unsupported(c, 'a Cast to a non-float32 type');
    return [g0(c)];
  },
  Reshape: reshapeBack,
  Flatten: reshapeBack,
  Squeeze: reshapeBack,
  Unsqueeze: reshapeBack,

  Transpose: (c) => {
    const r = c.shape(c.x[0]).length;
    const perm = c.attrs.ints('perm', Array.from({ length: r }, (_, i) => r - 1 - i))!;
    const inverse = new Array<number>(r);
    perm.forEach((p, i) => (inverse[p] = i));
    return [c.b.transpose(g0(c), inverse)];
  },

  Expand: (c) => [unbroadcast(c, g0(c), c.x[0], c.y[0]), null],

  Concat: (c) => {
    const r = c.shape(c.y[0]).length;
    const axis = axisOf(c.attrs.int('axis', 0), r);
    if (isBatchAxis(c, c.y[0], axis)) unsupported(c, 'a Concat along the batch axis');
    let offset = 0;
    return c.x.map((name, i) => {
      const size = c.shape(name)[axis];
      const start = offset;
      offset += size;
      return c.needs(i) ? sliceAxis(c, g0(c), axis, start, start + size) : null;
    });
  },

  // The gradient of Split is the concatenation of the outputs' gradients (zeros for outputs nobody used).
  Split: (c) => {
    const r = c.shape(c.x[0]).length;
    const axis = axisOf(c.attrs.int('axis', 0), r);
    if (isBatchAxis(c, c.x[0], axis)) unsupported(c, 'a Split along the batch axis');
    const parts = c.y.map((y, i) => c.gy[i] ?? c.b.zerosLike(y));
    return [c.b.op('Concat', parts, { axis }), null];
  },

  // Slice with constant bounds and unit steps: pad the gradient back with zeros.
  Slice: (c) => {
    const xs = c.shape(c.x[0]);
    const r = xs.length;
    const starts = constantInput(c, 1, 'Slice bounds');
    const ends = constantInput(c, 2, 'Slice bounds');
    const axes = c.x[3] ? constantInput(c, 3, 'Slice axes').map((a) => axisOf(a, r)) : starts.map((_, i) => i);
    const steps = c.x[4] ? constantInput(c, 4, 'Slice steps') : starts.map(() => 1);
    if (steps.some((s) => s !== 1)) unsupported(c, 'a Slice with steps other than 1');
    const before = new Array<number>(r).fill(0);
    const after = new Array<number>(r).fill(0);
    axes.forEach((axis, i) => {
      if (isBatchAxis(c, c.x[0], axis)) unsupported(c, 'a Slice along the batch axis');
      const dim = xs[axis];
      const clamp = (v: number): number => Math.min(dim, Math.max(0, v < 0 ? v + dim : v));
      const s = clamp(starts[i]);
      const e = Math.max(s, clamp(ends[i]));
      before[axis] = s;
      after[axis] = dim - e;
    });
    return [zeroPad(c, g0(c), before, after), null, null, null, null];
  },

  // Gather of one constant index along an axis (a ViT's class token x[:, 0]): put g back at that index.
  Gather: (c) => {
    const xs = c.shape(c.x[0]);
    const axis = axisOf(c.attrs.int('axis', 0), xs.length);
    const idx = constantInput(c, 1, 'Gather indices');
    if (isBatchAxis(c, c.x[0], axis)) unsupported(c, 'a Gather along the batch axis');
    const indexShape = c.shape(c.x[1]);
    if (idx.length !== 1) unsupported(c, 'a Gather of several indices');
    const i = idx[0] < 0 ? idx[0] + xs[axis] : idx[0];
    const before = new Array<number>(xs.length).fill(0);
    const after = new Array<number>(xs.length).fill(0);
    before[axis] = i;
    after[axis] = xs[axis] - i - 1;
    // A scalar index removes the axis; a 1-element index keeps it.
    const g = indexShape.length === 0 ? c.b.unsqueeze(g0(c), [axis]) : g0(c);
    return [zeroPad(c, g, before, after), null];
  },

  // Constant-mode Pad: the gradient is the un-padded window; negative amounts crop, so their gradient pads zeros back.
  Pad: (c) => {
    const mode = c.attrs.string('mode', 'constant');
    if (mode !== 'constant') unsupported(c, `a Pad in "${mode}" mode`);
    const xs = c.shape(c.x[0]);
    const r = xs.length;
    const pads = c.x[1] ? constantInput(c, 1, 'Pad amounts') : c.attrs.ints('pads', null);
    if (!pads) unsupported(c, 'a Pad without amounts');
    let axes = Array.from({ length: r }, (_, i) => i);
    if (c.x[3]) axes = constantInput(c, 3, 'Pad axes').map((a) => axisOf(a, r));
    const n = axes.length;
    const b = c.b;
    const before = new Array<number>(r).fill(0);
    const after = new Array<number>(r).fill(0);
    axes.forEach((a, i) => {
      if ((pads[i] || pads[n + i]) && isBatchAxis(c, c.x[0], a)) unsupported(c, 'a Pad of the batch axis');
      before[a] = pads[i];
      after[a] = pads[n + i];
    });
    let g = g0(c);
    if (before.some((p) => p < 0) || after.some((p) => p < 0)) {
      g = zeroPad(c, g, before.map((p) => Math.max(0, -p)), after.map((p) => Math.max(0, -p)));
    }
    // Slice only the padded axes: static sizes must not touch the (dynamic) batch axis.
    const padded = Array.from({ length: r }, (_, a) => a).filter((a) => before[a] > 0 || after[a] > 0);
    if (padded.length === 0) return [g, null, null, null];
    const starts = padded.map((a) => before[a]);
    const ends = padded.map((a) => before[a] + xs[a]);
    return [b.op('Slice', [g, b.i64(starts), b.i64(ends), b.i64(padded)]), null, null, null];
  },
};
