/**
 * What an import took and what it left out, and the short paragraph that says so: every importer counts what it
 * skips (by reason) instead of dropping it silently, so the user sees e.g. "skipped 3 polylines (CVAT polylines
 * have no area)".
 */

/** Things left out for one reason: `reason` reads after the count ("3 polylines (CVAT polylines have no area)"). */
export interface SkipCount {
  reason: string;
  count: number;
}

/** A kind of skipped thing: its noun in the singular and plural, and why it was left out (optional). */
export interface SkipKind {
  one: string;
  many: string;
  why?: string;
}

/** Counts skipped things by kind, in the order kinds were first met. */
export class SkipTally {
  private readonly counts = new Map<string, { kind: SkipKind; count: number }>();

  add(kind: SkipKind, count = 1): void {
    if (count <= 0) return;
    const key = `${kind.many}\0${kind.why ?? ''}`;
    const entry = this.counts.get(key);
    if (entry) entry.count += count;
    else this.counts.set(key, { kind, count });
  }

  list(): SkipCount[] {
    return [...this.counts.values()].map(({ kind, count }) => ({ reason: `${count === 1 ? kind.one : kind.many}${kind.why ? ` (${kind.why})` : ''}`, count }));
  }
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** Class names with their region counts, most first: "tumor 30, stroma 11" (four at most, then "…"). */
function classCounts(classes: ReadonlyMap<string | null, number>): string {
  const sorted = [...classes].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])));
  const shown = sorted.slice(0, 4).map(([name, n]) => `${name ?? 'no class'} ${n}`);
  return shown.join(', ') + (sorted.length > 4 ? ', …' : '');
}

export interface ImportCounts {
  /** The format's name as people know it, e.g. "QuPath GeoJSON". */
  formatName: string;
  taken: number;
  images: number;
  /** Regions taken per class name (null: no class). */
  classes: ReadonlyMap<string | null, number>;
  skipped: readonly SkipCount[];
  /** MegaDetector's confidence threshold, when one applied. */
  threshold?: number;
  /** What was taken but approximated ("2 splines read as the polygons through their control points"). */
  notes?: readonly SkipCount[];
}

/** "Took 41 regions on 12 images from QuPath GeoJSON (tumor 30, stroma 11); skipped 3 polylines (…), 2 images not in the dataset." */
export function importSummary(c: ImportCounts): string {
  const classes = c.classes.size ? ` (${classCounts(c.classes)})` : '';
  const threshold = c.threshold === undefined ? '' : ` at confidence ≥ ${c.threshold}`;
  const took = `Took ${plural(c.taken, 'region', 'regions')} on ${plural(c.images, 'image', 'images')} from ${c.formatName}${classes}${threshold}`;
  const skipped = c.skipped.filter((s) => s.count > 0).map((s) => `${s.count} ${s.reason}`);
  const notes = (c.notes ?? []).filter((s) => s.count > 0).map((s) => `; ${s.count} ${s.reason}`).join('');
  return `${took}${notes}${skipped.length ? `; skipped ${skipped.join(', ')}` : ''}.`;
}
