/**
 * An ONNX image classifier opened for explanation: its profile, its candidate target layers, and one session that
 * returns the logits and the chosen layer's activations in a single run.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { freemem } from 'node:os';
import { CamscopeError, errorMessage } from '../errors';
import { openSession, probeGraph, type Session, type TypedTensor } from '../onnx/backend';
import { probeInput } from '../onnx/probe-plan';
import { buildBackwardModel, CLASS_OUTPUT, GRAD_OUTPUT, TARGET_INPUT, VERSUS_INPUT } from '../onnx/autodiff/backward';
import {
  buildFusedCombineModel, buildFusedScoringModel, FUSED_ACTS, FUSED_CAM, FUSED_CLASS, FUSED_IMAGE, FUSED_SCORES, FUSED_VERSUS, FUSED_WEIGHTS,
  type ChannelTransform,
} from '../onnx/fused-score';
import {
  decodeModel, graphInputs, graphOutputs, graphOf, opsetVersion, producers, usesExternalData, withExtraOutputs,
  type ModelProto,
} from '../onnx/graph';
import type { CandidateLayer, ExecutionProviderName, ModelInspection, ModelProfile, OutputSemantics, Precision, TokenLayout } from '../types';
import { adaptInput, BINARY_LOGITS, CANONICAL_INPUT, detectInputLayout, findOutputActivation, layoutError, withBinaryOutput, withOutput } from './adapt';
import { inferLayouts } from './layer-layout';
import { formatIntensityMapping, parseIntensityMapping } from '../image/intensity';
import { fail, readSidecar, resolveOutputSemantics, resolveProfile, sidecarInputLayout } from './profile';

/** Ops that only pool or pass through: the default layer is the activation before them (the paper's convention). */
const POOLING_OPS = new Set(['MaxPool', 'AveragePool', 'Dropout', 'Identity', 'LpPool']);

export interface LoadOptions {
  ep?: ExecutionProviderName;
  /**
   * Arithmetic of the fused ScoreCAM scoring graph (the per-channel passes, nearly all of ScoreCAM's cost):
   * 'fp16' converts it to half precision for GPUs; the plain forward and gradient passes stay float32.
   */
  precision?: Precision;
  /** Target layer name, or 'auto' (default: the profile's layer, else auto). */
  layer?: string;
  /** The intensity mapping for DICOM and 16-bit images (intensity.ts's string form), over the sidecar's "intensity". */
  intensity?: string;
}

interface Analysis {
  model: ModelProto;
  /** Shapes at the probe batch of the input and every node output, for graph generators. */
  shapes: Map<string, number[]>;
  /** Values of small int64 tensors in the probe run (shape arithmetic). */
  probedValues: Map<string, number[]>;
  probeBatch: number;
  /** Bytes of all float intermediate tensors for one image (from the probe). */
  bytesPerImage: number;
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

/**
 * Token layers [N, T, C] as maps: a class token is assumed when T − 1 is a square (and dropped), else T must be
 * a square; the profile's `tokens` overrides either. Returns null when the tokens do not form a grid.
 */
export function tokenLayout(T: number, override?: Partial<TokenLayout>): TokenLayout | null {
  const square = (n: number): number | null => {
    const g = Math.round(Math.sqrt(n));
    return g > 1 && g * g === n ? g : null;
  };
  const classToken = override?.classToken ?? (square(T - 1) !== null && square(T) === null);
  const count = T - (classToken ? 1 : 0);
  if (override?.grid) return override.grid[0] * override.grid[1] === count ? { classToken, grid: override.grid } : null;
  const g = square(count);
  return g ? { classToken, grid: [g, g] } : null;
}

/**
 * Tensors from which a token-mixing op (a MatMul of two computed tensors, i.e. attention) is still ahead on the
 * way to the output. After the last attention, transformer tokens no longer mix, so only the class token reaches
 * the logits and patch tokens get no gradient: such layers make empty maps.
 */
function tokensStillMix(model: ModelProto): Set<string> {
  const graph = graphOf(model);
  const constants = new Set(graph.initializer.map((t) => t.name));
  for (const n of graph.node) if (n.opType === 'Constant') for (const o of n.output ?? []) constants.add(o);
  const mixing = new Set<string>();
  for (let i = graph.node.length - 1; i >= 0; i--) {
    const n = graph.node[i];
    const mixesHere = n.opType === 'MatMul' && (n.input ?? []).every((x) => x && !constants.has(x));
    if (mixesHere || (n.output ?? []).some((o) => mixing.has(o))) for (const x of n.input ?? []) if (x) mixing.add(x);
  }
  return mixing;
}

/**
 * The default target layer, as the papers choose it. CNNs: the last candidate, stepping back over pooling and
 * pass-through ops to the activation that feeds them (ResNet: the last Relu before GlobalAveragePool; VGG: the last
 * ReLU before the final max-pool). Transformers: the last LayerNormalization token output before the last
 * attention (pytorch-grad-cam's `blocks[-1].norm1`), else the last token layer before it.
 */
export function defaultLayer(candidates: CandidateLayer[], model: ModelProto): string {
  const byName = new Map(candidates.map((c) => [c.name, c]));
  const made = producers(model);
  let layer = candidates[candidates.length - 1];
  if (layer.tokens) {
    const mixing = tokensStillMix(model);
    const usable = candidates.filter((c) => c.tokens && mixing.has(c.name));
    const norms = usable.filter((c) => c.opType === 'LayerNormalization');
    const pick = norms.at(-1) ?? usable.at(-1);
    if (pick) return pick.name;
  }
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
  const original = decodeModel(bytes);
  if (usesExternalData(original)) {
    throw new CamscopeError('UNSUPPORTED_MODEL', 'This model keeps its weights in separate files (ONNX external data); save it as a single .onnx file.');
  }
  const inputs = graphInputs(original);
  if (inputs.length !== 1) {
    throw new CamscopeError('UNSUPPORTED_MODEL', `camscope needs a model with one image input; this one has ${inputs.length} (${inputs.map((i) => i.name).join(', ')}).`);
  }
  const input = inputs[0];
  if ((input.type !== 'float32' && input.type !== 'uint8') || input.shape.length !== 4) {
    throw new CamscopeError('UNSUPPORTED_MODEL', `The model's input "${input.name}" is ${input.type} [${input.shape.join(', ')}]; camscope needs a float32 or uint8 image input [N, C, H, W] or [N, H, W, C].`);
  }
  const sidecar = readSidecar(modelPath);
  const askedLayout = sidecarInputLayout(sidecar?.data ?? null, sidecar?.path);
  const layout = askedLayout ?? detectInputLayout(input.shape);
  if (!layout) throw layoutError(input.name, input.shape);
  const [batchDim, channelDim, hDim, wDim] = layout === 'nchw' ? input.shape : [input.shape[0], input.shape[3], input.shape[1], input.shape[2]];
  if (typeof channelDim !== 'number') {
    throw new CamscopeError('UNSUPPORTED_MODEL', `The model's input "${input.name}" does not fix its channel count; camscope needs [N, 1 or 3, H, W] or [N, H, W, 1 or 3].`);
  }
  const inputType = input.type;
  const fixedBatch = typeof batchDim === 'number' ? batchDim : null;
  const fixedSize: [number, number] | null = typeof hDim === 'number' && typeof wDim === 'number' ? [hDim, wDim] : null;

  // The canonical model: float32 NCHW in, class logits (or probabilities) out; see adapt.ts.
  let model = adaptInput(original, input.name, layout, inputType, [batchDim, channelDim, hDim, wDim]);
  const inputName = model === original ? input.name : CANONICAL_INPUT;
  const activation = findOutputActivation(model);
  if (activation) model = withOutput(model, activation.logits, activation.node);
  let outputName = activation ? activation.logits : graphOutputs(model)[0].name;

  const rawSize = sidecar?.data.inputSize;
  const probeSize: [number, number] = fixedSize
    ?? (Array.isArray(rawSize) && rawSize.length === 2 ? [Number(rawSize[0]), Number(rawSize[1])] : null)
    ?? (typeof rawSize === 'number' ? [rawSize, rawSize] : [224, 224]);

  // Shape probe: run once at the smallest batch with every node output exposed, to learn each tensor's shape.
  const probeAll = (m: ModelProto) => [...producers(m).entries()].filter(([, p]) => p.node.opType !== 'Constant').map(([name]) => name);
  let probed = probeAll(model);
  const probeBatch = fixedBatch ?? 1;
  const probeShape = [probeBatch, channelDim, probeSize[0], probeSize[1]];
  const shapes = await probeGraph(
    model,
    probed,
    { [inputName]: probeInput(inputName, probeShape, fixedSize ? null : sidecar?.path ?? null) },
    { [inputName]: probeShape },
  );
  const logits = shapes.get(outputName);
  if (!logits || logits.dims.length !== 2 || logits.dims[0] !== probeBatch) {
    throw new CamscopeError('UNSUPPORTED_MODEL', `The model's ${activation ? `scores before its final ${activation.activation}` : `first output "${outputName}"`} have shape [${logits?.dims.join(', ') ?? '?'}]; camscope needs class scores [N, classes].`);
  }
  const columns = logits.dims[1];
  const scores = resolveOutputSemantics(sidecar?.data ?? null, activation?.activation ?? null, columns, sidecar?.path);
  const binary = columns === 1;
  if (binary) {
    const adapted = withBinaryOutput(model, outputName, scores.semantics === 'probabilities');
    model = adapted.model;
    probed = probeAll(model);
    for (const n of adapted.nodes) shapes.set(n.name, { dims: [probeBatch, n.shape === 'pair' ? 2 : 1], type: 'float32' });
    outputName = BINARY_LOGITS;
  }
  const numClasses = binary ? 2 : columns;
  const profile: ModelProfile = resolveProfile(
    sidecar?.data ?? null,
    { numClasses, channels: channelDim, fixedSize, layout, inputType, scores: scores.semantics, binary },
    sidecar?.path,
  );

  const staticShapes = new Map<string, number[]>([[inputName, probeShape]]);
  for (const t of graphOf(model).initializer) if (t.name) staticShapes.set(t.name, (t.dims ?? []).map(Number));
  for (const n of graphOf(model).node) {
    const value = n.opType === 'Constant' ? n.attribute?.find((x) => x.name === 'value')?.t : undefined;
    if (value && n.output?.[0]) staticShapes.set(n.output[0], (value.dims ?? []).map(Number));
  }
  for (const [name, s] of shapes) staticShapes.set(name, s.dims);

  const made = producers(model);
  const layouts = inferLayouts(model, (name) => staticShapes.get(name)?.length);
  for (const name of Object.keys(profile.layerLayouts ?? {})) {
    if (shapes.get(name)?.dims.length !== 4) {
      fail(sidecar?.path, `"layerLayouts" names "${name}", which is not a 4-D tensor of this model.`);
    }
  }
  const candidateLayers: CandidateLayer[] = [];
  for (const name of probed) {
    const s = shapes.get(name);
    if (!s || s.type !== 'float32' || s.dims[0] !== probeBatch) continue;
    const node = made.get(name)!.node;
    const base = { name, opType: node.opType ?? '', nodeName: node.name ?? '', rawShape: [1, ...s.dims.slice(1)] };
    if (s.dims.length === 4) {
      const asked = profile.layerLayouts?.[name];
      const found = layouts.get(name);
      const layerLayout = asked ?? found?.layout ?? 'nchw';
      const [, a, b, c] = s.dims;
      const [C, h, w] = layerLayout === 'nchw' ? [a, b, c] : [c, a, b];
      if (h > 1 && w > 1) {
        candidateLayers.push({ ...base, shape: [1, C, h, w], layout: layerLayout, layoutSource: asked ? 'sidecar' : found ? 'graph' : 'default' });
      }
    } else if (s.dims.length === 3) {
      const tokens = tokenLayout(s.dims[1], profile.tokens);
      if (tokens) candidateLayers.push({ ...base, shape: [1, s.dims[2], ...tokens.grid], layout: 'tokens', layoutSource: profile.tokens ? 'sidecar' : 'graph', tokens });
    }
  }
  if (candidateLayers.length === 0) {
    throw new CamscopeError('NO_SPATIAL_LAYER', 'The model has no spatial layer (a 4-D [N, C, h, w] or [N, h, w, C] tensor with h, w > 1, or transformer tokens on a square grid), so there is nothing a class activation map can be computed from.');
  }

  const inspection: ModelInspection = {
    path: modelPath,
    fingerprint,
    opset: opsetVersion(original),
    producer: [original.producerName, original.producerVersion].filter(Boolean).join(' '),
    inputs,
    outputs: graphOutputs(original),
    profile,
    profileSource: sidecar?.path ?? null,
    classesSource: sidecar?.data.classes !== undefined ? 'sidecar' : 'default',
    numClasses,
    input: { name: input.name, layout, layoutSource: askedLayout ? 'sidecar' : 'graph', type: inputType },
    output: { semantics: scores.semantics, source: scores.source, activation: activation?.activation ?? null, binary, tensor: binary ? BINARY_LOGITS : outputName },
    candidateLayers,
    defaultLayer: defaultLayer(candidateLayers, model),
  };
  const probedValues = new Map<string, number[]>();
  let bytesPerImage = 4 * (probeShape[1] * probeShape[2] * probeShape[3]);
  for (const [name, s] of shapes) {
    if (s.values) probedValues.set(name, s.values);
    if (s.type === 'float32') bytesPerImage += (4 * s.dims.reduce((a, d) => a * d, 1)) / probeBatch;
  }
  return { model, shapes: staticShapes, probedValues, probeBatch, bytesPerImage, inspection, inputName, outputName, fixedBatch };
}

/** Reads a model and reports what camscope sees in it, without keeping a session open. */
export async function inspectModel(modelPath: string): Promise<ModelInspection> {
  return (await analyse(modelPath)).inspection;
}

export interface GradientRun {
  logits: Float32Array;
  activations: Float32Array;
  /** ∂score/∂A for each image's explained class (∂(s_class − s_versus)/∂A for a contrast), same layout as the activations. */
  gradients: Float32Array;
  /** The class each image's gradient explains. */
  classes: number[];
}

export class Classifier {
  /** Backward-pass sessions, built on first use per score variant and for contrasts (key `<score>` or `<score>:versus`). */
  private readonly gradientSessions = new Map<string, Promise<Session>>();
  /** Fused scoring/combining sessions, built on first use per configuration. */
  private readonly fusedSessions = new Map<string, Promise<Session>>();
  private precisionInUse: Precision;
  private precisionNote: string | null = null;

  private constructor(
    readonly inspection: ModelInspection,
    readonly layer: CandidateLayer,
    private readonly session: Session,
    private readonly analysis: Analysis,
    private readonly ep: ExecutionProviderName,
    readonly requestedPrecision: Precision,
  ) {
    this.precisionInUse = requestedPrecision;
    this.sidecarIntensity = inspection.profile.intensitySource === 'sidecar' ? inspection.profile.intensity : undefined;
  }
  /** The sidecar's intensity mapping, to go back to when an option's is cleared. */
  private readonly sidecarIntensity: string | undefined;

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
    const classifier = new Classifier(a.inspection, layer, session, a, options.ep ?? 'cpu', options.precision ?? 'fp32');
    if (options.intensity !== undefined) classifier.setIntensity(options.intensity);
    return classifier;
  }

  /**
   * Sets the intensity mapping of DICOM and 16-bit images (an option over the sidecar's); null goes back to the
   * sidecar's, or camscope's per-image default without one. A mapping camscope does not know is refused.
   */
  setIntensity(mapping: string | null): void {
    const p = this.inspection.profile;
    if (mapping === null) {
      delete p.intensity;
      delete p.intensitySource;
      if (this.sidecarIntensity) Object.assign(p, { intensity: this.sidecarIntensity, intensitySource: 'sidecar' });
      return;
    }
    p.intensity = formatIntensityMapping(parseIntensityMapping(mapping));
    p.intensitySource = 'option';
  }

  get profile(): ModelProfile {
    return this.inspection.profile;
  }
  /**
   * Names the classes after a dataset's label names (sorted folder or label names whose count equals the model's
   * outputs) when nothing better names them: the sidecar always wins. Returns whether the names changed.
   */
  adoptClassNames(names: readonly string[]): boolean {
    if (this.inspection.classesSource === 'sidecar' || names.length !== this.numClasses) return false;
    if (names.every((n, i) => n === this.inspection.profile.classes[i])) return false;
    this.inspection.profile.classes = [...names];
    this.inspection.classesSource = 'dataset';
    return true;
  }

  /** What the class scores mean: softmax logits, independent sigmoid logits, or probabilities. */
  get scores(): OutputSemantics {
    return this.inspection.output.semantics;
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
  /** The precision the fused scoring graph runs in (fp32 after a failed fp16 start). */
  get precision(): Precision {
    return this.precisionInUse;
  }
  /** Why fp16 was asked for but fp32 runs, when that happened. */
  get precisionFallbackReason(): string | null {
    return this.precisionNote;
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
      if (activations) this.toMapLayout(out[this.layer.name].data, count, activations, start);
    }
    return { logits, activations };
  }

  /**
   * Copies `count` images of the layer's tensor into `dest` at image `start` in map layout [C, h·w]. Channels-last
   * layers [h·w, C] and token layers [T, C] are transposed (tokens dropping the class token): maps are computed as
   * on the equivalent NCHW tensor.
   */
  private toMapLayout(src: Float32Array, count: number, dest: Float32Array, start: number): void {
    const A = this.activationSize;
    if (this.layer.layout === 'nchw') {
      dest.set(src.subarray(0, count * A), start * A);
      return;
    }
    const [, C] = this.layer.shape;
    const skip = this.layer.tokens?.classToken ? 1 : 0;
    const hw = A / C;
    const T = hw + skip;
    for (let n = 0; n < count; n++) {
      const s0 = n * T * C;
      const d0 = (start + n) * A;
      for (let t = 0; t < hw; t++) for (let c = 0; c < C; c++) dest[d0 + c * hw + t] = src[s0 + (t + skip) * C + c];
    }
  }

  private gradientSession(score: 'logit' | 'prob', contrast: boolean): Promise<Session> {
    const key = contrast ? `${score}:versus` : score;
    let s = this.gradientSessions.get(key);
    if (!s) {
      const a = this.analysis;
      s = Promise.resolve().then(() =>
        openSession(buildBackwardModel(a.model, {
          layer: this.layer.name, logits: a.outputName, score, semantics: this.scores, shapes: a.shapes, probeBatch: a.probeBatch, probedValues: a.probedValues,
          ...(contrast ? { contrast } : {}),
        }), this.ep));
      this.gradientSessions.set(key, s);
      s.catch(() => this.gradientSessions.delete(key));
    }
    return s;
  }

  /**
   * One run per chunk returning logits, activations and ∂score/∂activations for each image's target class
   * (−1 = the predicted class), through the generated backward graph. With `versus` (a class per image, never the
   * image's target), the gradient of the contrast s_target − s_versus instead.
   */
  async gradients(images: Float32Array, n: number, targets: number[], score: 'logit' | 'prob', versus?: number[]): Promise<GradientRun> {
    const per = this.imageSize;
    if (images.length !== n * per || targets.length !== n || (versus && versus.length !== n)) {
      throw new CamscopeError('INVALID_ARGUMENT', `Expected ${n} images and targets, got ${images.length / per} and ${targets.length}${versus ? ` (and ${versus.length} versus classes)` : ''}.`);
    }
    if (versus?.some((v) => !Number.isInteger(v) || v < 0 || v >= this.numClasses)) {
      throw new CamscopeError('CLASS_OUT_OF_RANGE', `A versus class must be a class index from 0 to ${this.numClasses - 1}.`);
    }
    const session = await this.gradientSession(score, Boolean(versus));
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
      const feeds: Record<string, TypedTensor> = { [this.inputName]: { data: batch, dims: [chunk, c, h, w] }, [TARGET_INPUT]: { data: target, dims: [chunk] } };
      // Padding rows of a fixed batch contrast their predicted class with class 0; their gradients are dropped.
      if (versus) feeds[VERSUS_INPUT] = { data: BigInt64Array.from({ length: chunk }, (_, i) => BigInt(i < count ? versus[start + i] : 0)), dims: [chunk] };
      const r = await session.runMixed(
        feeds,
        [this.outputName, this.layer.name, GRAD_OUTPUT, CLASS_OUTPUT],
      );
      out.logits.set((r[this.outputName].data as Float32Array).subarray(0, count * K), start * K);
      this.toMapLayout(r[this.layer.name].data as Float32Array, count, out.activations, start);
      this.toMapLayout(r[GRAD_OUTPUT].data as Float32Array, count, out.gradients, start);
      out.classes.push(...Array.from((r[CLASS_OUTPUT].data as BigInt64Array).subarray(0, count), Number));
    }
    return out;
  }

  /**
   * A batch size for this model: enough images per run to keep the provider busy, few enough that every
   * intermediate tensor of a batch fits a memory budget (a quarter of free memory, at most 2 GiB on CPU, 8 GiB on
   * GPU). Bytes per image come from the shape probe (all float tensors at batch 1).
   */
  suggestedBatchSize(freeBytes = freemem()): number {
    const perImage = this.analysis.bytesPerImage;
    const cap = this.provider === 'cpu' ? 2 ** 31 : 2 ** 33;
    const budget = Math.min(cap, freeBytes / 4);
    // 64 on GPUs too: WebGPU zero-fills every new buffer, so bigger batches lose more to allocation than they gain
    // (H100, ResNet-18 ScoreCAM++: 225 ms per image at 64, 329 ms at 256, 385 ms at 512).
    const max = 64;
    return Math.max(1, Math.min(max, Math.floor(budget / Math.max(1, perImage))));
  }

  /** Whether the fused ScoreCAM graphs can be used (dynamic batch, opset ≥ 13, a spatial layer). */
  get supportsFusedScoring(): boolean {
    return this.fixedBatch === null && this.inspection.opset >= 13;
  }

  /** A fused session, opened once per configuration and kept (a failed open is forgotten so it can be retried). */
  private fusedSession(key: string, open: () => Promise<Session>): Promise<Session> {
    let s = this.fusedSessions.get(key);
    if (!s) {
      s = Promise.resolve().then(open);
      this.fusedSessions.set(key, s);
      s.catch(() => this.fusedSessions.delete(key));
    }
    return s;
  }

  /**
   * Opens the scoring graph in the requested precision. An fp16 graph that cannot run on this provider (no kernels,
   * no shader-f16) is replaced by the fp32 one, and the reason kept, rather than silently running elsewhere.
   */
  private async openScoring(build: (precision: Precision) => Uint8Array): Promise<Session> {
    if (this.precisionInUse === 'fp16') {
      try {
        const half = await openSession(build('fp16'), this.ep);
        if (half.provider === this.provider) return half;
        await half.release();
        this.precisionNote = `fp16 could not run on ${this.provider}; using fp32`;
      } catch (e) {
        this.precisionNote = `fp16 could not run (${errorMessage(e).split('\n')[0]}); using fp32`;
      }
      this.precisionInUse = 'fp32';
    }
    return openSession(build(this.precisionInUse), this.ep);
  }

  /**
   * Target scores of x masked by each of `count` activation channels (`acts`, [count, h·w] in map layout), with
   * the mask transform and the whole classifier inside onnxruntime. With `versus`: s_class − s_versus per mask.
   */
  async fusedScores(image: Float32Array, acts: Float32Array, count: number, classIndex: number, mask: ChannelTransform, score: 'prob' | 'logit', versus?: number): Promise<Float32Array> {
    const a = this.analysis;
    const contrast = versus !== undefined;
    const session = await this.fusedSession(`score:${mask}:${score}${contrast ? ':versus' : ''}`, () =>
      this.openScoring((precision) =>
        buildFusedScoringModel(a.model, a.outputName, {
          mask, score, semantics: this.scores, inputSize: this.profile.inputSize, channels: this.profile.channels, precision, ...(contrast ? { contrast } : {}),
        })));
    const [, , h, w] = this.layer.shape;
    const [H, W] = this.profile.inputSize;
    const r = await session.runMixed(
      {
        [FUSED_IMAGE]: { data: image, dims: [1, this.profile.channels, H, W] },
        [FUSED_ACTS]: { data: acts, dims: [count, 1, h, w] },
        [FUSED_CLASS]: { data: BigInt64Array.of(BigInt(classIndex)), dims: [1] },
        ...(contrast ? { [FUSED_VERSUS]: { data: BigInt64Array.of(BigInt(versus)), dims: [1] } } : {}),
      },
      [FUSED_SCORES],
    );
    return r[FUSED_SCORES].data as Float32Array;
  }

  /** Σ_k weights_k · term(up_k) over `count` channels, as an [H, W] map computed inside onnxruntime. */
  async fusedCombine(acts: Float32Array, weights: Float32Array, count: number, term: ChannelTransform): Promise<Float32Array> {
    const [, , h, w] = this.layer.shape;
    const session = await this.fusedSession(`combine:${term}`, () =>
      openSession(buildFusedCombineModel(this.inspection.opset, term, this.profile.inputSize, [h, w]), this.ep));
    const r = await session.runMixed(
      { [FUSED_ACTS]: { data: acts, dims: [count, 1, h, w] }, [FUSED_WEIGHTS]: { data: weights, dims: [count, 1, 1, 1] } },
      [FUSED_CAM],
    );
    return r[FUSED_CAM].data as Float32Array;
  }

  async release(): Promise<void> {
    await this.session.release();
    for (const s of [...this.gradientSessions.values(), ...this.fusedSessions.values()]) await (await s.catch(() => null))?.release();
  }
}
