/**
 * Reading and editing ONNX graphs (protobuf) without onnxruntime: which tensors exist, which node makes them, and
 * new models that expose extra tensors as graph outputs. Later graph generators (backward pass, fused ScoreCAM)
 * build on the same helpers.
 */
import onnxProto from 'onnx-proto';
import { CamscopeError, errorMessage } from '../errors';

export const onnx = onnxProto.onnx;
export type ModelProto = onnxProto.onnx.ModelProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type GraphProto = onnxProto.onnx.GraphProto;

/** The graph of a decoded model (decodeModel guarantees there is one, with its repeated fields as arrays). */
export function graphOf(model: ModelProto): GraphProto {
  return model.graph as GraphProto;
}

/** ONNX element type codes → onnxruntime-node's tensor type names. */
export const DATA_TYPE_NAMES: Record<number, string> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool',
  10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16',
};

export interface TensorSignature {
  name: string;
  type: string;
  /** Fixed sizes as numbers, symbolic or unknown sizes as their parameter name (or '?'). */
  shape: (number | string)[];
}

/** Decodes model bytes; anything that is not a usable ONNX graph becomes INVALID_MODEL with the reason. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new CamscopeError('INVALID_MODEL', `This file is not a valid ONNX model (${errorMessage(e)}).`, { cause: e });
  }
  // Protobuf decoding is lenient: random bytes can decode into an empty message. A real model has a graph with nodes.
  if (!model.graph || !model.graph.node?.length || !model.graph.output?.length) {
    throw new CamscopeError('INVALID_MODEL', 'This file is not a valid ONNX model (it contains no computation graph).');
  }
  return model;
}

export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

export function opsetVersion(model: ModelProto): number {
  const entry = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  return entry?.version ? Number(entry.version) : 0;
}

function signatureOf(v: onnxProto.onnx.IValueInfoProto): TensorSignature {
  const tensorType = v.type?.tensorType;
  const dims = tensorType?.shape?.dim ?? [];
  return {
    name: v.name ?? '',
    type: DATA_TYPE_NAMES[tensorType?.elemType ?? 0] ?? 'unknown',
    shape: dims.map((d) => (d.dimValue != null && Number(d.dimValue) > 0 ? Number(d.dimValue) : d.dimParam || '?')),
  };
}

/**
 * The values stored in a tensor of the model, as a typed array of its own: raw bytes of float32, int32 or int64
 * tensors, else whichever typed field is filled. null when there are none this can read.
 */
export function tensorData(t: onnxProto.onnx.ITensorProto): Float32Array | Int32Array | BigInt64Array | null {
  const DT = onnx.TensorProto.DataType;
  const raw = t.rawData;
  if (raw && raw.length) {
    const bytes = new Uint8Array(raw); // a copy: protobufjs gives Buffer views into a shared pool
    if (t.dataType === DT.INT64) return new BigInt64Array(bytes.buffer, 0, bytes.length / 8);
    if (t.dataType === DT.INT32) return new Int32Array(bytes.buffer, 0, bytes.length / 4);
    if (t.dataType === DT.FLOAT) return new Float32Array(bytes.buffer, 0, bytes.length / 4);
    return null;
  }
  if (t.int64Data?.length) return BigInt64Array.from(t.int64Data, (v) => BigInt(v.toString()));
  if (t.int32Data?.length) return Int32Array.from(t.int32Data);
  if (t.floatData?.length) return Float32Array.from(t.floatData);
  return null;
}

/** Graph inputs that are real inputs (older exporters also list every initializer as an input). */
export function graphInputs(model: ModelProto): TensorSignature[] {
  const initializers = new Set(graphOf(model).initializer.map((t) => t.name));
  return graphOf(model).input.filter((i) => !initializers.has(i.name)).map(signatureOf);
}

export function graphOutputs(model: ModelProto): TensorSignature[] {
  return graphOf(model).output.map(signatureOf);
}

export function usesExternalData(model: ModelProto): boolean {
  return graphOf(model).initializer.some((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL);
}

/** Maps every tensor produced by a node to that node, in topological (file) order. */
export function producers(model: ModelProto): Map<string, { node: NodeProto; index: number }> {
  const map = new Map<string, { node: NodeProto; index: number }>();
  graphOf(model).node.forEach((node, index) => {
    for (const out of node.output ?? []) if (out) map.set(out, { node, index });
  });
  return map;
}

/**
 * A copy of the model (sharing weight buffers) in which the named tensors are also graph outputs. Their types are
 * left for onnxruntime to infer, which it does for node outputs.
 */
export function withExtraOutputs(model: ModelProto, names: readonly string[]): Uint8Array {
  const existing = new Set(graphOf(model).output.map((o) => o.name));
  const extra = names.filter((n) => !existing.has(n)).map((name) => onnx.ValueInfoProto.create({ name }));
  const graph = onnx.GraphProto.create({ ...graphOf(model), output: [...graphOf(model).output, ...extra] });
  return encodeModel(onnx.ModelProto.create({ ...model, graph }));
}

/**
 * The number of nodes in an encoded model's main graph, read from the protobuf wire format without decoding it
 * (a walk over top-level fields: milliseconds for 20,000 nodes). Subgraph nodes are not counted.
 */
export function countNodes(bytes: Uint8Array): number {
  let pos = 0;
  const varint = (): number => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[pos++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80 || pos >= bytes.length) return v;
    }
  };
  // Calls `visit(field, start, end)` for each length-delimited field of the message in [from, to).
  const fields = (from: number, to: number, visit: (field: number, start: number, end: number) => void): void => {
    pos = from;
    while (pos < to) {
      const tag = varint();
      const wire = tag & 7;
      if (wire === 0) varint();
      else if (wire === 1) pos += 8;
      else if (wire === 5) pos += 4;
      else if (wire === 2) {
        const len = varint();
        const start = pos;
        pos += len;
        visit(Math.floor(tag / 8), start, pos);
      } else return; // groups (3, 4) do not occur in ONNX
    }
  };
  let graph: [number, number] | null = null;
  fields(0, bytes.length, (field, start, end) => {
    if (field === 7) graph = [start, end];
  });
  let nodes = 0;
  if (graph) fields(graph[0], graph[1], (field) => {
    if (field === 1) nodes++;
  });
  return nodes;
}
