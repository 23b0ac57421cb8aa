/**
 * The data of an evaluation run as the renderer receives it. These mirror src/main/engine/evaluate/types.ts
 * field for field (that module reaches the engine's Node-only code through its imports, so the renderer cannot
 * import it); the worker returns the engine's objects as these types, so the compiler checks that they agree.
 */
export type ScoreVariantName = 'prob' | 'logit';

export interface EvaluationSettings {
  camscope: string;
  created: string;
  model: { path: string; fingerprint: string; classes: string[] };
  layer: { name: string; shape: number[] };
  preprocessing: import('../main/engine/types').ModelProfile;
  dataset: { root: string; labels: string | null; layout: 'imagefolder' | 'csv'; total: number };
  sample: { size: number | null; seed: number };
  methods: string[];
  score: ScoreVariantName;
  provider: { requested: string; used: string };
  curveSteps: number;
}

export interface MethodResult {
  O_prob: number;
  O_logit: number;
  removedLogit: number;
  deletionAuc: number | null;
  insertionAuc: number | null;
  flat: boolean;
  mapSha: string;
  timeMs: number;
}

export interface ImageRecord {
  file: string;
  label: number | null;
  predicted: number;
  target: number;
  Y_prob: number;
  Y_logit: number;
  methods: Record<string, MethodResult>;
}

export interface MethodRow {
  average_drop_pct: number | null;
  increase_in_confidence_pct: number | null;
  win_pct: number | null;
  logit_drop: number | null;
  deletion_auc: number | null;
  insertion_auc: number | null;
  images: number;
  excluded_nonpositive_Y: number;
  flat_maps: number;
}

export interface MetricTable {
  score: ScoreVariantName;
  methods: string[];
  rows: Record<string, MethodRow>;
  images: number;
}

export type MetricKey = 'average_drop_pct' | 'increase_in_confidence_pct' | 'win_pct' | 'logit_drop' | 'deletion_auc' | 'insertion_auc';

/** A row of the paper-form table, as the reports define it (label, direction, decimals shown, one-line meaning). */
export interface MetricInfo {
  key: MetricKey;
  label: string;
  better: 'higher' | 'lower';
  digits: number;
  description: string;
}
