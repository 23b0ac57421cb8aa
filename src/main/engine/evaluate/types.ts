/** The data of an evaluation run: its settings, one record per image, and the metric table computed from them. */
// Only pure type modules are imported here, so the renderer can share these types.
import type { IntensitySetting, LayerLayout, ModelProfile, Precision, ScoreVariant } from '../types';

export interface EvaluationSettings {
  camscope: string;
  /** ISO date the run was started. */
  created: string;
  model: { path: string; fingerprint: string; classes: string[] };
  /** The explained layer; `layout` only where it is not NCHW (runs before layouts existed were NCHW or tokens). */
  layer: { name: string; shape: number[]; layout?: LayerLayout };
  preprocessing: ModelProfile;
  dataset: { root: string; labels: string | null; layout: 'imagefolder' | 'csv'; total: number };
  /** Sample size (null = every image) and the seed that drew it. */
  sample: { size: number | null; seed: number };
  /** Method ids in run order (the order breaks Win % ties). */
  methods: string[];
  score: ScoreVariant;
  provider: { requested: string; used: string };
  /** Arithmetic of the fused ScoreCAM scoring passes (fp16 results differ by rounding, so fp16 runs are kept apart). */
  precision: Precision;
  /** Steps of the deletion/insertion curves (0 = not computed). */
  curveSteps: number;
  /** Only in one shard of a sharded run (`evaluate --shard I/N`, see evaluate/shard.ts). */
  shard?: ShardSettings;
  /** Localization against expert regions (absent when the run had none): where the regions came from and how they count. */
  localization?: {
    source: string;
    /** sha256 of the regions' content. */
    fingerprint: string;
    regionClass: 'all' | 'target';
    pointingTolerance: number;
    iouThreshold: number;
  };
  /** ROAD (metrics/road.ts; absent when the run did not compute it): the removed fractions and the noise's σ. */
  road?: { fractions: number[]; noiseStd: number };  /** The intensity mapping of DICOM and 16-bit images and its source (runs saved before it existed: absent). */
  intensity?: IntensitySetting;
}

/** The part of a sharded run one project holds: images at positions p of the run's sample with p mod count = index. */
export interface ShardSettings {
  index: number;
  count: number;
  /** Images in the whole run (its sample), and their identity (digest of their paths and label names, in order). */
  images: number;
  sample: string;
}

/** What one method gave on one image. */
export interface MethodResult {
  /** Target score on map·x, as probability and as logit (NaN, stored as null, for models without logits). */
  O_prob: number;
  O_logit: number;
  /** Target logit on x·(1 − map): the explained region removed (Table 7). */
  removedLogit: number;
  /** Areas under the deletion and insertion curves (probability of the target class), or null when not computed. */
  deletionAuc: number | null;
  insertionAuc: number | null;
  flat: boolean;
  /** First 16 hex digits of sha256 over the map's float32 bytes. */
  mapSha: string;
  timeMs: number;
  /**
   * Score-weighted methods: how far the map is from its score-free form (Σ term(up_k), every channel weight equal;
   * no model pass), both min-max normalised. Absent for other methods and in records of older runs.
   */
  scoreFree?: { maxAbsDiff: number; pearson: number };
  /** Localization against the image's expert regions (metrics/localization); absent without regions, null where undefined. */
  pointing_hit?: boolean | null;
  energy_in_region?: number | null;
  rank_accuracy?: number | null;
  iou?: number | null;
  /**
   * ROAD (runs with ROAD only): the probability of the explained class at each removed fraction of
   * settings.road.fractions, most relevant pixels removed first (morf) and least relevant first (lerf).
   */
  road?: { morf: number[]; lerf: number[] };
  /** Gini index and entropy of the map (metrics/complexity.ts); null for an all-zero map, absent in older records. */
  sparseness?: number | null;
  complexity?: number | null;
}

export interface ImageRecord {
  /** Path relative to the dataset root, with '/' separators. */
  file: string;
  /** Label index (null when the dataset has no label for it); the first label of a multi-label image. */
  label: number | null;
  /** Every label of a multi-label image (labels CSV with several names per file, separated by ';' or '|'). */
  labels?: number[];
  predicted: number;
  /** The explained class (the predicted one). */
  target: number;
  Y_prob: number;
  Y_logit: number;
  methods: Record<string, MethodResult>;
}

/** What a finished run (or the merge of its shards) reports: its settings, records, failures, table and accuracy. */
export interface RunOutcome {
  settings: EvaluationSettings;
  records: ImageRecord[];
  failed: { file: string; message: string }[];
  table: MetricTable;
  accuracy: { correct: number; labelled: number } | null;
  elapsedSeconds: number;
}

export interface MethodRow {
  average_drop_pct: number | null;
  increase_in_confidence_pct: number | null;
  win_pct: number | null;
  logit_drop: number | null;
  deletion_auc: number | null;
  insertion_auc: number | null;
  /** Images that entered Average Drop (the others had Y ≤ 0 with the logit variant). */
  images: number;
  excluded_nonpositive_Y: number;
  flat_maps: number;
  /** Localization against expert regions (only in runs with regions; see metrics/localization/index.ts). */
  pointing_game_pct?: number | null;
  energy_pointing_game?: number | null;
  rank_accuracy?: number | null;
  iou?: number | null;
  images_with_regions?: number;
  images_with_region_pixels?: number;
  energy_excluded_flat?: number;
  /**
   * Score-weighted methods: max |diff| between the exact and the score-free map (median and worst over the images
   * that recorded it), Pearson r (median and lowest), and how many images recorded it. Absent for other methods.
   */
  score_free_max_diff_median?: number;
  score_free_max_diff_worst?: number;
  score_free_pearson_median?: number;
  score_free_pearson_lowest?: number;
  score_free_images?: number;
  /** ROAD (metrics/road.ts), only in runs with ROAD: means over the levels and images; combined = (LeRF − MoRF) / 2. */
  road_morf?: number | null;
  road_lerf?: number | null;
  road_combined?: number | null;
  /** Mean sparseness (Gini) and complexity (entropy) of the maps, over the images that recorded them. */
  sparseness?: number | null;
  complexity?: number | null;
}

export interface MetricTable {
  score: ScoreVariant;
  methods: string[];
  rows: Record<string, MethodRow>;
  images: number;
}
