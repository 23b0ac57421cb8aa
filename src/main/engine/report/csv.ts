/**
 * report.csv: one row per evaluated image (RFC 4180: CRLF line ends, fields quoted where needed).
 *
 * Column names are snake_case words a reader can follow in a spreadsheet and a script can address (no spaces, no
 * commas): the image's classes by name (and by index, as before), then per method `<method>_<measure>`, where
 * `<method>` is the method id with `++` written `_pp` (gradcam++ → gradcam_pp). README.md lists every column.
 */
import { roadScores } from '../metrics/road';
import { hasComplexity, hasLocalization, hasRoad } from './format';
import type { ReportInput } from './types';

/** One CSV field: quoted when it holds a comma, quote, CR or LF, or starts/ends with a space; quotes doubled. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const s = typeof value === 'string' ? value : String(value);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The columns every row starts with. */
export const CSV_IMAGE_COLUMNS = [
  'file',
  'true_class', 'predicted_class', 'explained_class',
  'true_class_index', 'predicted_class_index', 'explained_class_index',
  'prob_full_image', 'logit_full_image',
] as const;

/** Per-method measures, in column order (the column is `<method>_<measure>`). */
export const CSV_METHOD_COLUMNS = [
  'prob_map_only', 'logit_map_only', 'logit_region_removed', 'deletion_auc', 'insertion_auc', 'flat_map',
] as const;

/** Per-method measures added when the run had expert regions (empty cells for images without regions). */
export const CSV_LOCALIZATION_COLUMNS = ['pointing_hit', 'energy_in_region', 'rank_accuracy', 'iou'] as const;

/** Per-method measures added when the run computed ROAD: the image's means over the 9 levels, and (LeRF − MoRF)/2. */
export const CSV_ROAD_COLUMNS = ['road_morf', 'road_lerf', 'road_combined'] as const;

/** Per-method measures added when the run recorded the maps' complexity (empty for an all-zero map). */
export const CSV_COMPLEXITY_COLUMNS = ['sparseness', 'complexity'] as const;

/** The optional column groups of a run, in their order after the base measures. */
export interface CsvExtras {
  road?: boolean;
  complexity?: boolean;
}

/** A method id as a column prefix: lower case, `++` → `_pp`, anything else outside [a-z0-9] → `_`. */
export function csvMethodPrefix(id: string): string {
  const s = id.toLowerCase().replace(/\+\+/g, '_pp').replace(/\+/g, '_p').replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return s.length > 0 ? s : 'method';
}

/** Prefixes for the run's methods; two ids that would share one (e.g. `a-b` and `a_b`) get `_2`, `_3`, … in run order. */
function methodPrefixes(methods: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return methods.map((id) => {
    const base = csvMethodPrefix(id);
    const k = (seen.get(base) ?? 0) + 1;
    seen.set(base, k);
    return k === 1 ? base : `${base}_${k}`;
  });
}

export function csvHeader(methods: readonly string[], localization = false, extras: CsvExtras = {}): string[] {
  const cols: string[] = [...CSV_IMAGE_COLUMNS];
  for (const p of methodPrefixes(methods)) {
    for (const c of CSV_METHOD_COLUMNS) cols.push(`${p}_${c}`);
    if (localization) for (const c of CSV_LOCALIZATION_COLUMNS) cols.push(`${p}_${c}`);
    if (extras.road) for (const c of CSV_ROAD_COLUMNS) cols.push(`${p}_${c}`);
    if (extras.complexity) for (const c of CSV_COMPLEXITY_COLUMNS) cols.push(`${p}_${c}`);
  }
  return cols;
}

/** The class names of the run (the model profile's, which may have come from its sidecar or the dataset's folders/labels). */
function className(input: ReportInput, index: number | null): string | null {
  if (index === null) return null;
  const names = input.settings.model.classes.length > 0 ? input.settings.model.classes : input.settings.preprocessing.classes;
  return names[index] ?? `class ${index}`;
}

export function renderCsv(input: ReportInput): string {
  const ids = input.settings.methods;
  const loc = hasLocalization(input);
  const extras = { road: hasRoad(input), complexity: hasComplexity(input) };
  const lines = [csvHeader(ids, loc, extras).map(csvField).join(',')];
  for (const r of input.records) {
    const cells: (string | number | boolean | null)[] = [
      r.file,
      className(input, r.label), className(input, r.predicted), className(input, r.target),
      r.label, r.predicted, r.target,
      r.Y_prob, r.Y_logit,
    ];
    for (const id of ids) {
      const m = r.methods[id];
      if (m) cells.push(m.O_prob, m.O_logit, m.removedLogit, m.deletionAuc, m.insertionAuc, m.flat);
      else cells.push(null, null, null, null, null, null);
      if (loc) cells.push(m?.pointing_hit ?? null, m?.energy_in_region ?? null, m?.rank_accuracy ?? null, m?.iou ?? null);
      if (extras.road) {
        const road = m?.road ? roadScores(m.road) : null;
        cells.push(road?.road_morf ?? null, road?.road_lerf ?? null, road?.road_combined ?? null);
      }
      if (extras.complexity) cells.push(m?.sparseness ?? null, m?.complexity ?? null);
    }
    lines.push(cells.map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
