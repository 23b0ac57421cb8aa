/**
 * The one IPC contract between the renderer and the main process.
 *
 * Every channel the preload may invoke is listed in {@link channels} with a runtime validator for its request payload
 * (checked in the main process before any handler runs) and, at the type level, its response type. Main → renderer
 * notifications are listed in {@link Events}. {@link CamscopeApi} is what the renderer sees as `window.camscope`;
 * the preload implements it over IPC, and the web test bridge (src/main/web-bridge) implements it over HTTP.
 *
 * Large data never travels as JSON arrays of numbers: maps are Float32Array, pixels and thumbnails Uint8Array,
 * prediction tables typed arrays. Long jobs take a renderer-chosen `jobId`; their partial results and progress
 * arrive as events tagged with it, the request itself resolves with the final summary, and `job:cancel` stops them.
 */
import type { CamscopeErrorCode } from '../main/engine/errors';
import { EXECUTION_PROVIDERS, PRECISIONS } from '../main/engine/types';
import type { CandidateLayer, ExecutionProviderName, ImageSource, IntensitySetting, ModelInspection, Precision, Prediction } from '../main/engine/types';
import type { ComparisonModel, ComparisonResult, ComparisonRowEvent, ComparisonRunRequest, MapDistances } from './compare';
import type { EvaluationSettings, ImageRecord, MetricInfo, MetricTable } from './results';
import {
  array,
  boolean,
  none,
  nullable,
  number,
  object,
  oneOf,
  optional,
  string,
  uniqueArray,
  ValidationError,
  type Validator,
} from './validate';

export type { ModelInspection, CandidateLayer, ModelProfile, Prediction, ExecutionProviderName, Precision, ImageSource, IntensitySetting } from '../main/engine/types';
export type { EvaluationSettings, ImageRecord, MethodResult, MethodRow, MetricInfo, MetricKey, MetricTable } from './results';
export type { ComparedImage, CompareSummary, ComparisonModel, ComparisonResult, ComparisonRow, ComparisonRowEvent, ComparisonRunRequest, MapDistances } from './compare';

/** A channel's request validator, with its response type carried as a phantom. */
export interface ChannelSpec<Req, Res> {
  readonly request: Validator<Req>;
  /** Type-level only; never set at runtime. */
  readonly __response?: Res;
}

function channel<Req, Res>(request: Validator<Req>): ChannelSpec<Req, Res> {
  return { request };
}

/** Longest path accepted over IPC (Windows long paths top out at 32,767 UTF-16 units). */
export const MAX_PATH_LENGTH = 32_767;
/** Most thumbnails one request may ask for (a screenful and then some). */
export const MAX_THUMBNAILS_PER_REQUEST = 400;
/** Most images in one exported figure. */
export const MAX_FIGURE_IMAGES = 24;
/** Most vertices of one polygon annotation. */
export const MAX_POLYGON_POINTS = 1_000;
/** Most images one sanity check of the app explains (each is explained once per randomization stage). */
export const MAX_SANITY_IMAGES = 100;
/** Longest class name the Classes editor accepts, and most classes a model may name (ImageNet-21k has 21,841). */
export const MAX_CLASS_NAME_LENGTH = 100;
export const MAX_CLASS_NAMES = 100_000;

// The engine's own lists (engine/types.ts imports nothing, so the renderer and preload can bundle it).
export { EXECUTION_PROVIDERS, PRECISIONS };
export const COLORMAP_NAMES = ['jet', 'viridis', 'turbo', 'inferno'] as const;
export type ColormapChoice = (typeof COLORMAP_NAMES)[number];
export const SCORE_VARIANT_NAMES = ['prob', 'logit'] as const;
export type ScoreVariantName = (typeof SCORE_VARIANT_NAMES)[number];
export const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];
export const ANNOTATION_KINDS = ['rect', 'polygon', 'point'] as const;
export type AnnotationKind = (typeof ANNOTATION_KINDS)[number];

const filePath = string({ minLength: 1, maxLength: MAX_PATH_LENGTH });
const jobId = string({ pattern: /^[A-Za-z0-9_-]{1,64}$/, patternHint: 'a job id (1 to 64 letters, digits, _ or -)' });
const methodId = string({ pattern: /^[a-z0-9+_-]{1,64}$/, patternHint: 'a method id such as "gradcam" or "scorecam++"' });
const methodList = uniqueArray(methodId, { minLength: 1, maxLength: 32 });
const imageIndex = number({ integer: true, min: 0, max: 10_000_000 });
const classIndex = nullable(number({ integer: true, min: 0, max: 1_000_000 }));
const coordinate = number({ min: -1e7, max: 1e7 });
const point = array(coordinate, { minLength: 2, maxLength: 2 });
const label = string({ maxLength: 200 });
const note = string({ maxLength: 10_000 });
const imageFile = string({ minLength: 1, maxLength: 4_096 });
const colormap = oneOf(COLORMAP_NAMES);
const opacity = number({ min: 0, max: 1 });
/**
 * A request that explains `classIndex` (null: the predicted class), optionally "not `versus`" (a contrast): versus
 * must be a class other than the explained one (against the predicted class the engine checks it, knowing that class).
 */
function withVersus<T extends { classIndex: number | null; versus?: number | null }>(inner: Validator<T>): Validator<T> {
  return (value, path = 'payload') => {
    const v = inner(value, path);
    if (v.versus !== undefined && v.versus !== null && v.versus === v.classIndex) {
      throw new ValidationError(`${path}.versus`, 'must be a class other than the explained one (classIndex).');
    }
    return v;
  };
}
const sanityIndices = object({ indices: uniqueArray(imageIndex, { minLength: 1, maxLength: MAX_SANITY_IMAGES }) });
const sanitySample = object({ sample: number({ integer: true, min: 1, max: MAX_SANITY_IMAGES }) });
/** `{ indices }` or `{ sample }`: an object with `indices` is read as the first, anything else must be the second. */
const sanityImages: Validator<{ indices: number[] } | { sample: number }> = (value, path) =>
  typeof value === 'object' && value !== null && Object.hasOwn(value, 'indices') ? sanityIndices(value, path) : sanitySample(value, path);

// ---------------------------------------------------------------------------------------------------------------
// Data types
// ---------------------------------------------------------------------------------------------------------------

export interface AppVersionInfo {
  version: string;
  electron: string;
  node: string;
  /** 'desktop' in Electron, 'web-bridge' in the test bridge (where native dialogs and drag-and-drop do not exist). */
  shell: 'desktop' | 'web-bridge';
}

export interface AppSettings {
  theme: Theme;
  /** Execution provider asked for when a model is opened. */
  provider: ExecutionProviderName;
  /** Arithmetic of ScoreCAM's scoring passes asked for when a model is opened (fp16: GPU speed, differs by rounding). */
  precision: Precision;
}

/** A method of the registry, as the UI lists it. */
export interface MethodDescriptor {
  id: string;
  displayName: string;
  paper: string;
  needsGradients: boolean;
  /** Gradient methods take milliseconds; score methods run one forward pass per channel. */
  speed: 'fast' | 'slow';
}

/** A model opened for explanation in the engine. */
export interface ModelState {
  inspection: ModelInspection;
  /** The target layer in use. */
  layer: CandidateLayer;
  provider: {
    requested: ExecutionProviderName;
    used: ExecutionProviderName;
    /** Why the requested provider is not the one in use, when it is not. */
    fallbackReason: string | null;
  };
  precision: ModelPrecision;
  methods: MethodDescriptor[];
  /** How DICOM and 16-bit images become the 8-bit pixels the model sees, and who chose it. */
  intensity: IntensitySetting;
}

/** The arithmetic of ScoreCAM's fused scoring passes (the plain forward and gradient passes are always fp32). */
export interface ModelPrecision {
  requested: Precision;
  /**
   * The precision in use. fp16 is tried when the scoring graph is first opened (the first score-based map); where it
   * cannot run, fp32 is used from then on and `fallbackReason` says why.
   */
  used: Precision;
  fallbackReason: string | null;
}

export interface DatasetEntry {
  /** Path relative to the folder, '/'-separated; the entry's index in `items` is its id. */
  file: string;
  /** Class index in the model's outputs, or null when unknown. */
  label: number | null;
  labelName: string | null;
}

export interface DatasetListing {
  root: string;
  /** The folder's name, for titles. */
  name: string;
  layout: 'imagefolder' | 'csv';
  /** The labels CSV used, if any. */
  labels: string | null;
  labelMapping: 'class-names' | 'sorted-order' | 'indices' | 'none';
  /** The open model's class names as they stand with this folder (a model without names takes the folder's). */
  classes: { names: string[]; source: ModelInspection['classesSource'] } | null;
  items: DatasetEntry[];
}

/** What a dropped path turned out to be, once allow-listed. */
export interface DroppedItem {
  path: string;
  kind: 'model' | 'folder' | 'project';
}

export interface Thumbnail {
  index: number;
  /** Encoded image bytes (empty when the image could not be read). */
  bytes: Uint8Array;
  mime: 'image/jpeg' | 'image/png';
  /** Set when the image could not be read, in plain language. */
  error?: string;
  /** A DICOM or 16-bit image: the intensity mapping and window it is shown with (the model's). */
  intensity?: Pick<ImageSource, 'modality' | 'mapping' | 'window' | 'windows'>;
}

/** Top-k predictions for a batch of dataset images, as typed arrays (row i = image indices[i]). */
export interface PredictionBatch {
  jobId: string;
  k: number;
  indices: Int32Array;
  /** [n·k] class indices, best first; -1 where the image failed. */
  classes: Int32Array;
  /** [n·k] class probabilities (under the model's output semantics) matching `classes`. */
  probs: Float32Array;
}

export interface PredictionRunSummary {
  done: number;
  failed: { index: number; message: string }[];
  seconds: number;
}

/**
 * The image as the model sees it (after resize and crop), plus how that frame sits in the original file:
 * original = (frame + offset) / scale.
 */
export interface ImageFrame {
  index: number;
  file: string;
  width: number;
  height: number;
  channels: 1 | 3;
  /** Interleaved 8-bit pixels, width·height·channels. */
  pixels: Uint8Array;
  original: { width: number; height: number };
  transform: { scaleX: number; scaleY: number; offsetX: number; offsetY: number };
  /** A DICOM or 16-bit image: modality, bit depth, frame, the file's windows and the window used; absent for 8-bit images. */
  source?: ImageSource;
}

export interface ExplainTarget {
  classIndex: number;
  className: string;
  probability: number;
  /** A contrast "why this class, not versus": the class explained against, with its probability on the image. */
  versus?: { classIndex: number; className: string; probability: number };
}

export interface ExplainImageEvent {
  jobId: string;
  frame: ImageFrame;
  predictions: Prediction[];
  target: ExplainTarget;
}

export interface ExplainMapEvent {
  jobId: string;
  method: string;
  /** [height·width] values in [0, 1], in the frame of {@link ImageFrame}. */
  map: Float32Array;
  width: number;
  height: number;
  flat: boolean;
  /** How long the map took to compute (when {@link cached}, the time it took when it was first computed). */
  timeMs: number;
  /** The map was not computed now: it came from memory or the project's result cache. */
  cached?: boolean;
  /**
   * A score-based method's estimate while its masked passes run (`passes` so far): shown as a preview, replaced by
   * later estimates and finally by the exact map (an event without `preview`).
   */
  preview?: { passes: number; total: number };
}

/** One image explained with some methods, for a class (null: the predicted one). */
export interface ImageExplainRequest {
  jobId: string;
  image: number;
  classIndex: number | null;
  /** Explain "classIndex, not versus" (a contrast: every method explains s_classIndex − s_versus); null/absent: no contrast. */
  versus?: number | null;
  methods: string[];
}

export interface ExplainSummary {
  image: number;
  target: ExplainTarget;
  methods: { id: string; ok: boolean; error?: string }[];
  /** The model's precision after these maps (a requested fp16 may have fallen back to fp32 on first use). */
  precision: ModelPrecision;
}

/**
 * One image in both models of a comparison (`compare:image`): B's frame, predictions and maps of the class the image
 * view explains in A (the class of the same name), each with its distances to A's map on the common grid.
 */
export interface ComparisonPair {
  image: number;
  /** B's file name. */
  model: string;
  /** The image as B sees it (B's maps' frame). */
  frame: ImageFrame;
  predictions: Prediction[];
  /** The class B explains (A's explained class, matched by name), as B names it. */
  target: ExplainTarget;
  pairs: { method: string; map: Float32Array; width: number; height: number; flat: boolean; distances: MapDistances; pixels: number }[];
  failures: { method: string; message: string }[];
}

/** Most candidate layers one layer sweep computes (the last ones of the model: each needs its own session). */
export const MAX_SWEEP_LAYERS = 12;

/** One layer of a layer sweep: Grad-CAM's map of the image with that layer as the target, or why it failed. */
export interface LayerSweepMap {
  layer: string;
  /** [height·width] values in [0, 1] in the frame of {@link ImageFrame}; null when the layer failed. */
  map: Float32Array | null;
  width: number;
  height: number;
  flat: boolean;
  timeMs: number;
  error: string | null;
}

/** The layer sweep of one image: the same class explained at each of the model's last candidate layers. */
export interface LayerSweep {
  image: number;
  /** The image as the model sees it (the maps' frame). */
  frame: ImageFrame;
  target: ExplainTarget;
  /** Candidate layers in model order (earliest first). */
  layers: LayerSweepMap[];
}

/** The sanity check's modes (the engine's SANITY_MODES; engine/sanity/run.ts pulls in ONNX code the renderer cannot bundle). */
export const SANITY_MODE_NAMES = ['cascading', 'independent', 'random-class'] as const;
export type SanityModeName = (typeof SANITY_MODE_NAMES)[number];

export interface SanityRequest {
  /** Progress arrives as `job:progress` events (stage 'sanity') with this id; `job:cancel` stops the check. */
  jobId: string;
  methods: string[];
  /** The folder's images by index, or a seeded sample of N of them (the CLI's `--sample N` with the same seed). */
  images: { indices: number[] } | { sample: number };
  mode: SanityModeName;
  seed: number;
}

/** A similarity's mean and population standard deviation over the images at one stage (null: no defined value). */
export interface SanityStat {
  mean: number | null;
  std: number | null;
  n: number;
}

export interface SanityMethodResult {
  method: string;
  /** One entry per stage (stage 0 = the original model, so 1). */
  spearman: SanityStat[];
  ssim: SanityStat[];
  pearson: SanityStat[];
  /** passed = the maps changed as they should; null = nothing to compare. `sentence` says it in plain words. */
  verdict: { passed: boolean | null; value: number | null; rule: string; sentence: string };
}

export interface SanityResult {
  mode: SanityModeName;
  seed: number;
  /** Stage 0 = the original model, then each randomization (or the random other class); `layers` = tensors randomized. */
  stages: { name: string; layers: number }[];
  methods: SanityMethodResult[];
  /** The images compared (folder index, file, the class explained). */
  images: { index: number; file: string; target: number; className: string }[];
  failed: { file: string; message: string }[];
  /** Stages where a randomized model gave no map for some image. */
  notes: string[];
  /** The first compared image as the model sees it, and each method's map at each stage (the strip figure). */
  strip: { frame: ImageFrame; maps: { method: string; maps: (Float32Array | null)[] }[] } | null;
  /** The folder camscope wrote (sanity.json, sanity.svg, sanity.png, maps/), under the app's user-data folder. */
  dir: string;
  files: string[];
  seconds: number;
}

/** Average Drop and Increase in Confidence of one method on one image (probability variant, as in the paper). */
export interface FaithfulnessRow {
  method: string;
  /** Target probability on the image (Y) and on map·image (O). */
  Y: number;
  O: number;
  /** 100 · max(0, Y − O) / Y. */
  averageDropPct: number;
  /** O ≥ Y. */
  increase: boolean;
  flat: boolean;
}

/** What importing expert regions into the project added (boxes, polygons and points as annotations; masks apart). */
export interface RegionImportResult {
  format: 'coco' | 'voc' | 'yolo' | 'masks' | 'qupath' | 'asap' | 'cvat' | 'labelstudio' | 'megadetector' | 'cct';
  /** The imported file's or folder's name (a folder ends in '/'). */
  source: string;
  regions: number;
  /** Images of the open folder that got regions. */
  images: number;
  annotations: number;
  masks: number;
  /** Regions of an earlier import of the same source that this one replaced. */
  replaced: number;
  /** Entries of the source that match no image of the open folder (left out). */
  unmatched: string[];
  /** One plain sentence: how many regions and images matched, and what did not. */
  message: string;
  /** A short paragraph: what was taken (by class) and what was skipped, with counts and reasons. */
  summary?: string;
}

/** How one method's map of an image agrees with the expert's regions of that image (engine localization values). */
export interface MapAgreement {
  method: string;
  /** Share of the map's total inside the regions (null for a flat map or an image with only points). */
  energy_in_region: number | null;
  /** The map's peak within the pointing tolerance of a region (null when nothing to point at). */
  pointing_hit: boolean | null;
  /** The peak pixel itself lies in a region (a hit may also be a near miss within the tolerance); null without region pixels. */
  peak_in_region: boolean | null;
  /** The pointing tolerance in the model's input pixels (to say how near "near" is). */
  pointingTolerance: number;
  rank_accuracy: number | null;
  iou: number | null;
}

export interface RegionAgreement {
  image: number;
  classIndex: number;
  /** Expert regions of this image (annotations and imported masks of the open folder). */
  regions: number;
  /** Methods whose map is on screen (computed); a method not computed yet is left out. */
  methods: MapAgreement[];
}

/** Where a class's name comes from: the project (Classes editor), the model's sidecar, folder names, the labels file, or `class N`. */
export type ClassNameSource = 'project' | 'sidecar' | 'folders' | 'labels' | 'default';

/** The Classes editor's view of the open model's class names. */
export interface ClassNames {
  /** The names in use now, one per output. */
  names: string[];
  /** The names without the project's: what "Reset to the model's names" returns to. */
  modelNames: string[];
  modelSource: ClassNameSource;
  /** Whether the open project holds names for this model. */
  saved: boolean;
}

export interface Annotation {
  id: number;
  /** The image's path relative to the dataset folder ('/'-separated). */
  image: string;
  kind: AnnotationKind;
  label: string;
  note: string;
  /** Vertices in the original image's pixels: rect = 2 corners, polygon ≥ 3, point = 1. */
  points: [number, number][];
  /** The original image's size (for COCO export). */
  imageSize: { width: number; height: number };
  /**
   * The image folder (absolute root) the annotation was drawn on; with `image` it identifies the image. null for
   * annotations recorded before folders were (they match any folder).
   */
  dataset: string | null;
  created: string;
}

export interface NewAnnotation {
  image: string;
  kind: AnnotationKind;
  label: string;
  note: string;
  points: number[][];
  imageSize: { width: number; height: number };
}

export interface AnnotationPatch {
  id: number;
  label?: string;
  note?: string;
  points?: number[][];
}

/** What the project's result cache holds, per kind (prediction, map, faithfulness). */
export type CacheUsage = Record<string, { entries: number; bytes: number }>;

export interface ProjectInfo {
  /** The project file; null for the untitled project that holds work until it is saved. */
  path: string | null;
  name: string;
  modelPath: string | null;
  datasetRoot: string | null;
  annotationCount: number;
  evaluationCount: number;
}

export interface RecentProject {
  path: string;
  name: string;
  /** ISO date it was last opened or saved. */
  opened: string;
  exists: boolean;
}

/** What opening a project restored. */
export interface ProjectOpened {
  project: ProjectInfo;
  model: ModelState | null;
  dataset: DatasetListing | null;
  /** Plain-language notes on what could not be restored (a moved model, a missing folder). */
  warnings: string[];
}

export interface EvaluationRequest {
  jobId: string;
  methods: string[];
  /** Images to sample (null = every image). */
  sample: number | null;
  seed: number;
  score: ScoreVariantName;
  /** ROAD (slower: 18 more model passes per image and method); absent = off. A run with it is a run of its own. */
  road?: boolean;
}

export interface EvaluationSummary {
  id: number;
  status: 'running' | 'complete' | 'cancelled';
  settings: EvaluationSettings;
  table: MetricTable;
  accuracy: { correct: number; labelled: number } | null;
  failed: { file: string; message: string }[];
  elapsedSeconds: number;
  /** Images with a result. */
  images: number;
}

export interface EvaluationDetail extends EvaluationSummary {
  records: ImageRecord[];
  /** The table's rows in the reports' order, with their labels and directions. */
  metrics: MetricInfo[];
  /** ROAD's rows of the faithfulness table (report/format.ts ROAD_METRICS); empty when the run did not compute ROAD. */
  roadMetrics: TableRowInfo<'road_morf' | 'road_lerf' | 'road_combined'>[];
  /** The "Complexity of the maps" rows (report/format.ts COMPLEXITY_METRICS); empty when the records carry none. */
  complexityMetrics: TableRowInfo<'sparseness' | 'complexity'>[];
  /** One line: what the complexity rows say and why they are not ranked. */
  complexityNote: string;
  /** The verdict across metrics, as the reports give it (engine/evaluate/verdict.ts on this table). */
  verdict: EvaluationVerdict;
}

/** A row of a results block other than the paper's metrics: its key in the table's rows, label, direction, decimals. */
export interface TableRowInfo<K extends string> extends Omit<MetricInfo, 'key'> {
  key: K;
}

/**
 * The verdict across metrics (engine/evaluate/verdict.ts `Verdict`, restated: that module reaches Node-only code):
 * each method's rank per ranked metric, its median rank, and sentences that name every split and tie.
 */
export interface EvaluationVerdict {
  ranked: VerdictMetricInfo[];
  unranked: VerdictMetricInfo[];
  /** Per method id (reference methods excluded): its rank on each ranked metric, by metric key. */
  ranks: Record<string, Partial<Record<string, number>>>;
  median: Record<string, number | null>;
  /** Per ranked metric key, the methods ranked first (several on a tie). */
  best: Partial<Record<string, string[]>>;
  sentences: string[];
}

export interface VerdictMetricInfo {
  key: string;
  /** The metric as a sentence names it. */
  name: string;
  better: 'higher' | 'lower';
  digits: number;
}

export interface ExportFigureRequest {
  /** Progress arrives as `job:progress` events with this id; `job:cancel` stops the export. */
  jobId: string;
  images: number[];
  methods: string[];
  /** null = explain each image's predicted class. */
  classIndex: number | null;
  /** Explain "classIndex, not versus" (a contrast); the figure's captions say so. null/absent: no contrast. */
  versus?: number | null;
  colormap: ColormapChoice;
  opacity: number;
}

export interface ExportReportRequest {
  jobId: string;
  evaluationId: number;
  /** Dataset images shown in the report's figure (may be empty). */
  figureImages: number[];
  colormap: ColormapChoice;
  opacity: number;
  /** Add the project's last model comparison (compare:last) as a section of the report. Absent: no. */
  includeComparison?: boolean;
}

export interface ExportResult {
  dir: string;
  files: string[];
}

/** Progress of a job (predictions, a slow method, an evaluation, an export). */
export interface JobProgress {
  jobId: string;
  stage: 'predict' | 'explain' | 'faithfulness' | 'evaluate' | 'export' | 'sweep' | 'sanity' | 'compare' | 'compare-image';
  done: number;
  total: number;
  /** The method being computed (explanations). */
  method?: string;
  /** Overall progress in [0, 1] including the part of the current image (evaluations), for a bar that keeps moving. */
  fraction?: number;
  /** Images per second and seconds left (predictions, evaluations). */
  rate?: number;
  etaSeconds?: number | null;
  message?: string;
}

export type MenuCommand =
  | { command: 'openModel' | 'openFolder' | 'openProject' | 'saveProjectAs' | 'exportFigure' | 'exportReport' | 'guide' }
  | { command: 'openRecent'; path: string }
  | { command: 'theme'; theme: Theme };

export interface EngineStatus {
  state: 'crashed' | 'recovered';
  message: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Channels
// ---------------------------------------------------------------------------------------------------------------

const annotationInput = object({
  image: imageFile,
  kind: oneOf(ANNOTATION_KINDS),
  label,
  note,
  points: array(point, { minLength: 1, maxLength: MAX_POLYGON_POINTS }),
  imageSize: object({
    width: number({ integer: true, min: 1, max: 1_000_000 }),
    height: number({ integer: true, min: 1, max: 1_000_000 }),
  }),
});

export const channels = {
  'app:version': channel<void, AppVersionInfo>(none()),
  'settings:get': channel<void, AppSettings>(none()),
  'settings:set': channel<Partial<AppSettings>, AppSettings>(
    object({ theme: optional(oneOf(THEMES)), provider: optional(oneOf(EXECUTION_PROVIDERS)), precision: optional(oneOf(PRECISIONS)) }),
  ),
  /** The explanation methods (registry order). */
  'methods:list': channel<void, MethodDescriptor[]>(none()),

  /** Inspect a model the user chose (dialog or drag-and-drop); other paths are refused. */
  'model:inspect': channel<{ path: string }, ModelInspection>(object({ path: filePath })),
  /** Inspect the demo model shipped with camscope. */
  'demo:inspect': channel<void, ModelInspection>(none()),
  /** Native "Open model" dialog filtered to .onnx; the chosen path joins the allow-list. null when cancelled. */
  'dialog:openModel': channel<void, { path: string } | null>(none()),
  /** Native "Open image folder" dialog; the chosen folder joins the allow-list. null when cancelled. */
  'dialog:openFolder': channel<void, { path: string } | null>(none()),
  /** Native "Open project" dialog (.camscope / SQLite files). null when cancelled. */
  'dialog:openProject': channel<void, { path: string } | null>(none()),
  /**
   * A file or folder the user dropped onto the window. The preload derives the path from the dropped File itself
   * (webUtils.getPathForFile), so page script cannot register arbitrary paths; main decides what it is, and since
   * main cannot see the drop, it asks the user to confirm a path not yet allowed in a native dialog (null when the
   * user declines).
   */
  'drop:register': channel<{ path: string }, DroppedItem | null>(object({ path: filePath })),
  /**
   * Opens a model in the engine (a chosen path) with a provider, a scoring precision (both default to the settings)
   * and a target layer ('auto' = the default layer).
   */
  'model:load': channel<{ path: string; provider?: ExecutionProviderName; precision?: Precision; layer?: string }, ModelState>(
    object({
      path: filePath,
      provider: optional(oneOf(EXECUTION_PROVIDERS)),
      precision: optional(oneOf(PRECISIONS)),
      layer: optional(string({ minLength: 1, maxLength: 4_096 })),
    }),
  ),
  /**
   * The open model's intensity mapping for DICOM and 16-bit images (intensity.ts's string form, e.g. "window:40,400";
   * null: the model's settings file's, else camscope's default), saved in the project; predictions and maps are
   * computed again. A form camscope does not know is refused by the engine in one sentence listing the forms.
   */
  'model:intensity': channel<{ mapping: string | null }, ModelState>(
    object({ mapping: nullable(string({ minLength: 1, maxLength: 200, pattern: /^[a-z-]+(:[^:]*)?$/, patternHint: 'an intensity mapping such as "dicom-window" or "window:40,400"' })) }),
  ),
  /** The embedded demo: its model and its 100 labelled images. */
  'demo:open': channel<void, { model: ModelState; dataset: DatasetListing }>(none()),
  /** Lists the images of a chosen folder (ImageFolder layout, or labels.csv beside the images). */
  'dataset:open': channel<{ root: string }, DatasetListing>(object({ root: filePath })),
  'dataset:thumbnails': channel<{ indices: number[] }, Thumbnail[]>(
    object({ indices: uniqueArray(imageIndex, { minLength: 1, maxLength: MAX_THUMBNAILS_PER_REQUEST }) }),
  ),
  /** Top-5 predictions for every image of the dataset, streamed as `predictions:batch` events. */
  'predictions:run': channel<{ jobId: string }, PredictionRunSummary>(object({ jobId })),
  /** Explains one image: `explain:image` first, then one `explain:map` per method (fast methods first). */
  'image:explain': channel<ImageExplainRequest, ExplainSummary>(
    withVersus(object({ jobId, image: imageIndex, classIndex, versus: optional(classIndex), methods: methodList })),
  ),
  /**
   * Average Drop / Increase in Confidence of each method's map on one image (the explained class's probability; with
   * `versus`, of the contrast maps the view shows).
   */
  'image:faithfulness': channel<ImageExplainRequest, FaithfulnessRow[]>(
    withVersus(object({ jobId, image: imageIndex, classIndex, versus: optional(classIndex), methods: methodList })),
  ),
  /**
   * Grad-CAM of one image at each of the model's last `count` candidate layers (the open layer included), so the
   * user can pick a layer by seeing its map. Progress arrives as `job:progress` (stage 'sweep').
   */
  'model:sweepLayers': channel<{ jobId: string; image: number; classIndex: number | null; count: number }, LayerSweep>(
    object({ jobId, image: imageIndex, classIndex, count: number({ integer: true, min: 1, max: MAX_SWEEP_LAYERS }) }),
  ),
  'job:cancel': channel<{ jobId: string }, { cancelled: boolean }>(object({ jobId })),
  /**
   * A sanity check (Adebayo et al. 2018) of the open model and folder: maps of the original model compared with maps of
   * randomized models (or of a random other class). Main chooses where the files go; progress per stage arrives as
   * `job:progress` (stage 'sanity').
   */
  'sanity:run': channel<SanityRequest, SanityResult>(
    object({
      jobId,
      methods: methodList,
      images: sanityImages,
      mode: oneOf(SANITY_MODE_NAMES),
      seed: number({ integer: true, min: 0, max: 2 ** 31 - 1 }),
    }),
  ),

  'project:current': channel<void, ProjectInfo>(none()),
  'project:open': channel<{ path: string }, ProjectOpened>(object({ path: filePath })),
  /** Save dialog, then the project is copied there and continues in that file. null when cancelled. */
  'project:saveAs': channel<void, ProjectInfo | null>(none()),
  'project:recent': channel<void, RecentProject[]>(none()),

  'annotations:list': channel<{ image?: string }, Annotation[]>(object({ image: optional(imageFile) })),
  'annotations:add': channel<NewAnnotation, Annotation>(annotationInput),
  'annotations:update': channel<AnnotationPatch, Annotation>(
    object({
      id: number({ integer: true, min: 1 }),
      label: optional(label),
      note: optional(note),
      points: optional(array(point, { minLength: 1, maxLength: MAX_POLYGON_POINTS })),
    }),
  ),
  'annotations:delete': channel<{ id: number }, { deleted: boolean }>(object({ id: number({ integer: true, min: 1 }) })),
  /** Save dialog, then the project's annotations as COCO-style JSON. null when cancelled. */
  'annotations:exportCoco': channel<void, { path: string } | null>(none()),

  /**
   * Open dialog (a COCO .json file, or a folder of Pascal VOC, YOLO or mask files), then the regions are matched to
   * the open folder's images and stored in the project. null when cancelled.
   */
  'regions:import': channel<{ from: 'file' | 'folder' }, RegionImportResult | null>(object({ from: oneOf(['file', 'folder'] as const) })),
  /** Agreement of the image's computed maps with its expert regions; null when the image has none. */
  'regions:agreement': channel<{ image: number; classIndex: number | null; methods: string[] }, RegionAgreement | null>(
    object({ image: imageIndex, classIndex, methods: methodList }),
  ),

  'evaluation:run': channel<EvaluationRequest, EvaluationSummary>(
    object({
      jobId,
      methods: methodList,
      sample: nullable(number({ integer: true, min: 1, max: 10_000_000 })),
      seed: number({ integer: true, min: 0, max: 2 ** 31 - 1 }),
      score: oneOf(SCORE_VARIANT_NAMES),
      road: optional(boolean()),
    }),
  ),
  'evaluation:list': channel<void, EvaluationSummary[]>(none()),
  /** The project's result cache (predictions, maps, per-image metrics): its size, and emptying it. */
  'cache:usage': channel<void, CacheUsage>(none()),
  'cache:clear': channel<void, CacheUsage>(none()),
  /** The open model's class names and where they come from (the Model screen's Classes editor). */
  'classes:get': channel<void, ClassNames>(none()),
  /**
   * Saves class names for the open model into the open project (null: back to the model's own names). Main checks
   * that there is one name per class, each non-empty, one line and different from the others.
   */
  'classes:set': channel<{ names: string[] | null }, ClassNames>(
    object({ names: nullable(array(string({ minLength: 1, maxLength: MAX_CLASS_NAME_LENGTH }), { minLength: 1, maxLength: MAX_CLASS_NAMES })) }),
  ),
  'evaluation:get': channel<{ id: number }, EvaluationDetail>(object({ id: number({ integer: true, min: 1 }) })),

  /** Save dialog (a new folder), then figure.png + figure.svg of the chosen images × methods. null when cancelled. */
  'export:figure': channel<ExportFigureRequest, ExportResult | null>(
    withVersus(
      object({
        jobId,
        images: uniqueArray(imageIndex, { minLength: 1, maxLength: MAX_FIGURE_IMAGES }),
        methods: methodList,
        classIndex,
        versus: optional(classIndex),
        colormap,
        opacity,
      }),
    ),
  ),
  /** Save dialog (a new folder), then the evaluation's report (HTML, PDF, CSV, JSON, figure). null when cancelled. */
  'export:report': channel<ExportReportRequest, ExportResult | null>(
    object({
      jobId,
      evaluationId: number({ integer: true, min: 1 }),
      figureImages: uniqueArray(imageIndex, { maxLength: MAX_FIGURE_IMAGES }),
      colormap,
      opacity,
      includeComparison: optional(boolean()),
    }),
  ),
  /**
   * "Compare with another model…": main's open dialog, then the model is opened in the engine beside the open one
   * (refused, in one sentence, when its classes do not match by name). null when cancelled.
   */
  'compare:open': channel<void, ComparisonModel | null>(none()),
  /** The second model open now, or null. */
  'compare:model': channel<void, ComparisonModel | null>(none()),
  'compare:close': channel<void, { closed: boolean }>(none()),
  /** One image in both models: B's maps of the same class beside A's, with the three map distances per method. */
  'compare:image': channel<{ jobId: string; image: number; classIndex: number | null; methods: string[] }, ComparisonPair>(
    object({ jobId, image: imageIndex, classIndex, methods: methodList }),
  ),
  /** Compares both models over the open folder (or a sample): rows arrive as `compare:row`, progress as `job:progress` (stage 'compare'). */
  'compare:run': channel<ComparisonRunRequest, ComparisonResult>(
    object({
      jobId,
      methods: methodList,
      sample: nullable(number({ integer: true, min: 1, max: 10_000_000 })),
      seed: number({ integer: true, min: 0, max: 2 ** 31 - 1 }),
    }),
  ),
  /** The project's last comparison (shown again when the project is reopened), or null. */
  'compare:last': channel<void, ComparisonResult | null>(none()),
  /** Opens a file or folder camscope itself just exported (the system's default app); any other path is refused. */
  'export:open': channel<{ path: string }, { opened: true }>(object({ path: filePath })),
  /** Shows a file camscope itself just exported in the system's file manager; any other path is refused. */
  'export:showInFolder': channel<{ path: string }, { shown: true }>(object({ path: filePath })),
} as const;

export type Channels = typeof channels;
export type ChannelName = keyof Channels;
export type RequestOf<C extends ChannelName> = Channels[C] extends ChannelSpec<infer Req, unknown> ? Req : never;
export type ResponseOf<C extends ChannelName> = Channels[C] extends ChannelSpec<unknown, infer Res> ? Res : never;
export const CHANNEL_NAMES = Object.keys(channels) as ChannelName[];

export function isChannelName(name: unknown): name is ChannelName {
  return typeof name === 'string' && Object.hasOwn(channels, name);
}

/**
 * Channels page script may not invoke directly: `drop:register` allow-lists a path, so it is reachable only through
 * CamscopeApi.registerDropped(file), where the preload takes the path from a File the user actually dropped.
 */
export const PRELOAD_ONLY_CHANNELS: readonly ChannelName[] = ['drop:register'];

// ---------------------------------------------------------------------------------------------------------------
// Events (main → renderer)
// ---------------------------------------------------------------------------------------------------------------

export interface Events {
  /** A command from the native menu; the renderer runs its normal flow for it. */
  'menu:command': MenuCommand;
  'job:progress': JobProgress;
  'predictions:batch': PredictionBatch;
  'explain:image': ExplainImageEvent;
  'explain:map': ExplainMapEvent;
  /** One image of a running comparison (`compare:run`), as soon as it is known. */
  'compare:row': ComparisonRowEvent;
  /** The engine worker stopped (and what was restored after it restarted). */
  'engine:status': EngineStatus;
  /** The project changed outside the renderer's own request (e.g. File → Save Project As…). */
  'project:changed': ProjectInfo;
}
export type EventName = keyof Events;
export const EVENT_NAMES: readonly EventName[] = [
  'menu:command',
  'job:progress',
  'predictions:batch',
  'explain:image',
  'explain:map',
  'compare:row',
  'engine:status',
  'project:changed',
];

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (EVENT_NAMES as readonly string[]).includes(name);
}

/** Error codes raised by the shell itself, next to the engine's own {@link CamscopeErrorCode}s. */
export type ShellErrorCode =
  /** The IPC message did not come from camscope's own page. */
  | 'UNTRUSTED_SENDER'
  /** The payload failed validation. */
  | 'INVALID_REQUEST'
  /** A path the user never chose. */
  | 'NOT_ALLOWED'
  /** Something the request needs is not open yet (a model, a folder). */
  | 'NOT_READY'
  /** A job id that is already running. */
  | 'BUSY'
  /** The engine worker died while working. */
  | 'ENGINE_CRASHED'
  /** The engine failed without a more specific code. */
  | 'ENGINE_FAILED'
  | 'INTERNAL';
export type IpcErrorCode = ShellErrorCode | CamscopeErrorCode;

export interface IpcError {
  code: IpcErrorCode;
  /** Plain-language text that can be shown to the user as is. */
  message: string;
}

/** What every `ipcMain.handle` returns; the preload unwraps it. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

// ---------------------------------------------------------------------------------------------------------------
// The renderer's view
// ---------------------------------------------------------------------------------------------------------------

/** Calls a channel: what `window.camscope.invoke` does, typed by the contract. */
export type Invoke = <C extends ChannelName>(
  channel: C,
  ...payload: RequestOf<C> extends void ? [] : [RequestOf<C>]
) => Promise<ResponseOf<C>>;

/** `window.camscope`: what the renderer may ask of the rest of the app. */
export interface CamscopeApi {
  /** Any channel of the contract; the request is validated in main. */
  invoke: Invoke;
  /** Subscribes to an event; returns an unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  /**
   * Allow-lists a dropped file or folder and says what it is (rejects when it has no path on disk, or is neither
   * an .onnx model, a folder nor a project file). null when the user declined main's confirmation.
   */
  registerDropped(file: File): Promise<DroppedItem | null>;
}
