/** The data of a model comparison: its settings, what each image gave, and the summary over the images. */
import type { LayerLayout, ModelProfile, Precision } from '../types';
import type { MapDistances } from './distance';

/** Index maps between the two models' outputs: aToB[i] is B's index of A's class i, and bToA the inverse. */
export interface ClassMatch {
  aToB: number[];
  bToA: number[];
  /** True when both lists are the same names in the same order. */
  sameOrder: boolean;
}

/** A class of one model as a result names it. */
export interface ClassScore {
  classIndex: number;
  className: string;
  probability: number;
}

/** What is stored per image in the project (names are applied when results are read, see ./summary). */
export interface StoredComparison {
  /** Each model's top class and its probability: [A, B]. */
  predicted: [{ classIndex: number; probability: number }, { classIndex: number; probability: number }];
  /** The explained class (A's predicted, matched by name in B) in each model, with that model's probability of it. */
  explained: [{ classIndex: number; probability: number }, { classIndex: number; probability: number }];
  /** The common grid of this image and how many of its pixels both frames cover (the compared pixels). */
  grid: { width: number; height: number; pixels: number };
  methods: Record<string, MapDistances>;
}

/** One compared image as compare.json lists it. */
export interface ComparedImage {
  /** Dataset-relative path, '/'-separated. */
  file: string;
  /** The image's label as model A names it, or null when unknown. */
  label: string | null;
  predicted: { a: ClassScore; b: ClassScore };
  /** Whether both models predict the same class (by name). */
  agree: boolean;
  explained: { className: string; a: { classIndex: number; probability: number }; b: { classIndex: number; probability: number } };
  grid: StoredComparison['grid'];
  methods: Record<string, MapDistances>;
}

export interface ModelSettings {
  path: string;
  fingerprint: string;
  /** The names results use for this model (the project's, else the model's own). */
  classes: string[];
  classesSource: 'sidecar' | 'dataset' | 'default' | 'project';
  layer: { name: string; shape: number[]; layout: LayerLayout };
  preprocessing: ModelProfile;
  provider: { requested: string; used: string };
  precision: Precision;
}

export interface CompareSettings {
  camscope: string;
  created: string;
  models: { a: ModelSettings; b: ModelSettings };
  dataset: { root: string; labels: string | null; layout: 'imagefolder' | 'csv'; total: number };
  sample: { size: number | null; seed: number };
  methods: string[];
  /** How classes were matched and which class both maps explain, in words. */
  classMatching: string;
  explainedClass: string;
  /** The resolution the maps are compared at, in words, and its largest side. */
  commonGrid: { rule: string; maxSide: number };
  /** The share of pixels in map_top20_iou's top regions. */
  topFraction: number;
  project: string;
}

export interface Accuracy {
  correct: number;
  labelled: number;
  fraction: number;
}

export interface MethodSummary {
  /** Images with this method's distances. */
  images: number;
  mean_map_max_abs_diff: number | null;
  /** Mean over the images where r exists (neither map constant). */
  mean_map_pearson: number | null;
  /** Images left out of mean_map_pearson (a constant map on the compared pixels). */
  pearson_undefined: number;
  mean_map_top20_iou: number | null;
}

export interface CompareSummary {
  /** Images in the (sampled) dataset, compared, and failed. */
  images: number;
  compared: number;
  failed: number;
  accuracy: { a: Accuracy | null; b: Accuracy | null };
  /** Images where both models predict the same class (by name). */
  agreement: { agree: number; compared: number; fraction: number | null };
  /**
   * counts[i][j]: images A predicts as classes[i] and B as classes[j]; classes are those either model predicts on
   * some image, in A's class order and named as A names them.
   */
  crossTable: { classes: string[]; counts: number[][] };
  methods: Record<string, MethodSummary>;
}

export interface CompareResult {
  settings: CompareSettings;
  summary: CompareSummary;
  /** Where the models look most differently first (see ./summary's orderByDifference). */
  images: ComparedImage[];
  failed: { file: string; message: string }[];
  /** How the two models' classes correspond (by name). */
  match: ClassMatch;
  /** Images already in the project from an earlier session of the same comparison. */
  resumed: number;
  elapsedSeconds: number;
}

/** What a comparison section shows; both a `camscope compare` run and the app's stored comparison give it. */
export interface ComparisonSection {
  /** The models' file names. */
  models: { a: string; b: string };
  created: string;
  datasetRoot: string;
  sample: { size: number | null; seed: number };
  methods: string[];
  summary: CompareSummary;
  /** Where the models look most differently first (./summary's orderByDifference). */
  images: readonly ComparedImage[];
  failed: readonly { file: string; message: string }[];
}
