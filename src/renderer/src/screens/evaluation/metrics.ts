/** Number formatting and "best per row" marking for the metric table and chart (the reports' rules). */
import type { MetricInfo } from '../../lib/api';

/** A finite number with fixed decimals ("-0.00" shown as "0.00"); null/NaN/±Inf as "–". */
export function formatNumber(v: number | null | undefined, digits: number): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const s = v.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/**
 * Which cells are best in their row, decided on the shown (rounded) values so equal-looking cells are all marked.
 * A row where every shown value is the same (e.g. Increase in Confidence 0.00 for every method) does not separate
 * the methods: nothing is marked.
 */
export function bestMask(values: readonly (number | null)[], better: MetricInfo['better'], digits: number): boolean[] {
  const shown = values.map((v) => (v === null || !Number.isFinite(v) ? null : Number(v.toFixed(digits))));
  const present = shown.filter((v): v is number => v !== null);
  if (present.length < 2 || Math.min(...present) === Math.max(...present)) return values.map(() => false);
  const best = better === 'lower' ? Math.min(...present) : Math.max(...present);
  return shown.map((v) => v !== null && v === best);
}

/** Does the row separate the methods at all (two or more shown values that differ)? */
export function separates(values: readonly (number | null)[], digits: number): boolean {
  const shown = values.filter((v): v is number => v !== null && Number.isFinite(v)).map((v) => Number(v.toFixed(digits)));
  return shown.length >= 2 && Math.min(...shown) !== Math.max(...shown);
}

/** Methods shown as a reference line to beat (the engine's REFERENCE_METHODS): muted, dashed, never starred best. */
export const REFERENCE_METHODS: readonly string[] = ['random'];
export const isReference = (id: string): boolean => REFERENCE_METHODS.includes(id);

/** `bestMask` over the contenders only: a reference method is never marked best and does not decide a tie. */
export function bestAmong(methods: readonly string[], values: readonly (number | null)[], better: MetricInfo['better'], digits: number): boolean[] {
  const ranked = values.map((v, i) => (isReference(methods[i]) ? null : v));
  return bestMask(ranked, better, digits);
}

export type LocalizationKey = 'pointing_game_pct' | 'energy_pointing_game' | 'rank_accuracy' | 'iou';

/**
 * The rows of the "Localization (expert regions)" block, as the reports define them (report/format.ts
 * LOCALIZATION_METRICS; restated because that module reaches Node-only code).
 */
export const LOCALIZATION_INFO: readonly (Omit<MetricInfo, 'key'> & { key: LocalizationKey })[] = [
  { key: 'pointing_game_pct', label: 'Pointing game (%)', better: 'higher', digits: 2, description: 'Share of images whose map maximum lies within the pointing tolerance of an expert region.' },
  { key: 'energy_pointing_game', label: 'Energy in region', better: 'higher', digits: 4, description: 'Mean share of the map’s sum inside the expert regions (flat maps left out).' },
  { key: 'rank_accuracy', label: 'Rank accuracy', better: 'higher', digits: 4, description: 'Mean fraction of the map’s highest pixels (as many as the regions have) inside the regions.' },
  { key: 'iou', label: 'IoU', better: 'higher', digits: 4, description: 'Mean overlap of the thresholded map with the regions.' },
];

/** True when the run was evaluated against expert regions (its table has the localization block). */
export function hasLocalization(table: { methods: string[]; rows: Record<string, { images_with_regions?: number } | undefined> }): boolean {
  return table.methods.some((m) => table.rows[m]?.images_with_regions !== undefined);
}
