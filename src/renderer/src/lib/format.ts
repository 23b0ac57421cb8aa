/** Number, time and path formatting for the UI. */

export function percent(p: number, digits = 1): string {
  return `${(p * 100).toFixed(digits)} %`;
}

export function seconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '–';
  if (s < 1) return 'under a second';
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function milliseconds(ms: number): string {
  // A map computed in a fraction of a millisecond took some time: "0 ms" reads as a missing value.
  if (ms < 0.5) return '< 1 ms';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function rate(r: number | undefined): string {
  if (!r || !Number.isFinite(r)) return '–';
  return r >= 10 ? `${Math.round(r)} images/s` : `${r.toFixed(1)} images/s`;
}

export function baseName(p: string): string {
  return p.split(/[\\/]/).filter(Boolean).pop() ?? p;
}

export function dateTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}
