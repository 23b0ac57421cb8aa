/**
 * Model-parameter randomization (Adebayo et al. 2018, §3.1) on the ONNX graph itself: the trainable layers' weights
 * (Conv, Gemm/MatMul, normalization scale and bias) are redrawn from a seeded normal distribution with each
 * layer's original mean and standard deviation. Layers are grouped into named stages (a block's layers, e.g. `fc`,
 * `layer4.1`, `layer4.0`, …) ordered from the output down.
 */
import { CamscopeError } from '../errors';
import { decodeModel, encodeModel, graphOf, onnx, tensorData, type ModelProto } from '../onnx/graph';
import { mulberry32 } from '../tensor/random';

/** Operators whose weight inputs (by position) are trainable parameters. MatMul: whichever input is an initializer. */
const TRAINABLE_INPUTS: Record<string, number[]> = {
  Conv: [1, 2],
  ConvTranspose: [1, 2],
  Gemm: [0, 1, 2],
  MatMul: [0, 1],
  BatchNormalization: [1, 2],
  InstanceNormalization: [1, 2],
  LayerNormalization: [1, 2],
  GroupNormalization: [1, 2],
};

export interface Stage {
  name: string;
  /** Initializer names randomized in this stage. */
  layers: string[];
}

/**
 * The stage a parameter belongs to: from its consumer's node name (`/layer4/layer4.1/conv2/Conv` → `layer4.1`,
 * `/fc/Gemm` → `fc`), else from the initializer's name (`layer4.1.conv2.weight` → `layer4.1`, `fc.weight` → `fc`):
 * the first path part that ends in a block index (`name.N`), else the first part.
 */
export function stageName(nodeName: string | null | undefined, initializer: string): string {
  const parts = (nodeName ?? '').split('/').filter(Boolean);
  if (parts.length > 1) {
    const scope = parts.slice(0, -1);
    return scope.find((p) => /\.\d+$/.test(p)) ?? scope[0];
  }
  const block = /^([^./]+\.\d+)\./.exec(initializer);
  if (block) return block[1];
  const dot = initializer.indexOf('.');
  return dot > 0 ? initializer.slice(0, dot) : initializer;
}

/** The model's stages, from the output down (by the last node that reads each stage's parameters). */
export function modelStages(model: ModelProto): Stage[] {
  const g = graphOf(model);
  const inits = new Map(g.initializer.map((t) => [t.name ?? '', t]));
  const stages = new Map<string, { layers: string[]; last: number }>();
  const seen = new Set<string>();
  g.node.forEach((n, index) => {
    const positions = TRAINABLE_INPUTS[n.opType ?? ''];
    if (!positions) return;
    for (const p of positions) {
      const name = n.input?.[p];
      if (!name || seen.has(name)) continue;
      const t = inits.get(name);
      if (!t || t.dataType !== onnx.TensorProto.DataType.FLOAT) continue;
      seen.add(name);
      const stage = stageName(n.name, name);
      const s = stages.get(stage) ?? { layers: [], last: -1 };
      s.layers.push(name);
      s.last = Math.max(s.last, index);
      stages.set(stage, s);
    }
  });
  return [...stages.entries()].sort((a, b) => b[1].last - a[1].last).map(([name, s]) => ({ name, layers: s.layers }));
}

/** A string hash (FNV-1a) mixed with the seed: each layer gets its own reproducible stream. */
function layerSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** n draws from N(mean, std²) by Box–Muller over mulberry32, seeded by (seed, layer name). */
export function normalDraws(n: number, mean: number, std: number, seed: number, name: string): Float32Array {
  const u = mulberry32(layerSeed(seed, name));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - u(); // (0, 1]
    const u2 = u();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = mean + std * r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** Mean and population standard deviation of a layer's values. */
export function layerMoments(v: Float32Array): { mean: number; std: number } {
  let m = 0;
  for (const x of v) m += x;
  m /= v.length;
  let s = 0;
  for (const x of v) s += (x - m) ** 2;
  return { mean: m, std: Math.sqrt(s / v.length) };
}

/** The model bytes with the named float initializers redrawn (same seed and layer → same values, in any stage). */
export function randomizedModel(bytes: Uint8Array, layers: readonly string[], seed: number): Uint8Array {
  const model = decodeModel(bytes);
  const g = graphOf(model);
  const wanted = new Set(layers);
  for (const t of g.initializer) {
    if (!t.name || !wanted.has(t.name)) continue;
    const values = tensorData(t);
    if (!(values instanceof Float32Array)) throw new CamscopeError('UNSUPPORTED_MODEL', `The layer ${t.name} could not be read for randomization (only float32 weights stored in the model file are supported).`);
    const { mean, std } = layerMoments(values);
    const drawn = normalDraws(values.length, mean, std, seed, t.name);
    t.rawData = new Uint8Array(drawn.buffer);
    t.floatData = [];
    wanted.delete(t.name);
  }
  if (wanted.size) throw new CamscopeError('INVALID_ARGUMENT', `The model has no float weights named ${[...wanted].join(', ')}.`);
  return encodeModel(model);
}
