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

/** ONNX TensorProto data types that are integers or bool (uint8 … int64, bool, uint16 … uint64). */
const INTEGER_TYPES = new Set([2, 3, 4, 5, 6, 7, 9, 12, 13]);

/**
 * Scatters g (the gradient of a Slice output) back to an input axis of size `dim` at positions start, start + step,
 * …: interleave step − 1 zeros after every element (Unsqueeze, Pad, Reshape), then shift by `start` and crop to
 * `dim`. Axes before `axis` keep their (possibly dynamic) sizes through Reshape's 0; axes after it are static.
 */
function scatterStrided(c: RuleContext, g: string, shape: number[], axis: number, start: number, step: number, dim: number): string {
  const b = c.b;
  const n = shape[axis];
  const r = shape.length;
  const spread = b.op('Pad', [b.unsqueeze(g, [axis + 1]), b.i64([...new Array<number>(r + 1).fill(0), ...Array.from({ length: r + 1 }, (_, i) => (i === axis + 1 ? step - 1 : 0))])], { mode: 'constant' });
  const merged = b.op('Reshape', [spread, b.i64([...new Array<number>(axis).fill(0), n * step, ...shape.slice(axis + 1)])]);
  // merged has n·step elements on `axis`: element i·step holds g[i]. Place it at `start` and make the axis `dim` long.
  const before = new Array<number>(r).fill(0);
  const after = new Array<number>(r).fill(0);
  before[axis] = start;
  after[axis] = dim - start - n * step;
  if (after[axis] >= 0) return zeroPad(c, merged, before, after);
  const padded = start ? zeroPad(c, merged, before, new Array<number>(r).fill(0)) : merged;
  return sliceAxis(c, padded, axis, 0, dim);
}

export const shapeRules: Record<string, VjpRule> = {
  Identity: passThrough,
  Dropout: (c) => {
    if (c.gy[1]) unsupported(c, 'a Dropout whose mask is used downstream');
    return [g0(c), null, null];
  },
  // A Cast to an integer or bool type is piecewise constant: no gradient flows through it (shape arithmetic such as
  // Swin's `(C // heads) ** -0.5` or its shifted-window mask, which depend on the layer's shape only). A Cast to
  // float32 passes the gradient on; other float types are refused.
  Cast: (c) => {
    const to = c.attrs.int('to', 1);
    if (INTEGER_TYPES.has(to)) return [null];
    if (to !== 1) unsupported(c, 'a Cast to a floating-point type other than float32');
    return [g0(c)];
  },
  // Its values are a constant; its input is a shape.
  ConstantOfShape: () => [null],
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

  // Slice with constant bounds and positive steps: pad the gradient back with zeros (unit steps), or interleave
  // zeros first (steps > 1, e.g. Swin's patch merging x[..., 0::2, 1::2, :]).
  Slice: (c) => {
    const xs = c.shape(c.x[0]);
    const r = xs.length;
    const starts = constantInput(c, 1, 'Slice bounds');
    const ends = constantInput(c, 2, 'Slice bounds');
    const axes = c.x[3] ? constantInput(c, 3, 'Slice axes').map((a) => axisOf(a, r)) : starts.map((_, i) => i);
    const steps = c.x[4] ? constantInput(c, 4, 'Slice steps') : starts.map(() => 1);
    if (steps.some((s) => s < 1)) unsupported(c, 'a Slice with negative steps');
    const before = new Array<number>(r).fill(0);
    const after = new Array<number>(r).fill(0);
    const strided: { axis: number; start: number; step: number }[] = [];
    axes.forEach((axis, i) => {
      if (isBatchAxis(c, c.x[0], axis)) unsupported(c, 'a Slice along the batch axis');
      const dim = xs[axis];
      const clamp = (v: number): number => Math.min(dim, Math.max(0, v < 0 ? v + dim : v));
      const s = clamp(starts[i]);
      const e = Math.max(s, clamp(ends[i]));
      if (steps[i] === 1) {
        before[axis] = s;
        after[axis] = dim - e;
      } else {
        strided.push({ axis, start: s, step: steps[i] });
      }
    });
    let g = g0(c);
    // Undo the strided axes one at a time (the output shape with the axes undone so far), then the unit-step ones.
    const shape = [...c.shape(c.y[0])];
    for (const { axis, start, step } of strided) {
      g = scatterStrided(c, g, shape, axis, start, step, xs[axis]);
      shape[axis] = xs[axis];
    }
    if (before.some((p) => p > 0) || after.some((p) => p > 0)) g = zeroPad(c, g, before, after);
    return [g, null, null, null, null];
  },

  // ScatterND without reduction: the data keeps its gradient except where it was overwritten; the updates get the
  // gradient at the written positions. (The shifted-window mask of Swin is a ScatterND into zeros.)
  ScatterND: (c) => {
    const b = c.b;
    if (c.attrs.string('reduction', 'none') !== 'none') unsupported(c, 'a ScatterND with a reduction');
    const data = c.needs(0) ? b.op('ScatterND', [g0(c), c.x[1], b.zerosLike(c.x[2])]) : null;
    const updates = c.needs(2) ? b.op('GatherND', [g0(c), c.x[1]]) : null;
    return [data, null, updates];
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
