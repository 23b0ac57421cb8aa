/** Plain data types shared by the engine, the CLI, the Electron worker and (as JSON) the renderer. */

/** Which score a method or metric explains: the softmax probability (default) or the raw logit. */
export type ScoreVariant = 'prob' | 'logit';

export type ExecutionProviderName = 'cpu' | 'webgpu' | 'cuda';
export const EXECUTION_PROVIDERS: readonly ExecutionProviderName[] = ['cpu', 'webgpu', 'cuda'];
/** Arithmetic of the fused ScoreCAM scoring graph: fp16 is a GPU speed option (results differ by rounding). */
export type Precision = 'fp32' | 'fp16';
export const PRECISIONS: readonly Precision[] = ['fp32', 'fp16'];

export type ResizeMode =
  /** torchvision Resize(size) + CenterCrop(size): shorter side to the input size, then centre crop. */
  | 'shorter-side-crop'
  /** Stretch to exactly the input size (aspect ratio not kept). */
  | 'stretch';

/** Everything needed to turn an image file into the model's input tensor, plus display names. */
export interface ModelProfile {
  /** Human-readable class names, index = output index. */
  classes: string[];
  /** Model input height and width in pixels. */
  inputSize: [number, number];
  /** 1 (grayscale) or 3 (RGB). */
  channels: 1 | 3;
  resize: ResizeMode;
  /** Per-channel mean and std applied after scaling pixels to [0,1]. */
  mean: number[];
  std: number[];
  /** Target layer (node output name) or 'auto'. */
  layer: string;
  /** Token layers: override the automatic reshape (class token dropped when T − 1 is a square; grid from T). */
  tokens?: Partial<TokenLayout>;
}

/** How a transformer's token tensor [N, T, C] becomes a map [N, C, h, w]. */
export interface TokenLayout {
  /** The first token is a class token and is dropped. */
  classToken: boolean;
  /** [h, w] with h·w = T − (classToken ? 1 : 0). */
  grid: [number, number];
}

/**
 * A node output that can serve as a CAM target layer: 4-D [N,C,h,w] with h,w > 1, or a transformer token tensor
 * [N, T, C] whose tokens form a square grid (optionally after a class token).
 */
export interface CandidateLayer {
  name: string;
  opType: string;
  nodeName: string;
  /** Map shape at batch 1 as methods see it: [1, C, h, w]. */
  shape: number[];
  /** The tensor's own shape at batch 1 ([1, T, C] for token layers). */
  rawShape: number[];
  /** Present for token layers: the explicit reshape applied to them. */
  tokens?: TokenLayout;
}

export interface ModelInspection {
  path: string;
  /** sha256 of the model file, hex. */
  fingerprint: string;
  opset: number;
  producer: string;
  inputs: { name: string; shape: (number | string)[]; type: string }[];
  outputs: { name: string; shape: (number | string)[]; type: string }[];
  profile: ModelProfile;
  /** Where the profile came from: the sidecar JSON path, or null when defaults were used. */
  profileSource: string | null;
  numClasses: number;
  candidateLayers: CandidateLayer[];
  defaultLayer: string;
}

export interface Prediction {
  classIndex: number;
  className: string;
  probability: number;
  logit: number;
}
