/**
 * The app's model comparison, as the contract carries it: the second model (B) opened beside the open one (A), a
 * run over the folder (the engine's engine/compare, as `camscope compare` runs it) and its stored result. Types
 * only, apart from the limits; the channels and their validators are in ./api.
 */
import type { MapDistances } from '../main/engine/compare/distance';
import type { ComparedImage, CompareSummary } from '../main/engine/compare/types';

export type { ComparedImage, CompareSummary, MapDistances };

/** The second model as the app shows it. */
export interface ComparisonModel {
  path: string;
  /** The file's name. */
  name: string;
  classes: number;
  /** Where B's class names come from (its sidecar, the folder, the project, or `class N`). */
  classesSource: 'sidecar' | 'dataset' | 'default' | 'project';
  /** Both models name the same classes in the same order. */
  sameOrder: boolean;
  layer: string;
  /** B's input frame, [height, width]. */
  inputSize: [number, number];
}

export interface ComparisonRunRequest {
  jobId: string;
  methods: string[];
  /** Images drawn from the folder (null = every image), with the seed of the draw. */
  sample: number | null;
  seed: number;
}

/** A compared image with its index in the open folder (null when the folder open now does not hold it). */
export type ComparisonRow = ComparedImage & { index: number | null };

/** One image compared while a run goes on (`compare:row`, tagged with the run's job id). */
export interface ComparisonRowEvent {
  jobId: string;
  row: ComparisonRow;
  done: number;
  total: number;
}

/** A finished comparison, kept in the project so reopening it shows the same numbers. */
export interface ComparisonResult {
  created: string;
  models: { a: { path: string; name: string }; b: { path: string; name: string } };
  datasetRoot: string;
  methods: string[];
  sample: { size: number | null; seed: number };
  summary: CompareSummary;
  /** Where the models look most differently first (engine/compare/summary.ts's order). */
  images: ComparisonRow[];
  failed: { file: string; message: string }[];
  /** Images already in the project from an earlier run of the same comparison. */
  resumed: number;
  elapsedSeconds: number;
}
