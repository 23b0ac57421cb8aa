/**
 * What every report format shares: the metric rows of the paper-form table (labels, direction, precision), number
 * formatting, "best per row" marking, and text escaping for HTML/SVG.
 */
import type { MethodRow } from '../evaluate/types';
import { computeVerdict, type Verdict, type VerdictMetric } from '../evaluate/verdict';
import { REFERENCE_METHODS } from '../metrics/table';
import type { ScoreVariant } from '../methods/base';
import { scoreName } from '../model/scores';
import type { OutputSemantics } from '../types';
import type { ReportInput } from './types';

export type MetricKey = 'average_drop_pct' | 'increase_in_confidence_pct' | 'win_pct' | 'logit_drop' | 'deletion_auc' | 'insertion_auc';
export type RoadKey = 'road_morf' | 'road_lerf' | 'road_combined';
export type LocalizationKey = 'pointing_game_pct' | 'energy_pointing_game' | 'rank_accuracy' | 'iou';
export type ComplexityKey = 'sparseness' | 'complexity';

export interface MetricInfo {
  key: MetricKey;
  label: string;
  better: 'higher' | 'lower';
  /** Decimals shown; "best" is decided on the shown (rounded) values, so equal-looking cells are all marked. */
  digits: number;
  /** One sentence for the reader. */
  description: string;
  /** The name the verdict's sentences use (the label without its unit); the label when absent. */
  short?: string;
}

/** The rows of the paper-form table, in order (ScoreCAM++ Tables 1–3 and 7, plus deletion/insertion). */
export const METRICS: readonly MetricInfo[] = [
  {
    key: 'average_drop_pct', label: 'Average Drop (%)', better: 'lower', digits: 2, short: 'Average Drop',
    description: 'Mean relative fall of the target score when the model sees only the explained region (map · image): max(0, Y − O) / Y.',
  },
  {
    key: 'increase_in_confidence_pct', label: 'Increase in Confidence (%)', better: 'higher', digits: 2, short: 'Increase in Confidence',
    description: 'Share of images whose target score does not fall when the model sees only the explained region (O ≥ Y).',
  },
  {
    key: 'win_pct', label: 'Win (%)', better: 'higher', digits: 2, short: 'Win %',
    description: 'Share of images on which the method gives the highest O of all methods (near-ties go to the earlier method in run order).',
  },
  {
    key: 'logit_drop', label: 'Logit drop (region removed)', better: 'higher', digits: 3, short: 'Logit drop',
    description: 'Mean fall of the target logit when the explained region is removed (image · (1 − map)); larger means the region matters more.',
  },
  {
    key: 'deletion_auc', label: 'Deletion AUC', better: 'lower', digits: 4,
    description: 'Area under the target probability as the most salient pixels are replaced by the mean colour, most salient first.',
  },
  {
    key: 'insertion_auc', label: 'Insertion AUC', better: 'higher', digits: 4,
    description: 'Area under the target probability as pixels are restored into a mean-colour image, most salient first.',
  },
];

/** A ROAD row of the faithfulness table. */
export interface RoadMetricInfo extends Omit<MetricInfo, 'key'> {
  key: RoadKey;
}

/** ROAD's rows of the faithfulness table, in runs that computed it (metrics/road.ts). */
export const ROAD_METRICS: readonly RoadMetricInfo[] = [
  {
    key: 'road_morf', label: 'ROAD MoRF', better: 'lower', digits: 4,
    description: 'Mean target probability as 10 %, 20 %, …, 90 % of the pixels are removed, most relevant first, each removed pixel imputed from its neighbours (noisy linear imputation on the normalised input, per channel).',
  },
  {
    key: 'road_lerf', label: 'ROAD LeRF', better: 'higher', digits: 4,
    description: 'The same with the least relevant pixels removed first: removing what the map leaves out should change little.',
  },
  {
    key: 'road_combined', label: 'ROAD combined', better: 'higher', digits: 4, short: 'ROAD',
    description: '(LeRF − MoRF) / 2: how much more the model loses when the marked pixels go than when the others do.',
  },
];

/** The rows of the faithfulness table of this run: the paper's metrics, and ROAD when the run computed it. */
export function faithfulnessMetrics(input: ReportInput): readonly (MetricInfo | RoadMetricInfo)[] {
  return hasRoad(input) ? [...METRICS, ...ROAD_METRICS] : METRICS;
}

/** True when the run computed ROAD (its table has ROAD columns). */
export function hasRoad(input: ReportInput): boolean {
  return input.settings.methods.some((id) => input.table.rows[id]?.road_combined !== undefined);
}

/**
 * The metrics the verdict ranks: the faithfulness rows, ROAD as its combined score only (MoRF and LeRF are its
 * two halves; counting all three would give ROAD three votes).
 */
export function verdictMetrics(input: ReportInput): VerdictMetric[] {
  return faithfulnessMetrics(input)
    .filter((m) => m.key !== 'road_morf' && m.key !== 'road_lerf')
    .map((m) => ({ key: m.key, name: m.short ?? m.label, better: m.better, digits: m.digits }));
}

/** The run's verdict across metrics, with the methods' display names. */
export function reportVerdict(input: ReportInput): Verdict {
  return computeVerdict(input.table, verdictMetrics(input), (id) => input.methodNames[id] ?? id);
}

/** The metrics the app's chart (and the reports' charts) show: Average Drop, Increase in Confidence, Win %. */
export const HEADLINE_METRICS: readonly MetricInfo[] = METRICS.filter((m) =>
  m.key === 'average_drop_pct' || m.key === 'increase_in_confidence_pct' || m.key === 'win_pct');

/** A row of the "Localization (expert regions)" block. */
export interface LocalizationMetricInfo extends Omit<MetricInfo, 'key'> {
  key: LocalizationKey;
}

/** A row of any table. */
export type AnyMetricInfo = MetricInfo | RoadMetricInfo | LocalizationMetricInfo | ComplexityMetricInfo;

/** A row of the "Complexity of the maps" block. */
export interface ComplexityMetricInfo extends Omit<MetricInfo, 'key'> {
  key: ComplexityKey;
}

/** The rows of the "Complexity of the maps" block (metrics/complexity.ts): from the maps alone, not ranked in the verdict. */
export const COMPLEXITY_METRICS: readonly ComplexityMetricInfo[] = [
  {
    key: 'sparseness', label: 'Sparseness (Gini)', better: 'higher', digits: 4,
    description: 'Gini index of the map’s absolute values (Chalasani et al. 2020): 0 for a flat map, near 1 when a few pixels hold all of it.',
  },
  {
    key: 'complexity', label: 'Complexity (entropy)', better: 'lower', digits: 3,
    description: 'Entropy of each pixel’s share of the map (Bhatt et al. 2020), in nats: 0 for one pixel, ln(pixels) for a flat map.',
  },
];

export const COMPLEXITY_NOTE =
  'Computed from the maps alone, without a model pass: they say how concentrated a map is, which makes it easier to ' +
  'read, not whether it is faithful, so the verdict does not rank them. Means over the images whose map is not zero everywhere.';

/** True when the run recorded the maps' complexity. */
export function hasComplexity(input: ReportInput): boolean {
  return input.settings.methods.some((id) => input.table.rows[id]?.sparseness !== undefined);
}

/** The rows of the "Localization (expert regions)" block (metrics/localization). */
export const LOCALIZATION_METRICS: readonly LocalizationMetricInfo[] = [
  {
    key: 'pointing_game_pct', label: 'Pointing game (%)', better: 'higher', digits: 2,
    description: 'Share of images whose map maximum (first in row-major order) lies within the pointing tolerance of an expert region pixel or point.',
  },
  {
    key: 'energy_pointing_game', label: 'Energy in region', better: 'higher', digits: 4,
    description: 'Mean share of the map’s sum inside the expert regions, Σ_region L / Σ L (flat maps left out).',
  },
  {
    key: 'rank_accuracy', label: 'Rank accuracy', better: 'higher', digits: 4,
    description: 'Mean fraction of the K highest map pixels that lie in the regions, K = the regions’ pixel count (ties by pixel index).',
  },
  {
    key: 'iou', label: 'IoU', better: 'higher', digits: 4,
    description: 'Mean intersection over union of the map thresholded at the IoU threshold (L ≥ t) with the regions.',
  },
];

/** Counts shown under the localization rows. */
export const LOCALIZATION_COUNT_ROWS: readonly { key: 'images_with_regions' | 'images_with_region_pixels' | 'energy_excluded_flat'; label: string }[] = [
  { key: 'images_with_regions', label: 'Images with regions' },
  { key: 'images_with_region_pixels', label: 'Images with region pixels' },
  { key: 'energy_excluded_flat', label: 'Flat maps (not in energy)' },
];

/** Methods shown as references (the random baseline): a line to beat, never marked best nor counted in Win %. */
export function isReference(id: string): boolean {
  return REFERENCE_METHODS.includes(id);
}

/** True when the run was evaluated against expert regions (its table has localization columns). */
export function hasLocalization(input: ReportInput): boolean {
  return input.settings.methods.some((id) => input.table.rows[id]?.images_with_regions !== undefined);
}

/** Counts shown under the metrics (not ranked). */
export const COUNT_ROWS: readonly { key: 'images' | 'excluded_nonpositive_Y' | 'flat_maps'; label: string }[] = [
  { key: 'images', label: 'Images in Average Drop' },
  { key: 'excluded_nonpositive_Y', label: 'Excluded (Y ≤ 0)' },
  { key: 'flat_maps', label: 'Flat maps' },
];

export const NULL_CELL = '–';

/** A finite number with fixed decimals ("-0.00" shown as "0.00"); null/NaN/±Inf as "–". */
export function formatNumber(v: number | null | undefined, digits: number): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return NULL_CELL;
  const s = v.toFixed(digits);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

export function formatMetric(info: AnyMetricInfo, v: number | null | undefined): string {
  return formatNumber(v, info.digits);
}

/**
 * Which cells of a row are best: the highest (or lowest) shown value; ties all marked; null/non-finite never.
 * Compared on the rounded values the reader sees.
 */
export function bestMask(values: readonly (number | null | undefined)[], better: 'higher' | 'lower', digits: number): boolean[] {
  const rounded = values.map((v) => (v === null || v === undefined || !Number.isFinite(v) ? null : Number(v.toFixed(digits))));
  const present = rounded.filter((v): v is number => v !== null);
  if (present.length === 0) return values.map(() => false);
  const best = better === 'higher' ? Math.max(...present) : Math.min(...present);
  return rounded.map((v) => v !== null && v === best);
}

/** The metric table as rows of cells, in settings.methods order. */
export interface TableCell { text: string; best: boolean }
export interface TableRowView { info: AnyMetricInfo; cells: TableCell[] }

export function methodRow(input: ReportInput, id: string): MethodRow {
  const row = input.table.rows[id];
  if (!row) throw new Error(`report: the metric table has no row for method '${id}'`);
  return row;
}

export function metricRows(input: ReportInput, metrics: readonly AnyMetricInfo[] = METRICS): TableRowView[] {
  const ids = input.settings.methods;
  const rows = ids.map((id) => methodRow(input, id));
  return metrics.map((info) => {
    const values = rows.map((r) => r[info.key]);
    // References are shown, never ranked.
    const best = bestMask(values.map((v, i) => (isReference(ids[i]) ? null : v)), info.better, info.digits);
    return { info, cells: values.map((v, i) => ({ text: formatMetric(info, v), best: best[i] })) };
  });
}

export function methodName(input: ReportInput, id: string): string {
  const name = input.methodNames[id] ?? id;
  return isReference(id) ? `${name} (reference)` : name;
}

export function accuracyPct(acc: { correct: number; labelled: number } | null): number | null {
  return acc && acc.labelled > 0 ? (100 * acc.correct) / acc.labelled : null;
}

/** "probability (softmax)", "probability (sigmoid, per class)", …: which score a run used (runs before output semantics were softmax). */
export function scoreVariantLabel(v: ScoreVariant, semantics: OutputSemantics = 'softmax'): string {
  return scoreName(v, semantics);
}

/** "1 h 02 min 05 s"; "42.3 s" under a minute. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return NULL_CELL;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h} h ${pad(m)} min ${pad(s)} s` : `${m} min ${pad(s)} s`;
}

/** An ISO date as "2025-05-01 14:03:22 UTC"; the raw string when it does not parse. */
export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** The last path segment (either separator). */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p.length > 0);
  return parts.length > 0 ? parts[parts.length - 1] : path;
}

// Characters XML 1.0 does not allow (C0 controls except tab/LF/CR, lone surrogates, U+FFFE/FFFF).
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for HTML/SVG/XML text and attribute values; characters XML cannot carry become U+FFFD. */
export function escapeXml(s: string): string {
  return s
    .replace(XML_INVALID, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Shortens to at most `max` characters with an ellipsis (code points, not UTF-16 units). */
export function truncate(s: string, max: number): string {
  const chars = Array.from(s);
  if (chars.length <= max) return s;
  return max <= 1 ? '…' : `${chars.slice(0, max - 1).join('')}…`;
}
