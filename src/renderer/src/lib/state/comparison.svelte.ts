/**
 * Model vs model: the second model (B), the image view's A | B pairs of the open image, and the Comparison screen's
 * run over the folder (rows streamed in, then the stored result), its sort and filter.
 */
import type { ComparisonModel, ComparisonPair, ComparisonResult, ComparisonRow, ComparisonRowEvent, JobProgress } from '../api';
import { cancelJob, errorText, getApi, isCancelled, newJobId } from '../api';

/** The columns the image table sorts by; 'pearson' ascending puts the images that look most differently first. */
export type CompareSort = 'difference' | 'pearson' | 'iou' | 'maxdiff' | 'file';
/** Which images the table lists. */
export type CompareFilter = 'all' | 'disagree' | 'agree';

/** How alike an image's two maps are under one method (or the least alike over all): Pearson, undefined as 0 unless equal. */
function pearsonOf(row: ComparisonRow, method: string | null): number {
  const d = method ? [row.methods[method]].filter(Boolean) : Object.values(row.methods);
  return Math.min(...d.map((x) => x.map_pearson ?? (x.map_max_abs_diff === 0 ? 1 : 0)));
}

export class ComparisonState {
  model = $state.raw<ComparisonModel | null>(null);
  opening = $state(false);
  error = $state<string | null>(null);

  /** The image view shows A | B pairs instead of one card per method. */
  pairMode = $state(false);
  pair = $state.raw<ComparisonPair | null>(null);
  pairRunning = $state(false);
  pairError = $state<string | null>(null);
  private pairJob: string | null = null;

  methods = $state<string[]>(['gradcam']);
  sample = $state<number | null>(null);
  seed = $state(0);
  running = $state(false);
  progress = $state.raw<JobProgress | null>(null);
  /** Rows of the run going on (replaced by the result's when it ends). */
  liveRows = $state.raw<ComparisonRow[]>([]);
  result = $state.raw<ComparisonResult | null>(null);
  runError = $state<string | null>(null);
  /** The user cancelled the run: the rows done so far stay (and in the project, so Run goes on from there). */
  stopped = $state(false);
  private runJob: string | null = null;

  sort = $state<CompareSort>('difference');
  filter = $state<CompareFilter>('all');
  /** The method the table's distances are read from (null = the first of the run). */
  method = $state<string | null>(null);

  readonly rows = $derived.by(() => {
    const all = this.result?.images ?? this.liveRows;
    const method = this.method ?? this.result?.methods[0] ?? null;
    const kept = all.filter((r) => this.filter === 'all' || (this.filter === 'agree') === r.agree);
    const dist = (r: ComparisonRow) => (method ? r.methods[method] : undefined);
    const by: Record<CompareSort, (x: ComparisonRow, y: ComparisonRow) => number> = {
      // The engine's order (lowest Pearson over the methods first) as the result lists it.
      difference: (x, y) => all.indexOf(x) - all.indexOf(y),
      pearson: (x, y) => pearsonOf(x, method) - pearsonOf(y, method),
      iou: (x, y) => (dist(x)?.map_top20_iou ?? 1) - (dist(y)?.map_top20_iou ?? 1),
      maxdiff: (x, y) => (dist(y)?.map_max_abs_diff ?? 0) - (dist(x)?.map_max_abs_diff ?? 0),
      file: (x, y) => x.file.localeCompare(y.file),
    };
    return [...kept].sort(by[this.sort]);
  });

  /** Asks main for its open dialog and opens the chosen model beside the open one. */
  async open(): Promise<boolean> {
    this.opening = true;
    this.error = null;
    try {
      const m = await getApi().invoke('compare:open');
      if (m) {
        this.model = m;
        this.pair = null;
      }
      return m !== null;
    } catch (e) {
      this.error = errorText(e);
      return false;
    } finally {
      this.opening = false;
    }
  }

  async close(): Promise<void> {
    await getApi().invoke('compare:close').catch(() => {});
    this.forget();
  }

  /** A new model or folder: the engine released B. */
  forget(): void {
    void cancelJob(this.pairJob);
    this.model = null;
    this.pair = null;
    this.pairMode = false;
  }

  /** What the engine has open and the project's last comparison (after a project or model opens). */
  async refresh(): Promise<void> {
    try {
      this.model = await getApi().invoke('compare:model');
      if (!this.running) this.result = await getApi().invoke('compare:last');
    } catch {
      // nothing open yet
    }
  }

  /** B's maps of the image view's class for this image (A's are the image view's own). */
  async loadPair(image: number, classIndex: number | null, methods: string[]): Promise<void> {
    if (!this.model || !methods.length) return;
    await cancelJob(this.pairJob);
    const jobId = newJobId('compare-image');
    this.pairJob = jobId;
    this.pairRunning = true;
    this.pairError = null;
    if (this.pair?.image !== image) this.pair = null;
    try {
      const pair = await getApi().invoke('compare:image', { jobId, image, classIndex, methods });
      if (this.pairJob === jobId) this.pair = pair;
    } catch (e) {
      if (this.pairJob === jobId && !isCancelled(e)) this.pairError = errorText(e);
    } finally {
      if (this.pairJob === jobId) {
        this.pairJob = null;
        this.pairRunning = false;
      }
    }
  }

  async run(): Promise<void> {
    if (this.running || !this.methods.length) return;
    const jobId = newJobId('compare');
    this.runJob = jobId;
    this.running = true;
    this.runError = null;
    this.stopped = false;
    this.progress = null;
    this.liveRows = [];
    this.result = null;
    try {
      const result = await getApi().invoke('compare:run', { jobId, methods: this.methods, sample: this.sample, seed: this.seed });
      this.result = result;
      this.method = result.methods[0] ?? null;
    } catch (e) {
      if (isCancelled(e)) this.stopped = true;
      else this.runError = errorText(e);
    } finally {
      if (this.runJob === jobId) {
        this.runJob = null;
        this.running = false;
      }
    }
  }

  async cancel(): Promise<void> {
    await cancelJob(this.runJob);
  }

  onProgress(p: JobProgress): void {
    if (p.jobId === this.runJob) this.progress = p;
  }

  onRow(e: ComparisonRowEvent): void {
    if (e.jobId === this.runJob) this.liveRows = [...this.liveRows, e.row];
  }
}
