/**
 * Adapting a user's model to the one form every camscope graph generator works on: a float32 NCHW image input and
 * a first output of class logits. The adaptation is a few ONNX nodes around the user's graph, so the model's own
 * computation is untouched and every method, metric and generated graph (backward pass, fused scoring, fp16) sees
 * the same canonical model.
 *
 * - Input: channels-last models get a Transpose, uint8 models a round-and-cast (x is then in pixel units, 0–255).
 * - Output: a final Softmax/LogSoftmax/Sigmoid is removed and its input explained (never a second softmax on top of
 *   the model's probabilities); a single output column z becomes two classes [−z, z] (or [1 − p, p]).
 */
import onnxProto from 'onnx-proto';
import { CamscopeError } from '../errors';
import { GraphBuilder } from '../onnx/autodiff/builder';
import { Attrs } from '../onnx/autodiff/builder';
import { graphOf, opsetVersion, producers, type ModelProto, type NodeProto } from '../onnx/graph';
import type { OutputInfo, TensorLayout } from '../types';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const UINT8 = onnx.TensorProto.DataType.UINT8;

/** The canonical image input: float32 [N, C, H, W], values as the profile's normalisation makes them. */
export const CANONICAL_INPUT = 'camscope_input';
/** The two-class logits made from a single output column. */
export const BINARY_LOGITS = 'camscope_binary_logits';

type Activation = NonNullable<OutputInfo['activation']>;

function dim(d: number | string): onnxProto.onnx.TensorShapeProto.IDimension {
  return typeof d === 'number' ? { dimValue: d } : { dimParam: d };
}

/**
 * Replaces the model's image input (name `input`, layout and element type as found) by a float32 NCHW input
 * named CANONICAL_INPUT, feeding the original input name through a Transpose and/or a round-and-cast.
 */
export function adaptInput(model: ModelProto, input: string, layout: TensorLayout, type: 'float32' | 'uint8', nchwShape: (number | string)[]): ModelProto {
  if (layout === 'nchw' && type === 'float32') return model;
  const graph = graphOf(model);
  const b = new GraphBuilder(opsetVersion(model), 'camscope_in');
  let x = CANONICAL_INPUT;
  if (type === 'uint8') {
    // Masked inputs (x ∘ H) are fractional: round to the nearest pixel value as an image file would hold it.
    const clipped = b.op('Min', [b.op('Max', [x, b.f32([0])]), b.f32([255])]);
    x = b.op('Cast', [b.op('Floor', [b.add(clipped, b.f32([0.5]))])], { to: UINT8 });
  }
  if (layout === 'nhwc') x = b.transpose(x, [0, 2, 3, 1]);
  // The last adapter node writes the original input name, so the user's graph reads it unchanged.
  const last = b.nodes[b.nodes.length - 1];
  last.output = [input];
  const g = onnx.GraphProto.create({
    ...graph,
    node: [...b.nodes, ...graph.node],
    initializer: [...b.initializers, ...graph.initializer],
    input: [
      { name: CANONICAL_INPUT, type: { tensorType: { elemType: FLOAT, shape: { dim: nchwShape.map(dim) } } } },
      ...graph.input.filter((i) => i.name !== input),
    ],
  });
  return onnx.ModelProto.create({ ...model, graph: g });
}

/** The class axis of a 2-D output is 1 (= −1); Softmax's default axis is 1 before opset 13 and −1 after. */
function actsOnClasses(node: NodeProto): boolean {
  if (node.opType === 'Sigmoid') return true;
  const axis = new Attrs(node).int('axis', 1);
  return axis === 1 || axis === -1;
}

/** The final activation that makes the first output, when it is one camscope can explain around. */
export function findOutputActivation(model: ModelProto): { activation: Activation; node: NodeProto; logits: string } | null {
  const output = graphOf(model).output[0]?.name ?? '';
  const node = producers(model).get(output)?.node;
  const op = node?.opType ?? '';
  if (!node || (node.domain && node.domain !== 'ai.onnx')) return null;
  if ((op === 'Softmax' || op === 'LogSoftmax' || op === 'Sigmoid') && actsOnClasses(node) && node.input?.[0]) {
    return { activation: op, node, logits: node.input[0] };
  }
  return null;
}

/**
 * Makes `tensor` the model's only output. With `strip`, the activation node that made the old first output is
 * removed when nothing else reads its result (its input becomes the output).
 */
export function withOutput(model: ModelProto, tensor: string, strip: NodeProto | null): ModelProto {
  const graph = graphOf(model);
  const old = graph.output[0]?.name;
  const readers = graph.node.some((n) => (n.input ?? []).includes(old ?? ''));
  const node = strip && !readers ? graph.node.filter((n) => n !== strip) : graph.node;
  const g = onnx.GraphProto.create({ ...graph, node, output: [onnx.ValueInfoProto.create({ name: tensor })] });
  return onnx.ModelProto.create({ ...model, graph: g });
}

/**
 * A single output column as two classes: logits [−z, z] (so σ gives p₀ = 1 − σ(z), p₁ = σ(z)), or, when the
 * column already is a probability p, [1 − p, p].
 */
export function withBinaryOutput(model: ModelProto, column: string, probabilities: boolean): { model: ModelProto; nodes: { name: string; shape: 'column' | 'pair' }[] } {
  const graph = graphOf(model);
  const b = new GraphBuilder(opsetVersion(model), 'camscope_out');
  const other = probabilities ? b.sub(b.f32([1]), column) : b.neg(column);
  b.emit('Concat', [other, column], { axis: 1 }, [BINARY_LOGITS]);
  const g = onnx.GraphProto.create({
    ...graph,
    node: [...graph.node, ...b.nodes],
    initializer: [...graph.initializer, ...b.initializers],
    output: [onnx.ValueInfoProto.create({ name: BINARY_LOGITS })],
  });
  return { model: onnx.ModelProto.create({ ...model, graph: g }), nodes: [{ name: other, shape: 'column' }, { name: BINARY_LOGITS, shape: 'pair' }] };
}

/** Input layout from the dimensions, when they leave no doubt: the channel axis is the one that is 1 or 3. */
export function detectInputLayout(shape: (number | string)[]): TensorLayout | null {
  const isChannels = (d: number | string): boolean => d === 1 || d === 3;
  const [, d1, , d3] = shape;
  if (isChannels(d1) && !isChannels(d3)) return 'nchw';
  if (isChannels(d3) && !isChannels(d1)) return 'nhwc';
  return null;
}

export function layoutError(name: string, shape: (number | string)[]): CamscopeError {
  const [, d1, , d3] = shape;
  const channels = (d: number | string): boolean => d === 1 || d === 3;
  if (!channels(d1) && !channels(d3) && typeof d1 === 'number') {
    return new CamscopeError('UNSUPPORTED_MODEL', `The model's input "${name}" [${shape.join(', ')}] has no colour axis of size 1 or 3 (it would be ${d1} input channels as NCHW, ${d3} as NHWC); camscope supports grayscale and RGB images.`);
  }
  return new CamscopeError('UNSUPPORTED_MODEL', `The model's input "${name}" [${shape.join(', ')}] does not show which axis holds the colour channels; set "layout" to "nchw" or "nhwc" in the model's settings file.`);
}
