/**
 * What the engine process serves: every operation's arguments, result and partial results. The only workbench file
 * that handlers/ may import, and only as types (so the main bundle stays free of onnxruntime, sharp and SQLite).
 */
import type {
  Annotation,
  ClassNames,
  AnnotationPatch,
  DatasetListing,
  EvaluationDetail,
  EvaluationSummary,
  ExecutionProviderName,
  Precision,
  ExplainImageEvent,
  ExplainMapEvent,
  ExplainSummary,
  ExportResult,
  FaithfulnessRow,
  LayerSweep,
  JobProgress,
  SanityRequest,
  SanityResult,
  MethodDescriptor,
  ModelState,
  NewAnnotation,
  PredictionRunSummary,
  RegionAgreement,
  RegionImportResult,
  ScoreVariantName,
  Thumbnail,
  ColormapChoice,
  ComparisonPair,
} from '../../shared/api';
import type { ComparisonModel, ComparisonResult, ComparisonRowEvent } from '../../shared/compare';
import type { ModelInspection } from '../engine/types';

/** The project context stored in a project file (what it was last used with). */
export interface ProjectContext {
  modelPath: string | null;
  provider: ExecutionProviderName | null;
  precision: Precision | null;
  layer: string | null;
  /** The intensity mapping the user chose on the Model screen for this model (null: the sidecar's or camscope's default). */
  intensity: string | null;
  datasetRoot: string | null;
}

export interface ProjectStats {
  annotationCount: number;
  evaluationCount: number;
}

/** Partial results of `predict`: top-k rows for some images (plain typed arrays, see PredictionBatch). */
export interface PredictPartial {
  k: number;
  indices: Int32Array;
  classes: Int32Array;
  probs: Float32Array;
}

export type ExplainPartial =
  | ({ kind: 'image' } & Omit<ExplainImageEvent, 'jobId'>)
  | ({ kind: 'map' } & Omit<ExplainMapEvent, 'jobId'>);

/** A job's progress as the engine reports it (the host adds the job id). */
export type JobProgressBody = Omit<JobProgress, 'jobId'>;

/** What a long-running operation gets from the runtime: its cancel signal and a way to send partial results. */
export interface JobContext {
  signal: AbortSignal;
  partial(value: unknown): void;
}

/** The operations the real engine worker serves. */
export type EngineOps = {
  inspect: { args: { path: string }; result: ModelInspection };
  inspectDemo: { args: Record<string, never>; result: ModelInspection };
  methods: { args: Record<string, never>; result: MethodDescriptor[] };
  /** Where the embedded demo lives (for the allow-list). */
  demoPaths: { args: Record<string, never>; result: { model: string; images: string } };
  loadModel: { args: { path: string; provider: ExecutionProviderName; precision: Precision; layer: string; intensity?: string | null }; result: ModelState };
  /** Sets the open model's intensity mapping (null: back to the sidecar's or the default); what was computed is dropped. */
  setIntensity: { args: { mapping: string | null }; result: ModelState };
  openDataset: { args: { root: string }; result: DatasetListing };
  thumbnails: { args: { indices: number[] }; result: Thumbnail[] };
  predict: { args: Record<string, never>; result: PredictionRunSummary; partial: PredictPartial | JobProgressBody };
  explain: {
    args: { image: number; classIndex: number | null; versus?: number | null; methods: string[] };
    result: ExplainSummary;
    partial: ExplainPartial | JobProgressBody;
  };
  faithfulness: {
    args: { image: number; classIndex: number | null; versus?: number | null; methods: string[] };
    result: FaithfulnessRow[];
    partial: JobProgressBody;
  };
  /** Grad-CAM of one image at each of the last `count` candidate layers (the Model screen's layer sweep). */
  sweepLayers: {
    args: { image: number; classIndex: number | null; count: number };
    result: LayerSweep;
    partial: JobProgressBody;
  };
  /** A sanity check of the open model and folder, written to `dir` (chosen by main; see workbench/sanity.ts). */
  sanity: {
    args: Omit<SanityRequest, 'jobId'> & { dir: string };
    result: SanityResult;
    partial: JobProgressBody;
  };
  /** Opens (creating if needed) a project file; returns the context stored in it. */
  openProject: { args: { path: string }; result: { context: ProjectContext; stats: ProjectStats } };
  /** Records what the project is used with. */
  setProjectContext: { args: Partial<ProjectContext>; result: ProjectStats };
  /** Copies the open project to `dest` and continues there. */
  saveProjectAs: { args: { dest: string }; result: { context: ProjectContext; stats: ProjectStats } };
  projectStats: { args: Record<string, never>; result: ProjectStats };
  /** The open project's result cache: size per kind, and emptying it. */
  cacheUsage: { args: Record<string, never>; result: Record<string, { entries: number; bytes: number }> };
  clearCache: { args: Record<string, never>; result: Record<string, { entries: number; bytes: number }> };
  /** The open model's class names (the Classes editor), and saving the user's names into the open project. */
  classNames: { args: Record<string, never>; result: ClassNames };
  setClassNames: { args: { names: string[] | null }; result: ClassNames };
  listAnnotations: { args: { image?: string }; result: Annotation[] };
  addAnnotation: { args: NewAnnotation; result: Annotation };
  updateAnnotation: { args: AnnotationPatch; result: Annotation };
  deleteAnnotation: { args: { id: number }; result: { deleted: boolean } };
  exportCoco: { args: { dest: string }; result: { path: string } };
  /** Imports expert regions from a path main's open dialog returned (see workbench/regions.ts). */
  importRegions: { args: { path: string }; result: RegionImportResult };
  /** Agreement of an image's computed maps with its expert regions. */
  regionAgreement: { args: { image: number; classIndex: number | null; methods: string[] }; result: RegionAgreement | null };
  evaluate: {
    args: { methods: string[]; sample: number | null; seed: number; score: ScoreVariantName; road?: boolean };
    result: EvaluationSummary;
    partial: JobProgressBody;
  };
  listEvaluations: { args: Record<string, never>; result: EvaluationSummary[] };
  getEvaluation: { args: { id: number }; result: EvaluationDetail };
  exportFigure: {
    args: { dir: string; images: number[]; methods: string[]; classIndex: number | null; versus?: number | null; colormap: ColormapChoice; opacity: number };
    result: ExportResult;
    partial: JobProgressBody;
  };
  /** A second model beside the open one (a path main's dialog returned; see workbench/comparison.ts). */
  openComparison: { args: { path: string }; result: ComparisonModel };
  comparisonModel: { args: Record<string, never>; result: ComparisonModel | null };
  closeComparison: { args: Record<string, never>; result: { closed: boolean } };
  compareImage: {
    args: { image: number; classIndex: number | null; methods: string[] };
    result: ComparisonPair;
    partial: JobProgressBody;
  };
  compareRun: {
    args: { methods: string[]; sample: number | null; seed: number };
    result: ComparisonResult;
    partial: Omit<ComparisonRowEvent, 'jobId'> | JobProgressBody;
  };
  lastComparison: { args: Record<string, never>; result: ComparisonResult | null };
  /** Test hook: ends the engine with a native abort (refused unless the engine was started with test hooks). */
  abortForTest: { args: Record<string, never>; result: never };
  exportReport: {
    args: { dir: string; evaluationId: number; figureImages: number[]; colormap: ColormapChoice; opacity: number; includeComparison?: boolean };
    result: ExportResult;
    partial: JobProgressBody;
  };
};
