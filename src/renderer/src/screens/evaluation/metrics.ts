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
