/**
 * Which 4-D tensors of a graph are channels-first [N, C, h, w] and which channels-last [N, h, w, C], read from the
 * ops around them. ONNX's spatial ops (Conv, pooling, BatchNormalization, …) define NCHW; channels-last tensors
 * appear between a Transpose to NHWC and one back (ConvNeXt's LayerNorm/MLP, Swin's stages, TensorFlow exports),
 * and a LayerNormalization over the last axis of a 4-D tensor normalises channels. Ops that keep the layout
 * (activations, arithmetic, a MatMul with weights on the last axis, …) pass it on in both directions.
 *
 * Linear in the graph: a forward and a backward sweep, repeated until nothing changes (a few rounds).
 */
import { Attrs } from '../onnx/autodiff/builder';
import { graphOf, type ModelProto } from '../onnx/graph';
import type { TensorLayout } from '../types';

/** Ops whose 4-D input and output are NCHW by the ONNX specification. */
const NCHW_OPS = new Set([
  'Conv', 'ConvTranspose', 'ConvInteger', 'QLinearConv', 'MaxPool', 'AveragePool', 'LpPool', 'GlobalAveragePool',
  'GlobalMaxPool', 'GlobalLpPool', 'BatchNormalization', 'InstanceNormalization', 'LRN', 'DepthToSpace',
  'SpaceToDepth', 'MaxRoiPool', 'RoiAlign', 'GroupNormalization',
]);

/** Ops whose output has the layout of their (4-D) data inputs. */
const KEEPS_LAYOUT = new Set([
  'Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Celu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Softplus',
  'Softsign', 'Mish', 'Gelu', 'Erf', 'Exp', 'Log', 'Sqrt', 'Abs', 'Neg', 'Clip', 'Identity', 'Dropout', 'Cast',
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'Where', 'Round', 'Floor', 'Ceil',
]);

const NCHW_TO_NHWC = '0,2,3,1';
const NHWC_TO_NCHW = '0,3,1,2';

export interface LayoutEvidence {
  layout: TensorLayout;
  /** The op that decided it, for `inspect` and the Model screen. */
  because: string;
}

/**
 * Layouts of the 4-D tensors that the graph decides. `rank` gives each tensor's rank (from the shape probe);
 * tensors it does not decide are absent.
 */
export function inferLayouts(model: ModelProto, rank: (name: string) => number | undefined): Map<string, LayoutEvidence> {
  const nodes = graphOf(model).node;
  const known = new Map<string, LayoutEvidence>();
  const is4d = (t: string | null | undefined): t is string => Boolean(t) && rank(t!) === 4;
  const set = (t: string | null | undefined, layout: TensorLayout, because: string): boolean => {
    if (!is4d(t) || known.has(t)) return false;
    known.set(t, { layout, because });
    return true;
  };

  // Strong evidence first: spatial ops and layout-changing Transposes.
  for (const n of nodes) {
    const op = n.opType ?? '';
    if (NCHW_OPS.has(op)) {
      set(n.input?.[0], 'nchw', `input of ${op}`);
      set(n.output?.[0], 'nchw', `output of ${op}`);
    } else if (op === 'Transpose') {
      const perm = (new Attrs(n).ints('perm', null) ?? []).join(',');
      if (perm === NCHW_TO_NHWC) {
        set(n.input?.[0], 'nchw', 'transposed to channels-last');
        set(n.output?.[0], 'nhwc', 'Transpose to channels-last');
      } else if (perm === NHWC_TO_NCHW) {
        set(n.input?.[0], 'nhwc', 'transposed to channels-first');
        set(n.output?.[0], 'nchw', 'Transpose to channels-first');
      }
    }
  }
  // Spread through layout-keeping ops, then let LayerNormalization over the last axis decide what is still open.
  const spread = (): void => {
    for (let changed = true; changed; ) {
      changed = false;
      const keeping = (op: string): boolean => KEEPS_LAYOUT.has(op);
      for (const n of nodes) {
        const op = n.opType ?? '';
        const data = (n.input ?? []).filter(is4d);
        const out = n.output?.[0];
        // A MatMul keeps the layout only as a linear layer on the last axis (weights [C, C']), not as attention.
        const linear = op === 'MatMul' && rank(n.input?.[1] ?? '') === 2;
        if (keeping(op) || linear || op === 'LayerNormalization' || op === 'Pad' || op === 'Slice' || op === 'Concat') {
          const from = data.map((t) => known.get(t)).find(Boolean);
          if (from && out) changed = set(out, from.layout, `same layout as the input of ${op}`) || changed;
        }
      }
      for (let i = nodes.length - 1; i >= 0; i--) {
        const n = nodes[i];
        const op = n.opType ?? '';
        const out = known.get(n.output?.[0] ?? '');
        if (!out || !(keeping(op) || op === 'LayerNormalization')) continue;
        for (const t of (n.input ?? []).filter(is4d)) changed = set(t, out.layout, `same layout as the output of ${op}`) || changed;
      }
    }
  };
  spread();
  let decided = false;
  for (const n of nodes) {
    if (n.opType !== 'LayerNormalization' || !is4d(n.input?.[0])) continue;
    const axis = new Attrs(n).int('axis', -1);
    if (axis === -1 || axis === 3) {
      decided = set(n.input?.[0], 'nhwc', 'LayerNormalization over the channel (last) axis') || decided;
      decided = set(n.output?.[0], 'nhwc', 'LayerNormalization over the channel (last) axis') || decided;
    }
  }
  if (decided) spread();
  return known;
}
