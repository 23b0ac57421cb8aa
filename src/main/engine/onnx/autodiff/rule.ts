/**
 * The contract of a vector-Jacobian product rule: given the gradients flowing into a node's outputs, emit nodes
 * that compute the gradients of its inputs. One rule per ONNX operator (rules/*.ts), one registry (rules/index.ts).
 */
import { CamscopeError } from '../../errors';
import type { NodeProto } from '../graph';
import { Attrs, type GraphBuilder } from './builder';

export interface RuleContext {
  b: GraphBuilder;
  node: NodeProto;
  attrs: Attrs;
  /** Input and output tensor names (optional inputs are ''). */
  x: string[];
  y: string[];
  /** Gradient arriving at each output, or null where nothing downstream depends on it. */
  gy: (string | null)[];
  /** Whether input i depends on the target layer (only those need a gradient). */
  needs(i: number): boolean;
  /** Static shape of a tensor at the probe batch (from the shape probe). */
  shape(name: string): number[];
  /** The batch size the shapes were probed at. */
  batch: number;
  /** Values of a constant tensor (initializer or Constant node), or null when it is computed at run time. */
  constant(name: string): number[] | null;
  /** Adds an extra output to the forward node (e.g. MaxPool's Indices) and returns its name. */
  addForwardOutput(index: number): string;
}

/** Gradients for each input of the node (null where none is needed). */
export type VjpRule = (c: RuleContext) => (string | null)[];

export function unsupported(c: RuleContext, what: string): never {
  throw new CamscopeError('UNSUPPORTED_MODEL', `Gradient methods cannot differentiate ${what} (node "${c.node.name || c.y[0]}", ${c.node.opType}).`);
}

/** The first arriving gradient, for single-output ops. */
export function g0(c: RuleContext): string {
  return c.gy[0]!;
}

/** Constant values of input i, or a clear error when the input is computed at run time. */
export function constantInput(c: RuleContext, i: number, what: string): number[] {
  const v = c.x[i] ? c.constant(c.x[i]) : null;
  if (!v) unsupported(c, `${what} that is computed at run time`);
  return v;
}

/**
 * Sums a gradient of an op's output shape down to an input's shape, undoing numpy-style broadcasting. Shapes
 * come from the batch-1 probe, so axis 0 is reduced only for inputs that are not batch-dependent; those never
 * need gradients, so in practice only non-batch axes are reduced.
 */
export function unbroadcast(c: RuleContext, g: string, input: string, output: string): string {
  const xs = c.shape(input);
  const ys = c.shape(output);
  const lead = ys.length - xs.length;
  const axes: number[] = [];
  for (let i = 0; i < ys.length; i++) {
    const xd = i < lead ? null : xs[i - lead];
    if (xd === null || (xd === 1 && ys[i] !== 1)) axes.push(i);
  }
  if (axes.length === 0) return g;
  // Leading axes that the input lacks are summed away; the others keep a size-1 dimension.
  const kept = axes.filter((a) => a >= lead);
  let r = kept.length ? c.b.reduceSum(g, kept, true) : g;
  if (lead > 0) r = c.b.reduceSum(r, Array.from({ length: lead }, (_, i) => i), false);
  else if (c.batch === 1 && xs[0] === 1 && ys[0] === 1) r = batchUnbroadcast(c, r, input, xs);
  return r;
}

/**
 * At a batch-1 probe, an input broadcast along other axes may still be batch-independent at run time although it
 * depends on the layer — through its shape only, like Swin's shifted-window mask [1, nW, 1, T, T] added to the
 * attention logits [N, nW, heads, T, T]. Its axis 0 (1 or N at run time) is reduced dynamically: reshape the
 * gradient [N, …] to [x₀, N / x₀, …] with x₀ the input's run-time axis 0, and sum the second axis (a no-op copy
 * when x₀ = N). Only applied after another axis was reduced, so the tensor is already small.
 */
function batchUnbroadcast(c: RuleContext, g: string, input: string, xs: number[]): string {
  const b = c.b;
  const x0 = b.op('Slice', [b.shapeOf(input), b.i64([0]), b.i64([1]), b.i64([0])]);
  const shape = b.op('Concat', [x0, b.i64([-1, ...xs.slice(1)])], { axis: 0 });
  return b.reduceSum(b.op('Reshape', [g, shape]), [1], false);
}

/** Whether `axis` of tensor `name` is the batch axis (axis 0 sized like the probe batch). */
export function isBatchAxis(c: RuleContext, name: string, axis: number): boolean {
  return axis === 0 && c.shape(name)[0] === c.batch;
}

export function rank(c: RuleContext, name: string): number {
  return c.shape(name).length;
}

/** Normalises a possibly negative axis. */
export function axisOf(axis: number, r: number): number {
  return axis < 0 ? axis + r : axis;
}
