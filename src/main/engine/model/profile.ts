/**
 * The model profile: how images become input tensors, and what the classes are called. Read from an optional
 * sidecar JSON beside the model (`model.json` or `model.onnx.json` for `model.onnx`); anything missing takes
 * torchvision's conventions, so supporting a new model is data, not code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { CamscopeError, errorMessage } from '../errors';
import { sidecarIntensity } from '../image/intensity-setting';
import { OUTPUT_SEMANTICS, TENSOR_LAYOUTS, type ModelProfile, type OutputInfo, type OutputSemantics, type ResizeMode, type SettingSource, type TensorLayout } from '../types';

export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];
/** ImageNet statistics averaged over RGB, for grayscale models without a profile. */
const GRAY_MEAN = [0.449];
const GRAY_STD = [0.226];
const RESIZE_MODES: readonly ResizeMode[] = ['shorter-side-crop', 'stretch'];

export function sidecarCandidates(modelPath: string): string[] {
  const stem = modelPath.replace(/\.onnx$/i, '');
  return [`${stem}.json`, `${modelPath}.json`];
}

/** Reads the raw sidecar JSON, or null when there is none. */
export function readSidecar(modelPath: string): { path: string; data: Record<string, unknown> } | null {
  for (const path of sidecarCandidates(modelPath)) {
    if (!existsSync(path) || path === modelPath) continue;
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new CamscopeError('INVALID_PROFILE', `The model settings file ${path} is not valid JSON (${errorMessage(e)}).`);
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new CamscopeError('INVALID_PROFILE', `The model settings file ${path} must contain a JSON object.`);
    }
    return { path, data: data as Record<string, unknown> };
  }
  return null;
}

export interface ModelFacts {
  /** Classes as camscope explains them (2 for a single-column binary output). */
  numClasses: number;
  channels: number;
  /** [H, W] when the model fixes them, else null. */
  fixedSize: [number, number] | null;
  /** The input's layout and element type, as resolved from the graph and sidecar. */
  layout?: TensorLayout;
  inputType?: 'float32' | 'uint8';
  /** The output semantics, as resolved by resolveOutputSemantics. */
  scores?: OutputSemantics;
  /** One output column read as two classes. */
  binary?: boolean;
}

/** The sidecar's "layout" for the model input, if set. */
export function sidecarInputLayout(raw: Record<string, unknown> | null, source = 'model settings'): TensorLayout | null {
  const v = raw?.layout;
  if (v === undefined) return null;
  if (!TENSOR_LAYOUTS.includes(v as TensorLayout)) fail(source, `"layout" must be one of ${TENSOR_LAYOUTS.join(', ')}.`);
  return v as TensorLayout;
}

/** The sidecar's per-layer layouts ("layerLayouts": {"layer name": "nhwc"}), if set. */
export function sidecarLayerLayouts(raw: Record<string, unknown> | null, source = 'model settings'): Record<string, TensorLayout> | undefined {
  const v = raw?.layerLayouts;
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(source, '"layerLayouts" must be an object like {"layer name": "nhwc"}.');
  for (const [name, l] of Object.entries(v)) {
    if (!TENSOR_LAYOUTS.includes(l as TensorLayout)) fail(source, `"layerLayouts" gives "${String(l)}" for ${name}; use one of ${TENSOR_LAYOUTS.join(', ')}.`);
  }
  return { ...(v as Record<string, TensorLayout>) };
}

/**
 * What the output means: a final activation found in the graph decides (the sidecar may repeat it, or call the
 * output "probabilities", which the activation's result is); without one the sidecar decides; else a single
 * column is a binary logit and several columns are softmax logits — the convention of exported classifiers, named
 * as camscope's default wherever it is shown.
 */
export function resolveOutputSemantics(
  raw: Record<string, unknown> | null,
  activation: OutputInfo['activation'],
  columns: number,
  source = 'model settings',
): { semantics: OutputSemantics; source: SettingSource } {
  const v = raw?.scores;
  if (v !== undefined && !OUTPUT_SEMANTICS.includes(v as OutputSemantics)) fail(source, `"scores" must be one of ${OUTPUT_SEMANTICS.join(', ')}.`);
  const asked = v as OutputSemantics | undefined;
  if (activation) {
    const found: OutputSemantics = activation === 'Sigmoid' ? 'sigmoid' : 'softmax';
    if (asked && asked !== found && asked !== 'probabilities') {
      fail(source, `"scores" is "${asked}" but the model ends in ${activation}, which makes ${found} probabilities.`);
    }
    if (found === 'softmax' && columns === 1) {
      throw new CamscopeError('UNSUPPORTED_MODEL', `The model ends in ${activation} over a single output, which is always ${activation === 'Softmax' ? 1 : 0}; it cannot be explained.`);
    }
    return { semantics: found, source: 'graph' };
  }
  if (asked) return { semantics: asked, source: 'sidecar' };
  return { semantics: columns === 1 ? 'sigmoid' : 'softmax', source: 'default' };
}

export function fail(source: string | undefined, message: string): never {
  throw new CamscopeError('INVALID_PROFILE', `${source ?? 'model settings'}: ${message}`);
}

function numberArray(v: unknown, len: number, source: string, key: string): number[] {
  if (!Array.isArray(v) || v.length !== len || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    fail(source, `"${key}" must be a list of ${len} number${len > 1 ? 's' : ''}.`);
  }
  return v as number[];
}

/** Merges sidecar settings (possibly partial) with defaults, checking them against what the model itself says. */
export function resolveProfile(raw: Record<string, unknown> | null, facts: ModelFacts, source = 'model settings'): ModelProfile {
  const r = raw ?? {};
  if (facts.channels !== 1 && facts.channels !== 3) {
    throw new CamscopeError('UNSUPPORTED_MODEL', `The model expects ${facts.channels} input channels; camscope supports 1 (grayscale) or 3 (RGB).`);
  }
  const channels = facts.channels as 1 | 3;
  if (r.channels !== undefined && r.channels !== channels) {
    fail(source, `"channels" is ${String(r.channels)} but the model's input has ${channels}.`);
  }

  let classes: string[];
  if (r.classes === undefined) classes = Array.from({ length: facts.numClasses }, (_, i) => `class ${i}`);
  else if (!Array.isArray(r.classes) || !r.classes.every((c) => typeof c === 'string')) fail(source, '"classes" must be a list of names.');
  else classes = r.classes as string[];
  if (facts.binary && classes.length !== 2) {
    fail(source, `"classes" names ${classes.length} class${classes.length === 1 ? '' : 'es'}; this model has one output column, a binary classifier, so name both classes: ["negative name", "positive name"].`);
  }
  if (classes.length !== facts.numClasses) {
    fail(source, `"classes" names ${classes.length} classes but the model outputs ${facts.numClasses} scores.`);
  }

  let inputSize: [number, number];
  if (r.inputSize === undefined) inputSize = facts.fixedSize ?? [224, 224];
  else {
    const s = typeof r.inputSize === 'number' ? [r.inputSize, r.inputSize] : r.inputSize;
    const [h, w] = numberArray(s, 2, source, 'inputSize');
    if (!Number.isInteger(h) || !Number.isInteger(w) || h < 2 || w < 2 || h > 4096 || w > 4096) {
      fail(source, '"inputSize" must be two whole numbers between 2 and 4096.');
    }
    inputSize = [h, w];
  }
  if (facts.fixedSize && (facts.fixedSize[0] !== inputSize[0] || facts.fixedSize[1] !== inputSize[1])) {
    fail(source, `"inputSize" is ${inputSize.join('x')} but the model's input is fixed at ${facts.fixedSize.join('x')}.`);
  }

  const resize = (r.resize ?? 'shorter-side-crop') as ResizeMode;
  if (!RESIZE_MODES.includes(resize)) fail(source, `"resize" must be one of ${RESIZE_MODES.join(', ')}.`);

  const inputType = facts.inputType ?? 'float32';
  // uint8 inputs carry raw pixel values: scale 255, no normalisation outside the model.
  const scale = r.scale ?? (inputType === 'uint8' ? 255 : 1);
  if (scale !== 1 && scale !== 255) fail(source, '"scale" must be 1 (pixels in [0, 1]) or 255 (pixels in [0, 255]).');
  if (inputType === 'uint8' && scale !== 255) fail(source, '"scale" must be 255: the model\'s input is uint8 pixel values.');
  // Normalisation inside the model (scale 255, or uint8) means none outside: mean 0, std 1.
  const inside = scale === 255;
  const mean = r.mean === undefined ? (inside ? Array(channels).fill(0) : channels === 3 ? IMAGENET_MEAN : GRAY_MEAN) : numberArray(r.mean, channels, source, 'mean');
  const std = r.std === undefined ? (inside ? Array(channels).fill(1) : channels === 3 ? IMAGENET_STD : GRAY_STD) : numberArray(r.std, channels, source, 'std');
  if (std.some((s) => s <= 0)) fail(source, '"std" values must be positive.');
  if (inputType === 'uint8' && (mean.some((m) => m !== 0) || std.some((s) => s !== 1))) {
    fail(source, '"mean" and "std" must be 0 and 1: the model\'s input is uint8, so it normalises inside.');
  }
  const scores = facts.scores ?? 'softmax';
  let threshold = 0.5;
  if (r.threshold !== undefined) {
    if (typeof r.threshold !== 'number' || !(r.threshold > 0 && r.threshold < 1)) fail(source, '"threshold" must be a number between 0 and 1.');
    threshold = r.threshold;
  }
  const layerLayouts = sidecarLayerLayouts(r, source);

  const layer = r.layer ?? 'auto';
  if (typeof layer !== 'string' || layer === '') fail(source, '"layer" must be a layer name or "auto".');

  let tokens: ModelProfile['tokens'];
  if (r.tokens !== undefined) {
    const t = r.tokens as Record<string, unknown>;
    if (typeof t !== 'object' || t === null) fail(source, '"tokens" must be an object like {"classToken": true, "grid": [14, 14]}.');
    tokens = {};
    if (t.classToken !== undefined) {
      if (typeof t.classToken !== 'boolean') fail(source, '"tokens.classToken" must be true or false.');
      tokens.classToken = t.classToken;
    }
    if (t.grid !== undefined) {
      const [gh, gw] = numberArray(t.grid, 2, source, 'tokens.grid');
      if (!Number.isInteger(gh) || !Number.isInteger(gw) || gh < 1 || gw < 1) fail(source, '"tokens.grid" must be two whole numbers.');
      tokens.grid = [gh, gw];
    }
  }

  // DICOM and 16-bit images: how their samples become 8-bit pixels (absent: camscope's default for each image).
  const intensity = sidecarIntensity(r, source);

  return {
    classes, inputSize, channels, resize, mean: [...mean], std: [...std], layer, scale, layout: facts.layout ?? 'nchw', inputType, scores, threshold,
    ...(layerLayouts ? { layerLayouts } : {}), ...(tokens ? { tokens } : {}),
    ...(intensity ? { intensity, intensitySource: 'sidecar' as const } : {}),
  };
}
