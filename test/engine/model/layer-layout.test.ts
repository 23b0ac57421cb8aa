/** Layer layouts read from the graph: which ops decide NCHW or channels-last, and which pass a layout on. */
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { inferLayouts } from '../../../src/main/engine/model/layer-layout';
import { node } from '../../helpers/tiny-models';

const { onnx } = onnxProto;

function layouts(nodes: onnxProto.onnx.INodeProto[], ranks: Record<string, number>): Record<string, string> {
  const model = onnx.ModelProto.create({ graph: onnx.GraphProto.create({ node: nodes }) });
  const found = inferLayouts(model, (n) => ranks[n]);
  return Object.fromEntries([...found].map(([k, v]) => [k, v.layout]));
}

describe('inferLayouts', () => {
  it('Conv and pooling outputs are NCHW; a Transpose to channels-last and the ops after it are NHWC (ConvNeXt block)', () => {
    const got = layouts(
      [
        node('Conv', ['x', 'w'], ['c_out']),
        node('Transpose', ['c_out'], ['t_out'], { perm: [0, 2, 3, 1] }),
        node('LayerNormalization', ['t_out', 'g', 'b'], ['ln_out'], { axis: -1 }),
        node('MatMul', ['ln_out', 'w1'], ['mm_out']),
        node('Mul', ['mm_out', 'gamma'], ['ls_out']),
        node('Transpose', ['ls_out'], ['back_out'], { perm: [0, 3, 1, 2] }),
        node('Add', ['back_out', 'c_out'], ['res_out']),
      ],
      { x: 4, c_out: 4, t_out: 4, ln_out: 4, mm_out: 4, ls_out: 4, back_out: 4, res_out: 4, w1: 2, gamma: 1 },
    );
    expect(got).toMatchObject({ c_out: 'nchw', t_out: 'nhwc', ln_out: 'nhwc', mm_out: 'nhwc', ls_out: 'nhwc', back_out: 'nchw', res_out: 'nchw' });
  });

  it('a stage output is channels-last when a later Transpose makes it channels-first (Swin: norm, then permute)', () => {
    const got = layouts(
      [
        node('Add', ['a', 'b'], ['stage_out']),
        node('LayerNormalization', ['stage_out', 'g', 'bb'], ['norm_out'], { axis: -1 }),
        node('Transpose', ['norm_out'], ['perm_out'], { perm: [0, 3, 1, 2] }),
        node('GlobalAveragePool', ['perm_out'], ['gap_out']),
      ],
      { a: 4, b: 4, stage_out: 4, norm_out: 4, perm_out: 4, gap_out: 4 },
    );
    expect(got).toMatchObject({ a: 'nhwc', b: 'nhwc', stage_out: 'nhwc', norm_out: 'nhwc', perm_out: 'nchw' });
  });

  it('LayerNormalization over the last axis decides a tensor nothing else decides; attention MatMuls pass nothing on', () => {
    const got = layouts(
      [
        node('Reshape', ['tokens', 'shape'], ['grid_out']),
        node('LayerNormalization', ['grid_out', 'g', 'b'], ['ln_out'], { axis: -1 }),
        node('MatMul', ['ln_out', 'k_out'], ['attn_out']),
        node('Relu', ['other'], ['unknown_out']),
      ],
      { tokens: 3, shape: 1, grid_out: 4, ln_out: 4, k_out: 4, attn_out: 4, other: 4, unknown_out: 4 },
    );
    expect(got).toMatchObject({ grid_out: 'nhwc', ln_out: 'nhwc' });
    expect(got.attn_out).toBeUndefined();
    expect(got.unknown_out).toBeUndefined();
  });

  it('strong evidence wins over LayerNormalization: LayerNorm over the last axis of an NCHW tensor stays NCHW', () => {
    const got = layouts(
      [node('Conv', ['x', 'w'], ['c_out']), node('LayerNormalization', ['c_out', 'g', 'b'], ['ln_out'], { axis: -1 })],
      { x: 4, c_out: 4, ln_out: 4 },
    );
    expect(got).toMatchObject({ c_out: 'nchw', ln_out: 'nchw' });
  });
});
