/** Conv (2-D, grouped/depthwise, strided, padded, dilated): the input gradient is a ConvTranspose with the same weights. */
import { g0, unsupported, type RuleContext, type VjpRule } from '../rule';

/** Explicit [top, left, bottom, right] pads, resolving auto_pad like onnxruntime. */
export function explicitPads(c: RuleContext, inSize: number[], outSize: number[], kernel: number[], strides: number[], dilations: number[]): number[] {
  const autoPad = c.attrs.string('auto_pad', 'NOTSET');
  const pads = c.attrs.ints('pads', [0, 0, 0, 0])!;
  if (autoPad === 'NOTSET' || autoPad === 'VALID') return autoPad === 'VALID' ? [0, 0, 0, 0] : pads;
  const begin: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < 2; i++) {
    const total = Math.max(0, (outSize[i] - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - inSize[i]);
    const small = Math.floor(total / 2);
    begin.push(autoPad === 'SAME_UPPER' ? small : total - small);
    end.push(autoPad === 'SAME_UPPER' ? total - small : small);
  }
  return [...begin, ...end];
}

export const convRules: Record<string, VjpRule> = {
  Conv: (c) => {
    if (c.needs(1) || (c.x[2] && c.needs(2))) unsupported(c, 'Conv whose weights depend on the input');
    const xs = c.shape(c.x[0]);
    const ys = c.shape(c.y[0]);
    const ws = c.shape(c.x[1]);
    if (xs.length !== 4) unsupported(c, `a ${xs.length - 2}-D convolution (only 2-D is supported)`);
    const kernel = c.attrs.ints('kernel_shape', ws.slice(2))!;
    const strides = c.attrs.ints('strides', [1, 1])!;
    const dilations = c.attrs.ints('dilations', [1, 1])!;
    const group = c.attrs.int('group', 1);
    const inSize = xs.slice(2);
    const outSize = ys.slice(2);
    const pads = explicitPads(c, inSize, outSize, kernel, strides, dilations);
    // ConvTranspose output = s·(out−1) + ((k−1)·d + 1) − pads + output_padding: choose output_padding to land on
    // the input size exactly (strided convolutions drop trailing rows that contribute nothing).
    const outputPadding = [0, 1].map((i) => inSize[i] - (strides[i] * (outSize[i] - 1) + (kernel[i] - 1) * dilations[i] + 1 - pads[i] - pads[i + 2]));
    if (outputPadding.some((p, i) => p < 0 || p >= Math.max(strides[i], dilations[i]))) {
      unsupported(c, 'a convolution whose geometry cannot be inverted');
    }
    const gx = c.b.op('ConvTranspose', [g0(c), c.x[1]], {
      group, strides, dilations, pads, kernel_shape: kernel, output_padding: outputPadding,
    });
    return [gx, null, null];
  },
};
