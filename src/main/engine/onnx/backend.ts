/**
 * The only module that imports onnxruntime-node: sessions, execution providers with fallback, and runs.
 */
import * as ort from 'onnxruntime-node';
import { CamscopeError, errorMessage } from '../errors';
import type { ExecutionProviderName } from '../types';
import { countNodes, decodeModel, graphOf, type ModelProto } from './graph';
import { PROBE_SEGMENT_NODES, planProbe, segmentModel } from './probe-plan';

/** Model runs (onnxruntime session runs) in this process: what the result cache saves is counted here. */
let modelRuns = 0;
export function modelRunCount(): number {
  return modelRuns;
}

export interface Session {
  readonly provider: ExecutionProviderName;
  /** Why the requested provider was not used, when it was not. */
  readonly fallbackReason: string | null;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, Float32Array>, shapes: Record<string, number[]>, fetches: string[]): Promise<Record<string, RunOutput>>;
  /** A run with float32 and int64 tensors in and out. */
  runMixed(feeds: Record<string, TypedTensor>, fetches: string[]): Promise<Record<string, TypedTensor>>;
  release(): Promise<void>;
}

export interface TypedTensor {
  data: Float32Array | BigInt64Array;
  dims: number[];
}

export interface RunOutput {
  data: Float32Array;
  dims: number[];
}

function providerOptions(ep: ExecutionProviderName): ort.InferenceSession.ExecutionProviderConfig[] {
  switch (ep) {
    // NHWC is the faster layout for Dawn's convolution kernels.
    case 'webgpu':
      return [{ name: 'webgpu', preferredLayout: 'NHWC' } as ort.InferenceSession.ExecutionProviderConfig];
    case 'cuda':
      return ['cuda'];
    case 'cpu':
      return ['cpu'];
  }
}

/**
 * Above this many nodes sessions are optimized at level 'extended' instead of 'all': onnxruntime's layout-level
 * transformers take time quadratic in the node count (a 20,000-node chain: 9-11 s to open at 'all', 2 s at
 * 'extended'; 10,000 nodes: 2 s), which every session of such a model would pay.
 */
export const LARGE_GRAPH_NODES = 10_000;

async function create(model: Uint8Array, ep: ExecutionProviderName): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, {
    executionProviders: providerOptions(ep),
    graphOptimizationLevel: countNodes(model) > LARGE_GRAPH_NODES ? 'extended' : 'all',
    logSeverityLevel: 3,
  });
}

/** Opens a session on the requested provider, falling back to CPU (and saying why) when it cannot start. */
export async function openSession(model: Uint8Array, ep: ExecutionProviderName = 'cpu'): Promise<Session> {
  let session: ort.InferenceSession | null = null;
  let provider = ep;
  let fallbackReason: string | null = null;
  if (ep !== 'cpu') {
    try {
      session = await create(model, ep);
    } catch (e) {
      fallbackReason = `${ep} could not start (${errorMessage(e).split('\n')[0]}); using cpu`;
      provider = 'cpu';
    }
  }
  if (!session) {
    try {
      session = await create(model, 'cpu');
    } catch (e) {
      throw new CamscopeError('INVALID_MODEL', `onnxruntime cannot load this model: ${errorMessage(e).split('\n')[0]}`, {
        cause: e,
      });
    }
  }
  const s = session;
  return {
    provider,
    fallbackReason,
    inputNames: s.inputNames,
    outputNames: s.outputNames,
    async run(feeds, shapes, fetches) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, data] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor('float32', data, shapes[name]);
      let result: ort.InferenceSession.ReturnType;
      modelRuns++;
      try {
        result = await s.run(ortFeeds, fetches);
      } catch (e) {
        throw new CamscopeError('UNSUPPORTED_MODEL', `The model failed to run: ${errorMessage(e).split('\n')[0]}`, {
          cause: e,
        });
      }
      const out: Record<string, RunOutput> = {};
      for (const name of fetches) {
        const t = result[name];
        if (t.type !== 'float32') {
          throw new CamscopeError('UNSUPPORTED_MODEL', `Output "${name}" is ${t.type}; camscope needs float32 tensors.`);
        }
        out[name] = { data: t.data as Float32Array, dims: t.dims.map(Number) };
      }
      return out;
    },
    async runMixed(feeds, fetches) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) {
        ortFeeds[name] = t.data instanceof BigInt64Array ? new ort.Tensor('int64', t.data, t.dims) : new ort.Tensor('float32', t.data, t.dims);
      }
      let result: ort.InferenceSession.ReturnType;
      modelRuns++;
      try {
        result = await s.run(ortFeeds, fetches);
      } catch (e) {
        throw new CamscopeError('UNSUPPORTED_MODEL', `The model failed to run: ${errorMessage(e).split('\n')[0]}`, { cause: e });
      }
      const out: Record<string, TypedTensor> = {};
      for (const name of fetches) {
        const t = result[name];
        if (t.type !== 'float32' && t.type !== 'int64') {
          throw new CamscopeError('UNSUPPORTED_MODEL', `Output "${name}" is ${t.type}; camscope expected float32 or int64.`);
        }
        out[name] = { data: t.data as Float32Array | BigInt64Array, dims: t.dims.map(Number) };
      }
      return out;
    },
    release: () => s.release(),
  };
}

export interface ProbedTensor {
  dims: number[];
  type: string;
  /** Values of int64 tensors of at most 64 elements (shape arithmetic, for graph generators). */
  values?: number[];
}

/**
 * Runs the model once on the given feeds and returns the shape and element type of every graph output (the model
 * is a copy whose extra outputs are the tensors to learn: a shape probe).
 */
export async function probeShapes(
  model: Uint8Array,
  feeds: Record<string, Float32Array>,
  shapes: Record<string, number[]>,
): Promise<Map<string, ProbedTensor>> {
  const decoded = decodeModel(model);
  return probeGraph(decoded, graphOf(decoded).output.map((o) => o.name ?? ''), feeds, shapes);
}

/**
 * The shape probe on a decoded model: the shapes, types (and small int64 values) of the `wanted` tensors, computed
 * segment by segment (see probe-plan.ts) so that time and memory grow linearly with the graph. `segmentNodes`
 * is for tests.
 */
export async function probeGraph(
  model: ModelProto,
  wanted: readonly string[],
  feeds: Record<string, Float32Array>,
  shapes: Record<string, number[]>,
  segmentNodes = PROBE_SEGMENT_NODES,
): Promise<Map<string, ProbedTensor>> {
  const graph = graphOf(model);
  const initializers = new Map(graph.initializer.map((t) => [t.name ?? "", t]));
  const valueInfo = new Map(graph.valueInfo.map((v) => [v.name ?? "", v]));
  const found = new Map<string, ProbedTensor>();
  const live = new Map<string, ort.Tensor>();
  for (const [name, data] of Object.entries(feeds)) {
    live.set(name, new ort.Tensor('float32', data, shapes[name]));
    found.set(name, { dims: [...shapes[name]], type: 'float32' });
  }
  for (const segment of planProbe(model, wanted, segmentNodes)) {
    if (segment.outputs.length) {
      const bytes = segmentModel(model, segment, (name) => {
        const t = live.get(name);
        if (!t) throw new CamscopeError('INVALID_MODEL', `onnxruntime cannot load this model: node input "${name}" is not computed by any node.`);
        return { type: t.type, dims: t.dims.map(Number) };
      }, initializers, valueInfo);
      let s: ort.InferenceSession;
      try {
        // No graph optimization (nothing can be fused when every tensor is an output) and no memory pattern
        // (planned once per session for a single run): both only cost time here.
        s = await ort.InferenceSession.create(bytes, {
          executionProviders: ['cpu'], graphOptimizationLevel: 'disabled', enableMemPattern: false, logSeverityLevel: 3,
        });
      } catch (e) {
        throw new CamscopeError('INVALID_MODEL', `onnxruntime cannot load this model: ${errorMessage(e).split('\n')[0]}`, { cause: e });
      }
      try {
        const segmentFeeds: Record<string, ort.Tensor> = {};
        for (const name of segment.inputs) segmentFeeds[name] = live.get(name)!;
        let result: ort.InferenceSession.ReturnType;
        try {
          result = await s.run(segmentFeeds, segment.outputs);
        } catch (e) {
          throw new CamscopeError('UNSUPPORTED_MODEL', `The model failed to run on a test input: ${errorMessage(e).split('\n')[0]}`, { cause: e });
        }
        for (const [name, t] of Object.entries(result)) {
          live.set(name, t);
          // Small integer tensors are shape arithmetic: keep their values for graph generators.
          const values = t.type === 'int64' && t.size <= 64 ? Array.from(t.data as BigInt64Array, Number) : undefined;
          found.set(name, { dims: t.dims.map(Number), type: t.type, values });
        }
      } finally {
        await s.release();
      }
    }
    // Drop what no later segment reads, so that the probe holds only the tensors crossing the current cut.
    for (const name of segment.done) live.delete(name);
  }
  const out = new Map<string, ProbedTensor>();
  for (const name of wanted) {
    const t = found.get(name);
    if (!t) throw new CamscopeError('INVALID_MODEL', `onnxruntime cannot load this model: graph output "${name}" is not computed by any node.`);
    out.set(name, t);
  }
  return out;
}
