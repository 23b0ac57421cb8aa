/**
 * The tiny CNN of tiny-models.ts rewired in the ways real exported classifiers differ, with the same weights: a
 * final Softmax/LogSoftmax/Sigmoid (or a softmax written as Exp/ReduceSum/Div), a single binary logit, channels-last
 * or uint8 inputs with the normalisation inside the graph, and a channels-last copy of the target layer. Each
 * variant must give the plain NCHW logits model's probabilities and maps (the model-contract invariance tests).
 */
import onnxProto from 'onnx-proto';
import { IMAGENET_MEAN, IMAGENET_STD } from '../../src/main/engine/model/profile';
import { encode, initializer, node, valueInfo, type TinyCnn } from './tiny-models';

const { onnx } = onnxProto;

export interface ContractOptions {
  /** 'uint8' and 'float255': pixel values in, ImageNet normalisation inside the graph. */
  input?: 'nchw' | 'nhwc' | 'uint8' | 'float255';
  /** 'nhwc': the target layer `relu_out` is the ReLU of a channels-last copy of the conv output. */
  layer?: 'nchw' | 'nhwc';
  head?: 'logits' | 'softmax' | 'logsoftmax' | 'sigmoid' | 'manual-softmax';
  /** One output column z = l₁ − l₀ (the model must have K = 2). */
  binary?: boolean;
}

/** A 2-class model whose logits are [−z/2, z/2]: softmax gives σ(z), and ∂l_c is ∓∂z/2, as a binary head's is ∓∂z. */
export function antisymmetric(m: TinyCnn): TinyCnn {
  if (m.K !== 2) throw new Error('antisymmetric needs K = 2');
  const fcW = new Float32Array(2 * m.C);
  for (let c = 0; c < m.C; c++) {
    const v = m.fcW[m.C + c] - m.fcW[c];
    fcW[c] = -v / 2;
    fcW[m.C + c] = v / 2;
  }
  const b = m.fcB[1] - m.fcB[0];
  return { ...m, fcW, fcB: Float32Array.of(-b / 2, b / 2) };
}

/** A 2-class model with logits [−z, z] (z = l₁ − l₀ of `m`): a binary head's canonical form, for "scores": "sigmoid". */
export function mirrored(m: TinyCnn): TinyCnn {
  if (m.K !== 2) throw new Error('mirrored needs K = 2');
  const fcW = new Float32Array(2 * m.C);
  for (let c = 0; c < m.C; c++) {
    const v = m.fcW[m.C + c] - m.fcW[c];
    fcW[c] = -v;
    fcW[m.C + c] = v;
  }
  const b = m.fcB[1] - m.fcB[0];
  return { ...m, fcW, fcB: Float32Array.of(-b, b) };
}

export function contractModelOnnx(m: TinyCnn, o: ContractOptions = {}): Uint8Array {
  const H = 2 * m.h, W = 2 * m.w;
  const nodes: onnxProto.onnx.INodeProto[] = [];
  const inits: onnxProto.onnx.ITensorProto[] = [];
  let x = 'input';
  let inputInfo = valueInfo('input', ['N', m.inC, H, W]);
  if (o.input === 'nhwc') {
    inputInfo = valueInfo('input', ['N', H, W, m.inC]);
    nodes.push(node('Transpose', ['input'], ['input_nchw_out'], { perm: [0, 3, 1, 2] }));
    x = 'input_nchw_out';
  } else if (o.input === 'uint8' || o.input === 'float255') {
    if (o.input === 'uint8') {
      inputInfo = valueInfo('input', ['N', m.inC, H, W], onnx.TensorProto.DataType.UINT8);
      nodes.push(node('Cast', ['input'], ['cast_out'], { to: onnx.TensorProto.DataType.FLOAT }));
      x = 'cast_out';
    }
    inits.push(
      initializer('k255', [], Float32Array.of(255)),
      initializer('mean', [1, 3, 1, 1], Float32Array.from(IMAGENET_MEAN)),
      initializer('std', [1, 3, 1, 1], Float32Array.from(IMAGENET_STD)),
    );
    nodes.push(node('Div', [x, 'k255'], ['scaled_out']), node('Sub', ['scaled_out', 'mean'], ['centred_out']), node('Div', ['centred_out', 'std'], ['normalized_out']));
    x = 'normalized_out';
  }
  nodes.push(node('Conv', [x, 'conv.w', 'conv.b'], ['conv_out'], { kernel_shape: [2, 2], strides: [2, 2] }));
  let pooled = 'relu_out';
  if (o.layer === 'nhwc') {
    nodes.push(
      node('Transpose', ['conv_out'], ['conv_nhwc_out'], { perm: [0, 2, 3, 1] }),
      node('Relu', ['conv_nhwc_out'], ['relu_out']),
      node('Transpose', ['relu_out'], ['relu_nchw_out'], { perm: [0, 3, 1, 2] }),
    );
    pooled = 'relu_nchw_out';
  } else {
    nodes.push(node('Relu', ['conv_out'], ['relu_out']));
  }
  let fcW = m.fcW, fcB = m.fcB, K = m.K;
  if (o.binary) {
    // z = l₁ − l₀: one row of weights (exact in float32 for an antisymmetric head: l₁ = z/2).
    fcW = Float32Array.from({ length: m.C }, (_, c) => m.fcW[m.C + c] - m.fcW[c]);
    fcB = Float32Array.of(m.fcB[1] - m.fcB[0]);
    K = 1;
  }
  nodes.push(
    node('GlobalAveragePool', [pooled], ['gap_out']),
    node('Flatten', ['gap_out'], ['flat_out']),
    node('Gemm', ['flat_out', 'fc.w', 'fc.b'], ['logits'], { transB: 1 }),
  );
  let out = 'logits';
  const head = o.head ?? 'logits';
  if (head === 'softmax' || head === 'logsoftmax') nodes.push(node(head === 'softmax' ? 'Softmax' : 'LogSoftmax', ['logits'], ['scores'], { axis: 1 }));
  if (head === 'sigmoid') nodes.push(node('Sigmoid', ['logits'], ['scores']));
  if (head === 'manual-softmax') {
    inits.push(initializer('axes1', [1], BigInt64Array.of(1n)));
    nodes.push(node('Exp', ['logits'], ['exp_out']), node('ReduceSum', ['exp_out', 'axes1'], ['sum_out'], { keepdims: 1 }), node('Div', ['exp_out', 'sum_out'], ['scores']));
  }
  if (head !== 'logits') out = 'scores';
  return encode({
    name: 'contract-cnn',
    node: nodes,
    input: [inputInfo],
    output: [valueInfo(out, ['N', K])],
    initializer: [
      ...inits,
      initializer('conv.w', [m.C, m.inC, 2, 2], m.convW),
      initializer('conv.b', [m.C], m.convB),
      initializer('fc.w', [K, m.C], fcW),
      initializer('fc.b', [K], fcB),
    ],
  });
}
