/**
 * An ONNX image classifier opened for explanation: its profile, its candidate target layers, and one session that
 * returns the logits and the chosen layer's activations in a single run.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { CamscopeError } from '../errors';
import { openSession, probeShapes, type Session } from '../onnx/backend';
import { buildBackwardModel, CLASS_OUTPUT, GRAD_OUTPUT, TARGET_INPUT } from '../onnx/autodiff/backward';
import {
  decodeModel, graphInputs, graphOutputs, opsetVersion, producers, usesExternalData, withExtraOutputs,
  type ModelProto,
} from '../onnx/graph';
import type { CandidateLayer, ExecutionProviderName, ModelInspection, ModelProfile } from '../types';
import { readSidecar, resolveProfile } from './profile';

/** Ops that only pool or pass through: the default layer is the activation before them (the paper's convention). */
const POOLING_OPS = new Set(['MaxPool', 'AveragePool', 'Dropout', 'Identity', 'LpPool']);

export interface LoadOptions {
  ep?: ExecutionProviderName;
  /** Target layer name, or 'auto' (default: the profile's layer, else auto). */
  layer?: string;
}

interface Analysis {
  model: ModelProto;
  /** Shapes at the probe batch of the input and every node output, for graph generators. */
  shapes: Map<string, number[]>;
  inspection: ModelInspection;
  inputName: string;
  outputName: string;
  /** The batch size the model's input fixes, or null when it is dynamic. */
  fixedBatch: number | null;
}

function readModelFile(modelPath: string): Uint8Array {
  if (!existsSync(modelPath) || !statSync(modelPath).isFile()) {
    throw new CamscopeError('INVALID_ARGUMENT', `Model file not found: ${modelPath}`);
  }
  return readFileSync(modelPath);
}

/** The last candidate layer, stepping back over pooling/pass-through ops to the activation that feeds them. */
export function defaultLayer(candidates: CandidateLayer[], model: ModelProto): string {
  const byName = new Map(candidates.map((c) => [c.name, c]));
  const made = producers(model);
  let layer = candidates[candidates.length - 1];
  for (;;) {
    const node = made.get(layer.name)?.node;
    const input = node?.input?.[0];
    const prev = input ? byName.get(input) : undefined;
    if (!node || !POOLING_OPS.has(node.opType ?? '') || !prev) return layer.name;
    layer = prev;
  }
}

async function analyse(modelPath: string): Promise<Analysis> {
  const bytes = readModelFile(modelPath);
  const fingerprint = createHash('sha256').update(bytes).digest('hex');
  const model = decodeModel(bytes);
  if (usesExternalData(model)) {
    throw new CamscopeError('UNSUPPORTED_MODEL', 'This model keeps its weights in separate files (ONNX external data); save it as a single .onnx file.');
  }
  const inputs = graphInputs(model);
  if (inputs.length !== 1) {
    throw new CamscopeError('UNSUPPORTED_MODEL', `camscope needs a model with one image input; this one has ${inputs.length} (${inputs.map((i) => i.name).join(', ')}).`);
  }
  const input = inputs[0];
  if (input.type !== 'float32' || input.shape.length !== 4) {
    throw new CamscopeError('UNSUPPORTED_MODEL', `The model's input "${input.name}" is ${input.type} [${input.shape.join(', ')}]; camscope needs a float32 image input [N, C, H, W].`);
  }
  const [batchDim, channelDim, hDim, wDim] = input.shape;
  if (typeof channelDim !== 'number') {
    throw new CamscopeError('UNSUPPORTED_MODEL', `The model's input "${input.name}" does not fix its channel count; camscope needs [N, 1 or 3, H, W].`);
  }
  const fixedBatch = typeof batchDim === 'number' ? batchDim : null;
  const fixedSize: [number, number] | null = typeof hDim === 'number' && typeof wDim === 'number' ? [hDim, wDim] : null;
  const output = graphOutputs(model)[0];

  const sidecar = readSidecar(modelPath);
  const rawSize = sidecar?.data.inputSize;
  const probeSize: [number, number] = fixedSize
    ?? (Array.isArray(rawSize) && rawSize.length === 2 ? [Number(rawSize[0]), Number(rawSize[1])] : null)
    ?? (typeof rawSize === 'number' ? [rawSize, rawSize] : [224, 224]);

  // Shape probe: run once at the smallest batch with every node output exposed, to learn each tensor's shape.
  const made = producers(model);
  const probed = [...made.entries()].filter(([, p]) => p.node.opType !== 'Constant').map(([name]) => name);
  const probeBatch = fixedBatch ?? 1;
  const probeShape = [probeBatch, channelDim, probeSize[0], probeSize[1]];
  const shapes = await probeShapes(
    withExtraOutputs(model, probed),
    { [input.name]: new Float32Array(probeShape.reduce((a, b) => a * b, 1)) },
    { [input.name]: probeShape },
  );
  const logits = shapes.get(output.name);
  if (!logits || logits.dims.length !== 2 || logits.dims[0] !== probeBatch) {
    throw new CamscopeError('UNSUPPORTED_MODEL', `The model's first output "${output.name}" has shape [${logits?.dims.join(', ') ?? '?'}]; camscope needs class scores [N, classes].`);
  }
  const numClasses = logits.dims[1];
  const profile: ModelProfile = resolveProfile(sidecar?.data ?? null, { numClasses, channels: channelDim, fixedSize }, sidecar?.path);

  const candidateLayers: CandidateLayer[] = [];
  for (const name of probed) {
    const s = shapes.get(name);
    if (!s || s.type !== 'float32' || s.dims.length !== 4 || s.dims[0] !== probeBatch || s.dims[2] <= 1 || s.dims[3] <= 1) continue;
    const node = made.get(name)!.node;
    candidateLayers.push({ name, opType: node.opType ?? '', nodeName: node.name ?? '', shape: [1, ...s.dims.slice(1)] });
  }
  if (candidateLayers.length === 0) {
    throw new CamscopeError('NO_SPATIAL_LAYER', 'The model has no spatial layer (a 4-D [N, C, h, w] tensor with h, w > 1), so there is nothing a class activation map can be computed from.');
  }

  const inspection: ModelInspection = {
    path: modelPath,
    fingerprint,
    opset: opsetVersion(model),
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    inputs,
    outputs: graphOutputs(model),
    profile,
    profileSource: sidecar?.path ?? null,
    numClasses,
    candidateLayers,
    defaultLayer: defaultLayer(candidateLayers, model),
  };
  const staticShapes = new Map<string, number[]>([[input.name, probeShape]]);
  for (const [name, s] of shapes) staticShapes.set(name, s.dims);
  return { model, shapes: staticShapes, inspection, inputName: input.name, outputName: output.name, fixedBatch };
}

/** Reads a model and reports what camscope sees in it, without keeping a session open. */
export async function inspectModel(modelPath: string): Promise<ModelInspection> {
  return (await analyse(modelPath)).inspection;
}

export interface GradientRun {
  logits: Float32Array;
  activations: Float32Array;
  /** ∂score/∂A for each image's explained class, same layout as the activations. */
  gradients: Float32Array;
  /** The class each image's gradient explains. */
  classes: number[];
}

export class Classifier {
  /** Backward-pass sessions, built on first use per score variant. */
  private readonly gradientSessions = new Map<'logit' | 'prob', Promise<Session>>();

  private constructor(
    readonly inspection: ModelInspection,
    readonly layer: CandidateLayer,
    private readonly session: Session,
    private readonly analysis: Analysis,
    private readonly ep: ExecutionProviderName,
  ) {}

  private get inputName(): string {
    return this.analysis.inputName;
  }
  private get outputName(): string {
    return this.analysis.outputName;
  }
  private get fixedBatch(): number | null {
    return this.analysis.fixedBatch;
  }

  static async load(modelPath: string, options: LoadOptions = {}): Promise<Classifier> {
    const a = await analyse(modelPath);
    const wanted = options.layer && options.layer !== 'auto' ? options.layer : a.inspection.profile.layer;
    const layerName = wanted === 'auto' ? a.inspection.defaultLayer : wanted;
    const layer = a.inspection.candidateLayers.find((c) => c.name === layerName);
    if (!layer) {
      const some = a.inspection.candidateLayers.slice(-5).map((c) => c.name).join(', ');
      throw new CamscopeError('UNKNOWN_LAYER', `"${layerName}" is not a spatial layer of this model. Run "camscope inspect" to list them; the last ones are: ${some}.`);
    }
    const session = await openSession(withExtraOutputs(a.model, [layer.name]), options.ep ?? 'cpu');
    return new Classifier(a.inspection, layer, session, a, options.ep ?? 'cpu');
  }

  get profile(): ModelProfile {
    return this.inspection.profile;
  }
  get numClasses(): number {
    return this.inspection.numClasses;
  }
  get provider(): ExecutionProviderName {
    return this.session.provider;
  }
  get fallbackReason(): string | null {
    return this.session.fallbackReason;
  }
  /** Elements of one preprocessed image: C·H·W. */
  get imageSize(): number {
    const [h, w] = this.profile.inputSize;
    return this.profile.channels * h * w;
  }
  /** Elements of one image's activations at the target layer: C·h·w. */
  get activationSize(): number {
    const [, c, h, w] = this.layer.shape;
    return c * h * w;
  }

  /**
   * Runs n images (concatenated CHW tensors). Returns logits [n, classes] and, when asked, the target layer's
   * activations [n, C, h, w]. Models with a fixed batch size are fed in padded chunks of that size.
   */
  async forward(images: Float32Array, n: number, withActivations: boolean): Promise<{ logits: Float32Array; activations: Float32Array | null }> {
    const per = this.imageSize;
    if (images.length !== n * per) {
      throw new CamscopeError('INVALID_ARGUMENT', `Expected ${n} images of ${per} values, got ${images.length} values.`);
    }
    const chunk = this.fixedBatch ?? n;
    const logits = new Float32Array(n * this.numClasses);
    const activations = withActivations ? new Float32Array(n * this.activationSize) : null;
    const fetches = withActivations ? [this.outputName, this.layer.name] : [this.outputName];
    const [, c, h, w] = [0, this.profile.channels, ...this.profile.inputSize];
    for (let start = 0; start < n; start += chunk) {
      const count = Math.min(chunk, n - start);
      let batch = images.subarray(start * per, (start + count) * per);
      if (count < chunk) {
        const padded = new Float32Array(chunk * per);
        padded.set(batch);
        batch = padded;
      }
      const out = await this.session.run({ [this.inputName]: batch }, { [this.inputName]: [chunk, c, h, w] }, fetches);
      logits.set(out[this.outputName].data.subarray(0, count * this.numClasses), start * this.numClasses);
      if (activations) activations.set(out[this.layer.name].data.subarray(0, count * this.activationSize), start * this.activationSize);
    }
    return { logits, activations };
  }

  private gradientSession(score: 'logit' | 'prob'): Promise<Session> {
    let s = this.gradientSessions.get(score);
    if (!s) {
      const a = this.analysis;
      s = Promise.resolve().then(() =>
        openSession(buildBackwardModel(a.model, { layer: this.layer.name, logits: a.outputName, score, shapes: a.shapes }), this.ep));
      this.gradientSessions.set(score, s);
      s.catch(() => this.gradientSessions.delete(score));
    }
    return s;
  }

  /**
   * One run per chunk returning logits, activations and ∂score/∂activations for each image's target class
   * (−1 = the predicted class), through the generated backward graph.
   */
  async gradients(images: Float32Array, n: number, targets: number[], score: 'logit' | 'prob'): Promise<GradientRun> {
    const per = this.imageSize;
    if (images.length !== n * per || targets.length !== n) {
      throw new CamscopeError('INVALID_ARGUMENT', `Expected ${n} images and targets, got ${images.length / per} and ${targets.length}.`);
    }
    const session = await this.gradientSession(score);
    const chunk = this.fixedBatch ?? n;
    const K = this.numClasses;
    const A = this.activationSize;
    const out: GradientRun = { logits: new Float32Array(n * K), activations: new Float32Array(n * A), gradients: new Float32Array(n * A), classes: [] };
    const [c, h, w] = [this.profile.channels, ...this.profile.inputSize];
    for (let start = 0; start < n; start += chunk) {
      const count = Math.min(chunk, n - start);
      const batch = new Float32Array(chunk * per);
      batch.set(images.subarray(start * per, (start + count) * per));
      const target = new BigInt64Array(chunk).fill(-1n);
      for (let i = 0; i < count; i++) target[i] = BigInt(targets[start + i]);
      const r = await session.runMixed(
        { [this.inputName]: { data: batch, dims: [chunk, c, h, w] }, [TARGET_INPUT]: { data: target, dims: [chunk] } },
        [this.outputName, this.layer.name, GRAD_OUTPUT, CLASS_OUTPUT],
      );
      out.logits.set((r[this.outputName].data as Float32Array).subarray(0, count * K), start * K);
      out.activations.set((r[this.layer.name].data as Float32Array).subarray(0, count * A), start * A);
      out.gradients.set((r[GRAD_OUTPUT].data as Float32Array).subarray(0, count * A), start * A);
      out.classes.push(...Array.from((r[CLASS_OUTPUT].data as BigInt64Array).subarray(0, count), Number));
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
    for (const s of this.gradientSessions.values()) await (await s.catch(() => null))?.release();
  }
}
