/**
 * fp16 conversion of a float32 ONNX graph, for GPUs where half precision runs faster: every float tensor inside the
 * graph becomes float16 while the graph's interface stays float32 (Casts at inputs and outputs), so callers feed and
 * read the same tensors as before. Results differ from fp32 by rounding only; the benchmark reports by how much.
 *
 * Kept in float32: inputs that ONNX types as float only (Resize/Upsample scales), and the ops named in
 * `keepFloat32Ops` (by default Softmax/LogSoftmax, whose sums over many classes lose too much in half precision).
 */
import type onnxProto from 'onnx-proto';
import { CamscopeError } from '../errors';
import { graphOf, onnx, tensorData, type ModelProto, type NodeProto } from './graph';

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;
/** The largest finite float16. */
export const FLOAT16_MAX = 65504;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE-754 binary16 bits of a number, rounded to nearest even (overflow → ±Infinity, NaN stays NaN). */
export function float16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half: value = m · 2^-24, so drop (14 − e) bits of the 24-bit significand.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to Infinity).
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** The number a binary16 bit pattern stands for. */
export function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export interface Float16Options {
  /** Op types computed in float32 inside the fp16 graph (their float inputs cast up, outputs cast down). */
  keepFloat32Ops?: readonly string[];
}

export interface Float16Result {
  model: ModelProto;
  /** Weights beyond ±65504, clamped to the largest finite half (a sign the model may not suit fp16). */
  clamped: number;
}

type Tensor = onnxProto.onnx.ITensorProto;

/** A float32 tensor as float16 (raw bits), counting values clamped to the finite range. */
function toHalfTensor(t: Tensor, counter: { clamped: number }): Tensor {
  const data = tensorData(t);
  const values = data instanceof Float32Array ? data : new Float32Array(0);
  const bits = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    let v = values[i];
    if (v > FLOAT16_MAX || v < -FLOAT16_MAX) {
      counter.clamped++;
      v = Math.sign(v) * FLOAT16_MAX;
    }
    bits[i] = float16Bits(v);
  }
  // Host byte order, as GraphBuilder writes its initializers (little-endian on every supported platform).
  return onnx.TensorProto.create({ name: t.name, dims: t.dims, dataType: FLOAT16, rawData: new Uint8Array(bits.buffer) });
}

/** Input slots that ONNX types as tensor(float) whatever the data type: they must stay float32. */
function float32OnlySlots(node: NodeProto): number[] {
  const n = node.input?.length ?? 0;
  if (node.opType === 'Upsample') return [1];
  if (node.opType === 'Resize') return n >= 3 ? [2] : n === 2 ? [1] : [];
  return [];
}

const CONTROL_FLOW = new Set(['If', 'Loop', 'Scan']);

/** The same model with float16 arithmetic inside and a float32 interface. The input model is not changed. */
export function toFloat16(source: ModelProto, options: Float16Options = {}): Float16Result {
  const keepOps = new Set(options.keepFloat32Ops ?? ['Softmax', 'LogSoftmax']);
  const model = onnx.ModelProto.decode(onnx.ModelProto.encode(source).finish());
  const graph = graphOf(model);
  const counter = { clamped: 0 };
  const used = new Set<string>([...graph.node.flatMap((n) => [...(n.input ?? []), ...(n.output ?? [])]), ...graph.initializer.map((t) => t.name ?? '')]);
  const fresh = (base: string): string => {
    let name = `${base}__camscope_fp`;
    for (let i = 1; used.has(name); i++) name = `${base}__camscope_fp${i}`;
    used.add(name);
    return name;
  };
  // Casts this conversion adds are final: the pass that turns Cast(float) into Cast(float16) must skip them.
  const added = new Set<NodeProto>();
  const cast = (input: string, output: string, to: number): NodeProto => {
    const node = onnx.NodeProto.create({ opType: 'Cast', input: [input], output: [output], name: fresh(`cast_${output}`), attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: to }] });
    added.add(node);
    return node;
  };

  for (const node of graph.node) {
    if (CONTROL_FLOW.has(node.opType ?? '')) {
      throw new CamscopeError('UNSUPPORTED_MODEL', `fp16 conversion does not handle control flow (${node.opType} node "${node.name ?? ''}").`);
    }
  }

  // Constants used only in float-only slots stay float32; anything else feeding one gets a Cast up in front.
  const constants = new Set([...graph.initializer.map((t) => t.name ?? ''), ...graph.node.filter((n) => n.opType === 'Constant').map((n) => n.output![0])]);
  const usedAsData = new Set<string>();
  for (const node of graph.node) {
    const floatOnly = new Set(float32OnlySlots(node));
    (node.input ?? []).forEach((name, slot) => floatOnly.has(slot) || usedAsData.add(name));
  }
  for (const output of graph.output) usedAsData.add(output.name ?? '');
  const keepFloat32 = new Set<string>();
  const body: NodeProto[] = [];
  for (const node of graph.node) {
    for (const slot of float32OnlySlots(node)) {
      const name = node.input![slot];
      if (!name) continue;
      if (constants.has(name) && !usedAsData.has(name)) keepFloat32.add(name);
      else {
        const up = fresh(name);
        body.push(cast(name, up, FLOAT));
        node.input![slot] = up;
      }
    }
    body.push(node);
  }

  graph.initializer = graph.initializer.map((t) => (t.dataType === FLOAT && !keepFloat32.has(t.name ?? '') ? toHalfTensor(t, counter) : t));

  const converted: NodeProto[] = [];
  for (const node of body) {
    const attrs = node.attribute ?? [];
    if (node.opType === 'Constant' && !keepFloat32.has(node.output![0])) {
      for (const a of attrs) {
        if (a.t && a.t.dataType === FLOAT) a.t = toHalfTensor(a.t, counter);
        if (a.name === 'value_float' || a.name === 'value_floats') {
          const values = a.name === 'value_float' ? [a.f ?? 0] : (a.floats ?? []);
          const dims = a.name === 'value_float' ? [] : [values.length];
          node.attribute = [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: toHalfTensor({ dims, dataType: FLOAT, floatData: values }, counter) }];
        }
      }
    } else if (node.opType === 'ConstantOfShape') {
      const value = attrs.find((a) => a.name === 'value');
      if (!value) node.attribute = [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: toHalfTensor({ dims: [1], dataType: FLOAT, floatData: [0] }, counter) }];
      else if (value.t?.dataType === FLOAT) value.t = toHalfTensor(value.t, counter);
    } else if (node.opType === 'Cast' && !added.has(node)) {
      const to = attrs.find((a) => a.name === 'to');
      if (to && Number(to.i) === FLOAT) to.i = FLOAT16;
    }
    if (keepOps.has(node.opType ?? '') && node.input?.length && node.output?.length) {
      // Computed in float32: x → Cast(float) → op → Cast(float16) → y.
      const x = node.input[0];
      const y = node.output[0];
      const xUp = fresh(x);
      const yUp = fresh(y);
      converted.push(cast(x, xUp, FLOAT));
      converted.push(onnx.NodeProto.create({ ...node, input: [xUp, ...node.input.slice(1)], output: [yUp, ...node.output.slice(1)] }));
      converted.push(cast(yUp, y, FLOAT16));
      continue;
    }
    converted.push(node);
  }

  // The interface stays float32: Cast down after each float input, Cast up before each float output.
  const head: NodeProto[] = [];
  const rename = new Map<string, string>();
  for (const input of graph.input) {
    if (input.type?.tensorType?.elemType !== FLOAT || constants.has(input.name ?? '')) continue;
    const half = fresh(input.name!);
    rename.set(input.name!, half);
    head.push(cast(input.name!, half, FLOAT16));
  }
  const tail: NodeProto[] = [];
  for (const output of graph.output) {
    if (output.type?.tensorType?.elemType !== FLOAT) continue;
    const half = fresh(output.name!);
    rename.set(output.name!, half);
    tail.push(cast(half, output.name!, FLOAT));
  }
  const swap = (names: string[] | null | undefined): string[] => (names ?? []).map((n) => rename.get(n) ?? n);
  for (const node of converted) {
    node.input = swap(node.input);
    node.output = swap(node.output);
  }
  graph.node = [...head, ...converted, ...tail];
  // Recorded intermediate types would now be wrong; onnxruntime infers them again.
  graph.valueInfo = [];
  return { model, clamped: counter.clamped };
}
