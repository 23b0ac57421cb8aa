/** Input of the report writers: everything an evaluation run produced, plus what the figure shows. */
import type { EvaluationSettings, ImageRecord, MetricTable } from '../evaluate/types';
import type { ComparisonSection } from '../compare/types';
import type { ColormapName } from '../image/colormap';

/** One row of the qualitative figure: an image and each method's overlay on it. */
export interface FigureRow {
  file: string;
  /** Shown above the row, e.g. `n01440764/x.png — tench → tench (p=0.97)`. */
  caption: string;
  width: number;
  height: number;
  /** The preprocessed input image as interleaved 8-bit pixels (1 or 3 channels). */
  original: Uint8Array;
  /** Per method id: an RGB overlay (colormap over the image), interleaved 8-bit, same width/height. */
  overlays: Record<string, Uint8Array>;
  /** The colormap the overlays were drawn with (the figure's colour bar shows it; all rows share one). */
  colormap: ColormapName;
}

export interface ReportInput {
  settings: EvaluationSettings;
  table: MetricTable;
  /** Correct predictions among images that have a label (null when no image has one). */
  accuracy: { correct: number; labelled: number } | null;
  /** Images that could not be evaluated (unreadable, too large, …) with the reason. */
  failed: { file: string; message: string }[];
  records: ImageRecord[];
  elapsedSeconds: number;
  /** Display names per method id, e.g. {'scorecam++': 'ScoreCAM++'}; the id is shown where one is missing. */
  methodNames: Record<string, string>;
  /** Rows of the qualitative figure; may be empty (then no figure files are written). */
  figure: FigureRow[];
  /** A model comparison to report beside the evaluation (its own section, report.json's `comparison`, comparison.csv). */
  comparison?: ComparisonSection | null;
}
