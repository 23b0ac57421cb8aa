/** report.csv: one row per evaluated image (RFC 4180: CRLF line ends, fields quoted where needed). */
import { hasLocalization } from './format';
import type { ReportInput } from './types';

/** One CSV field: quoted when it holds a comma, quote, CR or LF, or starts/ends with a space; quotes doubled. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const s = typeof value === 'string' ? value : String(value);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_METHOD_COLUMNS = ['O_prob', 'O_logit', 'removed_logit', 'deletion_auc', 'insertion_auc', 'flat'] as const;

/** Per-method columns added when the run had expert regions (empty cells for images without regions). */
export const CSV_LOCALIZATION_COLUMNS = ['pointing_hit', 'energy_in_region', 'rank_accuracy', 'iou'] as const;

export function csvHeader(methods: readonly string[], localization = false): string[] {
  const cols = ['file', 'label', 'predicted', 'target', 'Y_prob', 'Y_logit'];
  for (const id of methods) {
    for (const c of CSV_METHOD_COLUMNS) cols.push(`${id}:${c}`);
    if (localization) for (const c of CSV_LOCALIZATION_COLUMNS) cols.push(`${id}:${c}`);
  }
  return cols;
}

export function renderCsv(input: ReportInput): string {
  const ids = input.settings.methods;
  const loc = hasLocalization(input);
  const lines = [csvHeader(ids, loc).map(csvField).join(',')];
  for (const r of input.records) {
    const cells: (string | number | boolean | null)[] = [r.file, r.label, r.predicted, r.target, r.Y_prob, r.Y_logit];
    for (const id of ids) {
      const m = r.methods[id];
      if (m) cells.push(m.O_prob, m.O_logit, m.removedLogit, m.deletionAuc, m.insertionAuc, m.flat);
      else cells.push(null, null, null, null, null, null);
      if (loc) cells.push(m?.pointing_hit ?? null, m?.energy_in_region ?? null, m?.rank_accuracy ?? null, m?.iou ?? null);
    }
    lines.push(cells.map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
