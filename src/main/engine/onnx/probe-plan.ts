/**
 * The shape probe's plan, without onnxruntime: the graph cut (in topological order) into segments of a bounded
 * number of nodes, each a small model of its own whose inputs are the tensors earlier segments computed.
 *
 * Why: one session whose every node output is a graph output costs onnxruntime time that grows with
 * nodes × outputs (session creation and memory-pattern planning: 35 s for 20,000 nodes where 10,000 take 15 s),
 * and it keeps every intermediate tensor alive at once. Segments keep each session small, so the whole probe is
 * linear in the graph, and a tensor is dropped as soon as no later segment reads it.
 */
import onnxProto from 'onnx-proto';
import { CamscopeError } from '../errors';
import { DATA_TYPE_NAMES, graphOf, onnx, type ModelProto, type NodeProto } from './graph';

/** Nodes per probe segment: small enough that onnxruntime's per-session costs stay flat, large enough to amortise them. */
export const PROBE_SEGMENT_NODES = 500;

/** The largest probe input side, in pixels. */
export const MAX_INPUT_SIDE = 16384;
/** The most values (N·C·H·W) a probe input may have: 2^26, 256 MiB of float32. */
export const MAX_INPUT_ELEMENTS = 2 ** 26;

export interface ProbeSegment {
  nodes: NodeProto[];
  /** Tensors this segment reads that graph inputs or earlier segments provide. */
  inputs: string[];
  /** Tensors this segment computes that are wanted or that a later segment reads. */
  outputs: string[];
  /** Initializers (of the whole model) this segment reads or must return. */
  initializers: string[];
  /** Tensors available so far that no later segment reads: to be dropped after this one runs. */
  done: string[];
}

/** Names a node reads: its inputs, and the outer-scope names its subgraphs (If, Loop, Scan) read. */
function nodeReads(node: NodeProto): string[] {
  const names = (node.input ?? []).filter((n) => n);
  for (const a of node.attribute ?? []) {
    for (const g of [a.g, ...(a.graphs ?? [])]) if (g) names.push(...subgraphReads(g));
  }
  return names;
}

function subgraphReads(g: onnxProto.onnx.IGraphProto): string[] {
  const own = new Set<string>([...(g.input ?? []).map((i) => i.name ?? ''), ...(g.initializer ?? []).map((t) => t.name ?? '')]);
  for (const n of g.node ?? []) for (const o of n.output ?? []) own.add(o);
  return (g.node ?? []).flatMap(nodeReads).filter((n) => !own.has(n));
}

/**
 * Node indices in topological order, file order wherever the file is already sorted (ONNX requires it; a few
 * exporters do not comply, and onnxruntime accepts them). Nodes in a cycle or reading unknown tensors keep their
 * place: onnxruntime reports them when their segment loads.
 */
function topologicalOrder(nodes: NodeProto[], reads: string[][]): number[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.output ?? []) if (o) producer.set(o, i);
  });
  const state = new Uint8Array(nodes.length); // 0 unseen, 1 on the stack, 2 emitted
  const order: number[] = [];
  for (let root = 0; root < nodes.length; root++) {
    if (state[root]) continue;
    // Iterative depth-first search: graphs of 100,000 nodes would overflow a recursive one.
    const stack: [number, number][] = [[root, 0]];
    state[root] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [i, next] = top;
      if (next < reads[i].length) {
        top[1]++;
        const p = producer.get(reads[i][next]);
        if (p !== undefined && state[p] === 0) {
          state[p] = 1;
          stack.push([p, 0]);
        }
      } else {
        stack.pop();
        state[i] = 2;
        order.push(i);
      }
    }
  }
  return order;
}

/**
 * Cuts the model into segments of at most `segmentNodes` nodes such that running them in order, each fed the
 * tensors the earlier ones returned, computes every `wanted` tensor. Wanted graph inputs are left to the caller
 * (their values are the feeds).
 */
export function planProbe(model: ModelProto, wanted: readonly string[], segmentNodes = PROBE_SEGMENT_NODES): ProbeSegment[] {
  const graph = graphOf(model);
  const nodes = graph.node;
  const initializerNames = new Set(graph.initializer.map((t) => t.name));
  const reads = nodes.map(nodeReads);
  const order = topologicalOrder(nodes, reads);
  const segmentOf = new Map<string, number>(); // tensor → the segment computing it
  const lastRead = new Map<string, number>(); // tensor → the last segment reading it
  const count = Math.max(1, Math.ceil(order.length / segmentNodes));
  const segments: ProbeSegment[] = Array.from({ length: count }, () => ({ nodes: [], inputs: [], outputs: [], initializers: [], done: [] }));
  order.forEach((i, k) => {
    const s = Math.floor(k / segmentNodes);
    segments[s].nodes.push(nodes[i]);
    for (const r of reads[i]) lastRead.set(r, s);
    for (const o of nodes[i].output ?? []) if (o) segmentOf.set(o, s);
  });
  const wantedSet = new Set(wanted);
  segments.forEach((seg, s) => {
    const inputs = new Set<string>();
    const inits = new Set<string>();
    for (const n of seg.nodes) {
      for (const r of nodeReads(n)) {
        if (segmentOf.get(r) === s) continue;
        if (initializerNames.has(r) && !segmentOf.has(r)) inits.add(r);
        else inputs.add(r);
      }
    }
    seg.inputs = [...inputs];
    seg.initializers = [...inits];
    const outputs = new Set<string>();
    for (const n of seg.nodes) {
      for (const o of n.output ?? []) if (o && (wantedSet.has(o) || (lastRead.get(o) ?? -1) > s)) outputs.add(o);
    }
    seg.outputs = [...outputs];
  });
  // A wanted initializer (a graph output that is a stored weight) is returned by the first segment.
  for (const w of wantedSet) {
    if (initializerNames.has(w) && !segmentOf.has(w)) {
      segments[0].initializers.push(w);
      segments[0].outputs.push(w);
    }
  }
  // Available tensors (feeds, segment outputs) are dropped after the last segment that reads them.
  const available = new Set<string>();
  segments.forEach((seg, s) => {
    for (const x of seg.inputs) if (!segmentOf.has(x)) available.add(x);
    for (const x of seg.outputs) available.add(x);
    for (const x of available) {
      if ((lastRead.get(x) ?? -1) <= s) {
        seg.done.push(x);
        available.delete(x);
      }
    }
  });
  return segments;
}

const ELEM_TYPES = new Map(Object.entries(DATA_TYPE_NAMES).map(([code, name]) => [name, Number(code)]));

/**
 * The model of one segment (sharing weight buffers with the whole model): its nodes, the initializers they read,
 * inputs of the given types and fixed shapes, and its outputs with types left for onnxruntime to infer.
 */
export function segmentModel(
  model: ModelProto,
  segment: ProbeSegment,
  inputTypes: (name: string) => { type: string; dims: readonly number[] },
  initializers: ReadonlyMap<string, onnxProto.onnx.ITensorProto>,
  valueInfo: ReadonlyMap<string, onnxProto.onnx.IValueInfoProto>,
): Uint8Array {
  const input = segment.inputs.map((name) => {
    const { type, dims } = inputTypes(name);
    const elemType = ELEM_TYPES.get(type);
    if (elemType === undefined) throw new CamscopeError('UNSUPPORTED_MODEL', `The model's tensor "${name}" is of type ${type}, which camscope cannot analyse.`);
    return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  });
  const made = new Set(segment.nodes.flatMap((n) => n.output ?? []));
  const outputs = new Set(segment.outputs);
  const graph = onnx.GraphProto.create({
    name: graphOf(model).name,
    node: segment.nodes,
    initializer: segment.initializers.map((n) => initializers.get(n)!),
    input,
    output: segment.outputs.map((name) => onnx.ValueInfoProto.create({ name })),
    // The model's own type annotations of this segment's tensors, as onnxruntime saw them in the whole graph.
    valueInfo: [...made].filter((n) => valueInfo.has(n) && !outputs.has(n)).map((n) => valueInfo.get(n)!),
  });
  return onnx.ModelProto.encode(onnx.ModelProto.create({ ...model, graph })).finish();
}

/**
 * The zero image the shape probe runs on, refused before it is allocated when it is absurdly large: at most
 * MAX_INPUT_SIDE pixels per side and MAX_INPUT_ELEMENTS values. `sidecar` names the settings file the size came
 * from (INVALID_PROFILE), or null when the model fixes it (UNSUPPORTED_MODEL).
 */
export function probeInput(inputName: string, shape: readonly number[], sidecar: string | null): Float32Array {
  const [, , h, w] = shape;
  const elements = shape.reduce((a, b) => a * b, 1);
  if (h <= MAX_INPUT_SIDE && w <= MAX_INPUT_SIDE && elements <= MAX_INPUT_ELEMENTS) return new Float32Array(elements);
  const limit = `camscope analyses images of at most ${MAX_INPUT_SIDE} pixels per side and ${MAX_INPUT_ELEMENTS.toLocaleString('en-US')} input values (N×C×H×W)`;
  const size = `${h}x${w} ([${shape.join(', ')}], ${elements.toLocaleString('en-US')} values)`;
  if (sidecar) throw new CamscopeError('INVALID_PROFILE', `${sidecar}: "inputSize" is ${size}; ${limit}.`);
  throw new CamscopeError('UNSUPPORTED_MODEL', `The model's input "${inputName}" is fixed at ${size}; ${limit}.`);
}
