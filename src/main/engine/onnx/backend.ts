/**
 * The only module that imports onnxruntime-node: sessions, execution providers with fallback, and runs.
 */
import * as ort from 'onnxruntime-node';
import { CamscopeError, errorMessage } from '../errors';
import type { ExecutionProviderName } from '../types';

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

async function create(model: Uint8Array, ep: ExecutionProviderName): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, {
    executionProviders: providerOptions(ep),
    graphOptimizationLevel: 'all',
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

/** Runs once with every requested tensor fetched and returns their shapes and element types (a shape probe). */
export async function probeShapes(
  model: Uint8Array,
  feeds: Record<string, Float32Array>,
  shapes: Record<string, number[]>,
): Promise<Map<string, { dims: number[]; type: string; values?: number[] }>> {
  let s: ort.InferenceSession;
  try {
    s = await create(model, 'cpu');
  } catch (e) {
    throw new CamscopeError('INVALID_MODEL', `onnxruntime cannot load this model: ${errorMessage(e).split('\n')[0]}`, {
      cause: e,
    });
  }
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, data] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor('float32', data, shapes[name]);
    let result: ort.InferenceSession.ReturnType;
    try {
      result = await s.run(ortFeeds);
    } catch (e) {
      throw new CamscopeError('UNSUPPORTED_MODEL', `The model failed to run on a test input: ${errorMessage(e).split('\n')[0]}`, {
        cause: e,
      });
    }
    const map = new Map<string, { dims: number[]; type: string; values?: number[] }>();
    for (const [name, t] of Object.entries(result)) {
      // Small integer tensors are shape arithmetic: keep their values for graph generators.
      const values = t.type === 'int64' && t.size <= 64 ? Array.from(t.data as BigInt64Array, Number) : undefined;
      map.set(name, { dims: t.dims.map(Number), type: t.type, values });
    }
    return map;
  } finally {
    await s.release();
  }
}
