/**
 * The model profile: how images become input tensors, and what the classes are called. Read from an optional
 * sidecar JSON beside the model (`model.json` or `model.onnx.json` for `model.onnx`); anything missing takes
 * torchvision's conventions, so supporting a new model is data, not code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { CamscopeError, errorMessage } from '../errors';
import type { ModelProfile, ResizeMode } from '../types';

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
  numClasses: number;
  channels: number;
  /** [H, W] when the model fixes them, else null. */
  fixedSize: [number, number] | null;
}

function fail(source: string, message: string): never {
  throw new CamscopeError('INVALID_PROFILE', `${source}: ${message}`);
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

  const mean = r.mean === undefined ? (channels === 3 ? IMAGENET_MEAN : GRAY_MEAN) : numberArray(r.mean, channels, source, 'mean');
  const std = r.std === undefined ? (channels === 3 ? IMAGENET_STD : GRAY_STD) : numberArray(r.std, channels, source, 'std');
  if (std.some((s) => s <= 0)) fail(source, '"std" values must be positive.');

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

  return { classes, inputSize, channels, resize, mean: [...mean], std: [...std], layer, ...(tokens ? { tokens } : {}) };
}
