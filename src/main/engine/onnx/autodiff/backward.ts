/**
 * Reverse-mode differentiation of an ONNX classifier, as ONNX: the generated model runs the original forward pass
 * and then the backward pass from the target score to a chosen layer, in the same session (so on whatever
 * execution provider runs the model). One run returns logits, the layer's activations, their gradient and the
 * class that was explained.
 *
 * Inputs added: `camscope_target` int64 [N] — the class to explain per image, or −1 for the predicted class;
 * with `contrast`, also `camscope_versus` int64 [N] — the class explained against (score = s_target − s_versus).
 * Outputs added: the layer, `camscope_grad` (∂score/∂layer, same shape), `camscope_class` int64 [N].
 */
import onnxProto from 'onnx-proto';
import { CamscopeError } from '../../errors';
import { encodeModel, graphOf, opsetVersion, tensorData, type ModelProto, type NodeProto } from '../graph';
import { Attrs, GraphBuilder } from './builder';
import type { OutputSemantics } from '../../types';
import type { RuleContext } from './rule';
import { VJP_RULES } from './rules';

const { onnx } = onnxProto;

export const TARGET_INPUT = 'camscope_target';
export const GRAD_OUTPUT = 'camscope_grad';
export const CLASS_OUTPUT = 'camscope_class';
export const VERSUS_INPUT = 'camscope_versus';

export interface BackwardSpec {
  /** Tensor to differentiate with respect to. */
  layer: string;
  /** The logits tensor (the model's class-score output). */
  logits: string;
  /** Differentiate the raw logit or the probability of the target class. */
  score: 'logit' | 'prob';
  /** How the logits become probabilities (default softmax); 'probabilities': `logits` already are them. */
  semantics?: OutputSemantics;
  /** Static shapes at the probe batch of every tensor (node outputs and the graph input), from the shape probe. */
  shapes: Map<string, number[]>;
  /** The batch size of the probe. */
  probeBatch: number;
  /**
   * Values of small int64 tensors seen in the probe run (shape arithmetic such as computed Pad amounts). They are
   * constant for a fixed input size; used where an operator's parameters are computed rather than stored.
   */
  probedValues: Map<string, number[]>;
  /** Differentiate s_target − s_versus (a contrastive explanation; adds the `camscope_versus` input). */
  contrast?: boolean;
}

/** Values of constant tensors (initializers and Constant nodes), as plain numbers. */
function constantReader(model: ModelProto): (name: string) => number[] | null {
  const graph = graphOf(model);
  const tensors = new Map<string, onnxProto.onnx.ITensorProto>();
  for (const t of graph.initializer) if (t.name) tensors.set(t.name, t);
  for (const n of graph.node) {
    if (n.opType === 'Constant') {
      const value = n.attribute?.find((a) => a.name === 'value')?.t;
      if (value && n.output?.[0]) tensors.set(n.output[0], value);
    }
  }
  return (name) => {
    const t = tensors.get(name);
    const data = t ? tensorData(t) : null;
    return data ? Array.from(data, Number) : null;
  };
}

export function buildBackwardModel(model: ModelProto, spec: BackwardSpec): Uint8Array {
  const opset = opsetVersion(model);
  if (opset < 13) {
    throw new CamscopeError('UNSUPPORTED_MODEL', `Gradient methods need a model exported with ONNX opset 13 or newer (this one uses opset ${opset}); re-export it, e.g. torch.onnx.export(..., opset_version=17).`);
  }
  const graph = graphOf(model);
  const nodes: NodeProto[] = graph.node.map((n) => onnx.NodeProto.create({ ...n, input: [...(n.input ?? [])], output: [...(n.output ?? [])] }));
  const stored = constantReader(model);
  const constant = (name: string): number[] | null => stored(name) ?? spec.probedValues.get(name) ?? null;

  // Tensors that depend on the layer (they need gradients) …
  // Shape and Size read only the layer's shape, not its values: what is computed from them (Swin's attention
  // masks, scales, reshape targets) carries no gradient.
  const dependsOnLayer = new Set([spec.layer]);
  for (const n of nodes) {
    if (n.opType === 'Shape' || n.opType === 'Size') continue;
    if (n.input!.some((i) => dependsOnLayer.has(i))) for (const o of n.output!) if (o) dependsOnLayer.add(o);
  }
  if (!dependsOnLayer.has(spec.logits)) {
    throw new CamscopeError('UNSUPPORTED_MODEL', `The class scores do not depend on layer "${spec.layer}", so it has no gradient.`);
  }
  // … and nodes on a path from the layer to the logits, in reverse order.
  const feedsLogits = new Set([spec.logits]);
  const active: NodeProto[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    if (!n.output!.some((o) => feedsLogits.has(o))) continue;
    for (const inp of n.input!) if (inp) feedsLogits.add(inp);
    if (n.input!.some((inp) => dependsOnLayer.has(inp))) active.push(n);
  }

  const b = new GraphBuilder(opset);
  const grads = new Map<string, string>();
  const accumulate = (name: string, g: string): void => {
    const prev = grads.get(name);
    grads.set(name, prev ? b.add(prev, g) : g);
  };
  const shapeOf = (name: string): number[] => {
    const s = spec.shapes.get(name);
    if (!s) throw new CamscopeError('UNSUPPORTED_MODEL', `No shape is known for tensor "${name}".`);
    return s;
  };

  // Seed: one-hot of the target class (or the predicted one where the target is −1) at the logits or probabilities.
  // A contrast seeds +1 at the target and −1 at the versus class: the gradient of s_target − s_versus, by linearity.
  const predicted = b.op('ArgMax', [spec.logits], { axis: 1, keepdims: 0 });
  const usePredicted = b.op('Less', [TARGET_INPUT, b.i64([0], [])]);
  b.emit('Where', [usePredicted, predicted, TARGET_INPUT], {}, [CLASS_OUTPUT]);
  const numClasses = shapeOf(spec.logits)[1];
  const oneHotOf = (classes: string): string => b.op('OneHot', [classes, b.i64([numClasses], []), b.f32([0, 1], [2])], { axis: -1 });
  const seed = spec.contrast ? b.sub(oneHotOf(CLASS_OUTPUT), oneHotOf(VERSUS_INPUT)) : oneHotOf(CLASS_OUTPUT);
  const semantics = spec.semantics ?? 'softmax';
  if (spec.score === 'logit' || semantics === 'probabilities') {
    // The logit itself, or a model whose outputs already are the probabilities.
    accumulate(spec.logits, seed);
  } else if (semantics === 'sigmoid') {
    // d σ(z_c) / d z = σ(z_c)(1 − σ(z_c)) at class c only: the classes are independent.
    const p = b.op('Sigmoid', [spec.logits]);
    accumulate(spec.logits, b.mul(seed, b.mul(p, b.sub(b.f32([1]), p))));
  } else {
    // The softmax Jacobian's transpose times the seed v: p ⊙ (v − Σ_j p_j v_j); v = onehot gives p ⊙ (onehot − p_c).
    const p = b.op('Softmax', [spec.logits], { axis: 1 });
    const pv = b.reduceSum(b.mul(p, seed), [1], true);
    accumulate(spec.logits, b.mul(p, b.sub(seed, pv)));
  }

  for (const node of active) {
    const gy = node.output!.map((o) => grads.get(o) ?? null);
    if (gy.every((g) => g === null)) continue;
    const rule = VJP_RULES[node.opType ?? ''];
    if (!rule || (node.domain && node.domain !== 'ai.onnx')) {
      throw new CamscopeError('UNSUPPORTED_MODEL', `Gradient methods cannot differentiate the ${node.domain ? `${node.domain}.` : ''}${node.opType} operator (node "${node.name || node.output![0]}") between the target layer and the output. Choose a later layer, or use ScoreCAM/ScoreCAM++, which need no gradients.`);
    }
    const ctx: RuleContext = {
      b,
      node,
      attrs: new Attrs(node),
      x: node.input!,
      y: node.output!,
      gy,
      needs: (i) => Boolean(node.input![i]) && dependsOnLayer.has(node.input![i]),
      shape: shapeOf,
      batch: spec.probeBatch,
      constant,
      addForwardOutput: (index) => {
        while (node.output!.length <= index) node.output!.push('');
        if (!node.output![index]) node.output![index] = b.fresh(`${node.opType}_out${index}`);
        return node.output![index];
      },
    };
    const gx = rule(ctx);
    gx.forEach((g, i) => {
      if (g && ctx.needs(i)) accumulate(node.input![i], g);
    });
  }

  const layerGrad = grads.get(spec.layer);
  if (!layerGrad) throw new CamscopeError('UNSUPPORTED_MODEL', `No gradient reaches layer "${spec.layer}".`);
  b.emit('Identity', [layerGrad], {}, [GRAD_OUTPUT]);

  const batchDim = graph.input.find((i) => !graph.initializer.some((t) => t.name === i.name))?.type?.tensorType?.shape?.dim?.[0];
  const newGraph = onnx.GraphProto.create({
    ...graph,
    node: [...nodes, ...b.nodes],
    initializer: [...graph.initializer, ...b.initializers],
    input: [
      ...graph.input,
      ...[TARGET_INPUT, ...(spec.contrast ? [VERSUS_INPUT] : [])].map((name) => (
        { name, type: { tensorType: { elemType: onnx.TensorProto.DataType.INT64, shape: { dim: [batchDim ?? { dimParam: 'N' }] } } } })),
    ],
    output: [
      ...graph.output.filter((o) => o.name === spec.logits),
      { name: spec.layer },
      { name: GRAD_OUTPUT },
      { name: CLASS_OUTPUT },
    ],
  });
  return encodeModel(onnx.ModelProto.create({ ...model, graph: newGraph }));
}
