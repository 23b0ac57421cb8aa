/** How the Comparison screen writes its numbers (the same rounding as compare.html: 3 digits, percentages to 0.1). */
export const dash = '–';
export const num = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined || !Number.isFinite(v) ? dash : v.toFixed(digits));
export const pct = (f: number | null | undefined): string => (f === null || f === undefined ? dash : `${(100 * f).toFixed(1)} %`);
