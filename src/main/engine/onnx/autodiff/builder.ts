/**
 * Emitting new ONNX nodes and constants into an existing graph, with unique names. The backward-graph generator
 * and its per-operator rules write through this, never through protobuf objects directly.
 */
import onnxProto from 'onnx-proto';
import { CamscopeError } from '../../errors';
import type { NodeProto } from '../graph';

const { onnx } = onnxProto;
const AttrType = onnx.AttributeProto.AttributeType;

/** int | ints | string | float ({ f }) | floats ({ floats }). */
export type AttrValue = number | number[] | string | { f: number } | { floats: number[] };

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private counter = 0;
  private readonly scalars = new Map<string, string>();

  constructor(
    readonly opset: number,
    private readonly prefix = 'camscope_bw',
  ) {}

  fresh(hint: string): string {
    return `${this.prefix}/${hint}_${this.counter++}`;
  }

  /** Emits one node; returns its output names (fresh unless given). */
  emit(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputs: number | string[] = 1): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(opType)) : outputs;
    const attribute = Object.entries(attrs).map(([name, v]): onnxProto.onnx.IAttributeProto => {
      if (typeof v === 'string') return { name, s: new TextEncoder().encode(v), type: AttrType.STRING };
      if (Array.isArray(v)) return { name, ints: v, type: AttrType.INTS };
      if (typeof v === 'object') return 'f' in v ? { name, f: v.f, type: AttrType.FLOAT } : { name, floats: v.floats, type: AttrType.FLOATS };
      return { name, i: v, type: AttrType.INT };
    });
    this.nodes.push({ opType, input: inputs, output: outs, name: this.fresh(`${opType}_node`), attribute });
    return outs;
  }

  /** Emits one node with one output and returns it. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string {
    return this.emit(opType, inputs, attrs)[0];
  }

  /** A float32 constant (an initializer). Scalars are shared. */
  f32(values: number[], dims: number[] = []): string {
    const key = dims.length === 0 && values.length === 1 ? `f${values[0]}` : null;
    if (key && this.scalars.has(key)) return this.scalars.get(key)!;
    const name = this.fresh('const_f32');
    const data = Float32Array.from(values);
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer) });
    if (key) this.scalars.set(key, name);
    return name;
  }

  /** An int64 constant (an initializer), e.g. axes or shapes. */
  i64(values: number[], dims: number[] = [values.length]): string {
    const name = this.fresh('const_i64');
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  // Small helpers for the patterns rules use again and again.
  add(a: string, b: string): string {
    return this.op('Add', [a, b]);
  }
  sub(a: string, b: string): string {
    return this.op('Sub', [a, b]);
  }
  mul(a: string, b: string): string {
    return this.op('Mul', [a, b]);
  }
  div(a: string, b: string): string {
    return this.op('Div', [a, b]);
  }
  neg(a: string): string {
    return this.op('Neg', [a]);
  }
  shapeOf(a: string): string {
    return this.op('Shape', [a]);
  }
  reshapeLike(g: string, like: string): string {
    return this.op('Reshape', [g, this.shapeOf(like)]);
  }
  /** Zeros with the runtime shape of `like`. */
  zerosLike(like: string): string {
    return this.op('ConstantOfShape', [this.shapeOf(like)]);
  }
  reduceSum(x: string, axes: number[], keepdims: boolean): string {
    // ReduceSum takes axes as an input from opset 13 (the generator requires 13+).
    return this.op('ReduceSum', [x, this.i64(axes)], { keepdims: keepdims ? 1 : 0 });
  }
  reduceMean(x: string, axes: number[], keepdims: boolean): string {
    return this.opset >= 18
      ? this.op('ReduceMean', [x, this.i64(axes)], { keepdims: keepdims ? 1 : 0 })
      : this.op('ReduceMean', [x], { axes, keepdims: keepdims ? 1 : 0 });
  }
  unsqueeze(x: string, axes: number[]): string {
    return this.op('Unsqueeze', [x, this.i64(axes)]);
  }
  transpose(x: string, perm: number[]): string {
    return this.op('Transpose', [x], { perm });
  }
  where(cond: string, a: string, b: string): string {
    return this.op('Where', [cond, a, b]);
  }
}

/** Reads a node's attributes with defaults. */
export class Attrs {
  private readonly byName: Map<string, onnxProto.onnx.IAttributeProto>;
  constructor(private readonly node: NodeProto) {
    this.byName = new Map((node.attribute ?? []).map((a) => [a.name ?? '', a]));
  }
  has(name: string): boolean {
    return this.byName.has(name);
  }
  int(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a?.i != null ? Number(a.i) : fallback;
  }
  float(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a?.f != null ? Number(a.f) : fallback;
  }
  ints(name: string, fallback: number[] | null): number[] | null {
    const a = this.byName.get(name);
    return a?.ints && a.ints.length ? a.ints.map(Number) : fallback;
  }
  string(name: string, fallback: string): string {
    const a = this.byName.get(name);
    return a?.s && a.s.length ? new TextDecoder().decode(a.s) : fallback;
  }
  /** For ops whose attributes must be absent or default: anything else is a clear error, never a wrong gradient. */
  requireDefault(name: string, isDefault: (a: onnxProto.onnx.IAttributeProto) => boolean): void {
    const a = this.byName.get(name);
    if (a && !isDefault(a)) {
      throw new CamscopeError('UNSUPPORTED_MODEL', `Gradient methods do not support ${this.node.opType} with attribute ${name} (node "${this.node.name}").`);
    }
  }
}
