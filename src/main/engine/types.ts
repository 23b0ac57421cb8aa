/** Plain data types shared by the engine, the CLI, the Electron worker and (as JSON) the renderer. */

/**
 * Which score a method or metric explains: the model's own probability of the class (default; softmax or sigmoid,
 * as the model's output semantics say) or the raw logit (the pre-activation score).
 */
export type ScoreVariant = 'prob' | 'logit';

/**
 * What the model's output scores mean. 'softmax': one class per image, probabilities = softmax(logits) (a graph
 * ending in Softmax/LogSoftmax is explained on its pre-activation logits). 'sigmoid': independent classes (multi-
 * label, and single-logit binary models), each class's probability = σ(its logit). 'probabilities': the output
 * already is a probability per class and no logits exist.
 */
export type OutputSemantics = 'softmax' | 'sigmoid' | 'probabilities';
export const OUTPUT_SEMANTICS: readonly OutputSemantics[] = ['softmax', 'sigmoid', 'probabilities'];

/** Memory layout of a 4-D image tensor: channels first [N, C, H, W] or channels last [N, H, W, C]. */
export type TensorLayout = 'nchw' | 'nhwc';
export const TENSOR_LAYOUTS: readonly TensorLayout[] = ['nchw', 'nhwc'];
/** How a candidate layer's tensor maps to [C, h, w]: as is, channels last, or transformer tokens [T, C]. */
export type LayerLayout = TensorLayout | 'tokens';
/** Where a layout or semantics came from: read from the graph, set in the sidecar, or camscope's default. */
export type SettingSource = 'graph' | 'sidecar' | 'default';

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
  /** Pixel values before normalisation: 1 = [0, 1] (torchvision's ToTensor), 255 = [0, 255]. */
  scale: 1 | 255;
  /** The model input's own layout and element type (camscope feeds NCHW float and adapts inside the graph). */
  layout: TensorLayout;
  inputType: 'float32' | 'uint8';
  /** What the output scores mean (see OutputSemantics). */
  scores: OutputSemantics;
  /** Multi-label ('sigmoid') models: classes with probability ≥ threshold form the predicted set. */
  threshold: number;
  /** Per-layer layout overrides from the sidecar (layer name → layout). */
  layerLayouts?: Record<string, TensorLayout>;
  /** Token layers: override the automatic reshape (class token dropped when T − 1 is a square; grid from T). */
  tokens?: Partial<TokenLayout>;
  /**
   * How DICOM and 16-bit images become 8-bit pixels (intensity.ts's stable string form), when the sidecar's
   * "intensity" or the user set it; absent, each such image takes camscope's default for its kind.
   */
  intensity?: string;
  /** Who set `intensity`: the model's settings file, or an option (the CLI's --intensity, the app's Model screen). */
  intensitySource?: 'sidecar' | 'option';
}

export type IntensitySource = 'sidecar' | 'option' | 'default';

/** The mapping as results.json, the evaluation's settings and the app show it. */
export interface IntensitySetting {
  /** The stable string form, or null when each image takes camscope's default for its kind. */
  mapping: string | null;
  source: IntensitySource;
  /** camscope's defaults, which apply when `mapping` is null. */
  defaults: { dicom: string; image16: string };
}

/**
 * Where a DICOM or 16-bit image's 8-bit pixels came from, for the image view's info line and window control:
 * nothing that identifies a person (see DicomInfo).
 */
export interface ImageSource {
  kind: 'dicom' | 'image16';
  /** DICOM Modality (CT, MR, …); null for 16-bit PNG/TIFF. */
  modality: string | null;
  /** The stored size, before the model's resize. */
  width: number;
  height: number;
  bitsStored: number;
  signed: boolean;
  /** The frame shown (1-based) and how many the file holds. */
  frame: number;
  frames: number;
  /** The intensity mapping that made the pixels (its string form). */
  mapping: string;
  /** The linear window (modality units) the mapping amounted to on this image; null for a VOI LUT or a sigmoid. */
  window: { center: number; width: number } | null;
  /** The windows the file lists, in the order `dicom-window:N` numbers them (from 1). */
  windows: { center: number | null; width: number | null; function: string; explanation: string | null }[];
  /** The modality values the bit depth can hold. */
  valueRange: [number, number];
  /** MONOCHROME1: low values are shown bright. */
  inverted: boolean;
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
  /** How the tensor becomes [C, h, w]: 'nchw' as is, 'nhwc' transposed, 'tokens' reshaped (see `tokens`). */
  layout: LayerLayout;
  /** 'graph': read from the ops around it; 'sidecar': set by the user; 'default': nothing in the graph says (NCHW assumed). */
  layoutSource: SettingSource;
  /** Present for token layers: the explicit reshape applied to them. */
  tokens?: TokenLayout;
}

/** What camscope found the model's output to be, and what it explains. */
export interface OutputInfo {
  semantics: OutputSemantics;
  source: SettingSource;
  /** The final activation found in the graph and explained around (its input is used as the logits), if any. */
  activation: 'Softmax' | 'LogSoftmax' | 'Sigmoid' | null;
  /** A single output column z read as two classes: logits [−z, z], p₁ = σ(z) (or p₁ = the output, p₀ = 1 − p₁). */
  binary: boolean;
  /** The tensor used as the class scores (logits, or probabilities when semantics is 'probabilities'). */
  tensor: string;
}

/** The model's image input as found and as camscope feeds it. */
export interface InputInfo {
  name: string;
  layout: TensorLayout;
  layoutSource: SettingSource;
  type: 'float32' | 'uint8';
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
  /**
   * Where the class names came from: the sidecar; the dataset (ImageFolder folder names or the labels file's names,
   * sorted, when their count equals the model's outputs — torchvision's convention); or 'default' (`class N`).
   * 'project': names the user gave in the app's Classes editor, kept in the project file (workbench/class-names.ts).
   */
  classesSource: 'sidecar' | 'dataset' | 'default' | 'project';
  numClasses: number;
  input: InputInfo;
  output: OutputInfo;
  candidateLayers: CandidateLayer[];
  defaultLayer: string;
}

export interface Prediction {
  classIndex: number;
  className: string;
  /** The class's probability under the model's output semantics (softmax, sigmoid, or the output itself). */
  probability: number;
  /** The pre-activation score (NaN for models that output probabilities only). */
  logit: number;
}
