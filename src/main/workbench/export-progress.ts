/**
 * Progress of a figure or report export, counted in units of work so the bar, the rate and the ETA move from the
 * first seconds: a score-based map still to compute counts its masked passes (the layer's channels, or top k, until
 * the method reports its own count), every other map (gradient methods, maps already computed or cached) counts one.
 */
import type { CamMethod } from '../engine/methods/base';

export interface ExportProgressReport {
  /** Overall progress in [0, 1]. */
  fraction: number;
  /** Images (figure rows) per second, from the fraction done. */
  rate: number;
  etaSeconds: number | null;
}

/** Units a map of this method is expected to cost before it runs (not counting a cached map). */
export function expectedUnits(method: CamMethod, channels: number): number {
  if (method.needsGradients || method.reference) return 1;
  const { approximation, topK } = method.settings;
  if (approximation === 'noscore') return 1;
  return Math.max(1, approximation === 'topk' && typeof topK === 'number' ? Math.min(topK, channels) : channels);
}

export class ExportProgress {
  private readonly t0: number;
  private finished = 0;
  /** Expected units of the cells not started yet. */
  private pending: number;
  private current = { expected: 0, done: 0, total: 0 };

  /** `plan[i][m]`: expected units of image i's map by method m (see expectedUnits; 1 for a map already there). */
  constructor(
    private readonly plan: readonly (readonly number[])[],
    now = performance.now(),
  ) {
    this.t0 = now;
    this.pending = plan.flat().reduce((a, u) => a + u, 0);
  }

  /** Image i's map by method m starts. */
  start(i: number, m: number): void {
    const expected = this.plan[i][m];
    this.pending -= expected;
    this.current = { expected, done: 0, total: 0 };
  }

  /** The running method has scored `done` of its `total` masked passes. */
  passes(done: number, total: number): void {
    this.current.done = done;
    this.current.total = total;
  }

  /** The map is done: it cost its passes, or one unit when it reported none (cached, fast, or failed). */
  finish(): void {
    this.finished += Math.max(1, this.current.total);
    this.current = { expected: 0, done: 0, total: 0 };
  }

  report(now = performance.now()): ExportProgressReport {
    const cur = this.current.total > 0 ? this.current.total : this.current.expected;
    const all = this.finished + cur + this.pending;
    const fraction = all > 0 ? Math.min(1, (this.finished + this.current.done) / all) : 1;
    const seconds = Math.max(1e-3, (now - this.t0) / 1000);
    return {
      fraction,
      rate: (fraction * this.plan.length) / seconds,
      etaSeconds: fraction > 0 ? (seconds * (1 - fraction)) / fraction : null,
    };
  }
}
