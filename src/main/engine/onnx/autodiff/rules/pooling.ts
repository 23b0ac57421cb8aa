/** Pooling and reductions. */
import { axisOf, constantInput, g0, unsupported, type RuleContext, type VjpRule } from '../rule';
import { explicitPads } from './conv';

/** Axes a Reduce* node reduces: from the attribute (opset < 18 for ReduceMean) or the constant second input. */
function reduceAxes(c: RuleContext): number[] {
  const r = c.shape(c.x[0]).length;
  const fromAttr = c.attrs.ints('axes', null);
  const axes = fromAttr ?? (c.x[1] ? constantInput(c, 1, 'reduction axes') : null);
  if (!axes || axes.length === 0) {
    if (c.attrs.int('noop_with_empty_axes', 0)) return [];
    return Array.from({ length: r }, (_, i) => i);
  }
  return axes.map((a) => axisOf(a, r)).sort((a, b) => a - b);
}

/** Spreads g (reduced over `axes`) back over the input shape, scaled by `scale`. */
function spread(c: RuleContext, axes: number[], keepdims: boolean, scale: number): string {
  const b = c.b;
  if (axes.includes(0)) unsupported(c, 'a reduction over the batch axis');
  let g = g0(c);
  if (!keepdims && axes.length) g = b.unsqueeze(g, axes);
  if (scale !== 1) g = b.mul(g, b.f32([scale]));
  return b.op('Expand', [g, b.shapeOf(c.x[0])]);
}

export const poolingRules: Record<string, VjpRule> = {
  GlobalAveragePool: (c) => {
    const xs = c.shape(c.x[0]);
    const count = xs.slice(2).reduce((a, d) => a * d, 1);
    return [spread(c, [], true, 1 / count)];
  },

  ReduceMean: (c) => {
    const axes = reduceAxes(c);
    const xs = c.shape(c.x[0]);
    const count = axes.reduce((a, ax) => a * xs[ax], 1);
    return [spread(c, axes, c.attrs.int('keepdims', 1) === 1, 1 / count), null];
  },

  ReduceSum: (c) => [spread(c, reduceAxes(c), c.attrs.int('keepdims', 1) === 1, 1), null],

  // MaxPool routes each output's gradient to the input element that won. The forward node is asked for its Indices
  // output (flat positions in N·C·H·W) and the gradient is scattered there, adding where windows overlap.
  MaxPool: (c) => {
    const b = c.b;
    if (c.gy[1]) unsupported(c, 'a MaxPool whose indices are used downstream');
    if (c.attrs.int('storage_order', 0) !== 0) unsupported(c, 'MaxPool with column-major storage order');
    const indices = c.addForwardOutput(1);
    const flatShape = b.i64([-1]);
    const size = b.unsqueeze(b.op('Size', [c.x[0]]), [0]);
    const zeros = b.op('ConstantOfShape', [size]);
    const kernel = c.attrs.ints('kernel_shape', null)!;
    const strides = c.attrs.ints('strides', kernel.map(() => 1))!;
    const overlapping = kernel.some((k, i) => k > strides[i]);
    let reduction: Record<string, string> = {};
    if (overlapping) {
      if (b.opset < 16) unsupported(c, 'a MaxPool with overlapping windows in a model older than opset 16');
      reduction = { reduction: 'add' };
    }
    const scattered = b.op('ScatterElements', [zeros, b.op('Reshape', [indices, flatShape]), b.op('Reshape', [g0(c), flatShape])], { axis: 0, ...reduction });
    return [b.reshapeLike(scattered, c.x[0])];
  },

  // AveragePool's gradient spreads g / (window count) over each window: a depthwise ConvTranspose with a constant
  // kernel of ones. With count_include_pad = 0 and padding, border windows divide by fewer elements.
  AveragePool: (c) => {
    const b = c.b;
    const xs = c.shape(c.x[0]);
    const ys = c.shape(c.y[0]);
    if (xs.length !== 4) unsupported(c, `a ${xs.length - 2}-D AveragePool (only 2-D is supported)`);
    if (c.attrs.int('ceil_mode', 0)) unsupported(c, 'AveragePool with ceil_mode');
    const kernel = c.attrs.ints('kernel_shape', null)!;
    const strides = c.attrs.ints('strides', [1, 1])!;
    const dilations = c.attrs.ints('dilations', [1, 1])!;
    if (dilations.some((d) => d !== 1)) unsupported(c, 'a dilated AveragePool');
    const inSize = xs.slice(2);
    const outSize = ys.slice(2);
    const pads = explicitPads(c, inSize, outSize, kernel, strides, dilations);
    const channels = xs[1];
    const area = kernel[0] * kernel[1];
    let g = g0(c);
    if (!c.attrs.int('count_include_pad', 0) && pads.some((p) => p > 0)) {
      // Each output's divisor = valid elements in its window = AveragePool(ones, include pads)·area.
      const ones = b.op('ConstantOfShape', [b.shapeOf(c.x[0])], {});
      const onesF = b.add(ones, b.f32([1]));
      const fraction = b.op('AveragePool', [onesF], { kernel_shape: kernel, strides, pads, count_include_pad: 1 });
      g = b.div(g, b.mul(fraction, b.f32([area])));
    } else {
      g = b.mul(g, b.f32([1 / area]));
    }
    const weight = b.f32(new Array(channels * area).fill(1), [channels, 1, kernel[0], kernel[1]]);
    const outputPadding = [0, 1].map((i) => inSize[i] - (strides[i] * (outSize[i] - 1) + kernel[i] - pads[i] - pads[i + 2]));
    if (outputPadding.some((p, i) => p < 0 || p >= strides[i])) unsupported(c, 'an AveragePool whose geometry cannot be inverted');
    return [b.op('ConvTranspose', [g, weight], { group: channels, strides, pads, kernel_shape: kernel, output_padding: outputPadding })];
  },
};
