/**
 * The dataset browser's state: the listing's predictions (typed arrays, filled in batches as the engine computes
 * them), filters and sorting over them, the keyboard cursor, the selection, and the thumbnail cache (blob URLs).
 */
import { SvelteMap, SvelteSet } from 'svelte/reactivity';
import type { DatasetListing, PredictionBatch, Thumbnail } from '../api';
import { cancelJob, errorText, getApi, isCancelled, newJobId } from '../api';
import { describeMapping, windowNumbers } from '../intensity';

/** `outside:METHOD`: most of METHOD's map outside the expert's regions first (from the latest evaluation with regions). */
export type SortKey = 'file' | 'confidence-desc' | 'confidence-asc' | 'label' | 'predicted' | `outside:${string}`;
/** 'all', or `outside:METHOD`: only images where more than half of METHOD's map lies outside the expert's regions. */
export type RegionFilter = 'all' | `outside:${string}`;

/**
 * Per image and method, the share of the map outside the expert's regions (1 − energy in region) from the latest
 * evaluation of the open folder that had regions; null where the image had no regions or the map was flat.
 */
export interface OutsideShares {
  evaluationId: number;
  methods: string[];
  /** file → method → share outside (0–1) or null. */
  byFile: Map<string, Record<string, number | null>>;
}

/** The method a sort or filter value names (null for the others). */
export const outsideMethod = (v: string): string | null => (v.startsWith('outside:') ? v.slice('outside:'.length) : null);
export type Correctness = 'all' | 'correct' | 'incorrect';
export type AnnotatedFilter = 'all' | 'yes' | 'no';

/** Thumbnails kept as blob URLs (the oldest are released beyond this). */
const MAX_THUMBS = 3_000;
const THUMB_BATCH = 200;
export const PENDING = -2;
export const FAILED = -1;
export const TOP_K = 5;

export interface PredictionProgress {
  done: number;
  total: number;
  rate?: number;
  etaSeconds?: number | null;
}

export class BrowserState {
  dataset = $state.raw<DatasetListing | null>(null);

  // Predictions: index → best class (PENDING / FAILED), its probability, and the top-5 rows.
  predicted: Int32Array = new Int32Array(0);
  confidence: Float32Array = new Float32Array(0);
  topClasses: Int32Array = new Int32Array(0);
  topProbs: Float32Array = new Float32Array(0);
  /** Bumped whenever the typed arrays change (they are not reactive themselves). */
  predVersion = $state(0);
  predProgress = $state.raw<PredictionProgress | null>(null);
  predRunning = $state(false);
  predError = $state<string | null>(null);
  private predJob: string | null = null;

  // Filters and sorting.
  labelFilter = $state('all');
  predFilter = $state('all');
  correctness = $state<Correctness>('all');
  confMin = $state(0);
  confMax = $state(100);
  annotatedFilter = $state<AnnotatedFilter>('all');
  search = $state('');
  sort = $state<SortKey>('file');
  regionFilter = $state<RegionFilter>('all');
  outside = $state.raw<OutsideShares | null>(null);

  /** Position of the keyboard cursor in `visible`. */
  cursor = $state(0);
  /** Dataset indices picked for a figure (Ctrl/⌘-click or Space). */
  readonly selected = new SvelteSet<number>();
  scrollTop = $state(0);

  readonly thumbs = new SvelteMap<number, string>();
  /** How a DICOM or 16-bit thumbnail was drawn: its window, short and in words (8-bit images have none). */
  readonly thumbWindows = new SvelteMap<number, { short: string; words: string }>();
  private readonly inFlight = new Set<number>();
  private generation = 0;

  /** Files with annotations (set by the app from the project's annotations). */
  annotatedFiles = $state.raw<Set<string>>(new Set());

  readonly fileIndex = $derived.by(() => new Map((this.dataset?.items ?? []).map((item, i) => [item.file, i])));

  readonly filtersActive = $derived(
    this.labelFilter !== 'all' ||
      this.predFilter !== 'all' ||
      this.correctness !== 'all' ||
      this.confMin > 0 ||
      this.confMax < 100 ||
      this.annotatedFilter !== 'all' ||
      this.regionFilter !== 'all' ||
      this.search.trim() !== '',
  );

  /** Every filter and the sort order in one string: when it changes, the grid goes back to its top. */
  readonly filterKey = $derived(
    [this.labelFilter, this.predFilter, this.correctness, this.confMin, this.confMax, this.annotatedFilter, this.regionFilter, this.search.trim(), this.sort].join('\u0000'),
  );

  /** Dataset indices that pass the filters, in the chosen order. */
  readonly visible = $derived.by((): number[] => {
    void this.predVersion;
    const items = this.dataset?.items ?? [];
    const label = this.labelFilter;
    const pred = this.predFilter;
    const q = this.search.trim().toLowerCase();
    const min = this.confMin / 100;
    const max = this.confMax / 100;
    const confFilter = this.confMin > 0 || this.confMax < 100;
    const regionMethod = outsideMethod(this.regionFilter);
    const out: number[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (label === 'none' ? item.label !== null : label !== 'all' && item.label !== Number(label)) continue;
      const p = this.predicted[i] ?? PENDING;
      if (pred !== 'all' && p !== Number(pred)) continue;
      if (this.correctness !== 'all') {
        if (p < 0 || item.label === null) continue;
        if ((p === item.label) !== (this.correctness === 'correct')) continue;
      }
      if (confFilter) {
        if (p < 0) continue;
        const c = this.confidence[i];
        if (c < min || c > max) continue;
      }
      if (this.annotatedFilter !== 'all' && this.annotatedFiles.has(item.file) !== (this.annotatedFilter === 'yes')) continue;
      if (q && !item.file.toLowerCase().includes(q) && !(item.labelName ?? '').toLowerCase().includes(q)) continue;
      if (regionMethod !== null) {
        // "Mostly outside": more than half of the map's total lies outside the regions.
        const share = this.outsideShare(item.file, regionMethod);
        if (share === null || share <= 0.5) continue;
      }
      out.push(i);
    }
    const byFile = (a: number, b: number): number => (items[a].file < items[b].file ? -1 : items[a].file > items[b].file ? 1 : 0);
    const conf = (i: number): number => (this.predicted[i] >= 0 ? this.confidence[i] : -1);
    const sortMethod = outsideMethod(this.sort);
    if (sortMethod !== null) {
      // Most outside first; images without a value (no regions, not evaluated, flat map) last, in path order.
      const v = (i: number): number => this.outsideShare(items[i].file, sortMethod) ?? -1;
      out.sort((a, b) => v(b) - v(a) || a - b);
      return out;
    }
    switch (this.sort) {
      case 'confidence-desc':
        out.sort((a, b) => conf(b) - conf(a) || a - b);
        break;
      case 'confidence-asc':
        out.sort((a, b) => (conf(a) < 0 ? 2 : conf(a)) - (conf(b) < 0 ? 2 : conf(b)) || a - b);
        break;
      case 'label':
        out.sort((a, b) => (items[a].label ?? 1e9) - (items[b].label ?? 1e9) || byFile(a, b));
        break;
      case 'predicted':
        out.sort((a, b) => (this.predicted[a] < 0 ? 1e9 : this.predicted[a]) - (this.predicted[b] < 0 ? 1e9 : this.predicted[b]) || byFile(a, b));
        break;
      case 'file':
        break; // the listing is already in path order
    }
    return out;
  });

  readonly accuracy = $derived.by(() => {
    void this.predVersion;
    const items = this.dataset?.items ?? [];
    let labelled = 0;
    let correct = 0;
    for (let i = 0; i < items.length; i++) {
      const p = this.predicted[i];
      if (p >= 0 && items[i].label !== null) {
        labelled++;
        if (p === items[i].label) correct++;
      }
    }
    return labelled ? { correct, labelled } : null;
  });

  /** A new listing (new folder, or the same folder re-read for a new model): predictions start over. */
  reset(dataset: DatasetListing | null, keepView = false): void {
    void this.cancelPredictions();
    const sameFolder = dataset && this.dataset && dataset.root === this.dataset.root;
    this.dataset = dataset;
    const n = dataset?.items.length ?? 0;
    this.predicted = new Int32Array(n).fill(PENDING);
    this.confidence = new Float32Array(n);
    this.topClasses = new Int32Array(n * TOP_K).fill(-1);
    this.topProbs = new Float32Array(n * TOP_K);
    this.predProgress = null;
    this.predError = null;
    this.predVersion++;
    if (!sameFolder) {
      this.generation++;
      for (const url of this.thumbs.values()) if (url) URL.revokeObjectURL(url);
      this.thumbs.clear();
      this.inFlight.clear();
      this.selected.clear();
      if (!keepView) {
        this.clearFilters();
        this.cursor = 0;
        this.scrollTop = 0;
      }
    }
  }

  clearFilters(): void {
    this.labelFilter = 'all';
    this.predFilter = 'all';
    this.correctness = 'all';
    this.confMin = 0;
    this.confMax = 100;
    this.annotatedFilter = 'all';
    this.regionFilter = 'all';
    this.search = '';
  }

  // ---- expert regions: share of each map outside them (from the latest evaluation with regions) ----

  /** Share of `method`'s map outside the regions for this file; null when unknown. */
  outsideShare(file: string, method: string): number | null {
    const v = this.outside?.byFile.get(file)?.[method];
    return typeof v === 'number' ? v : null;
  }

  /** Images of the folder with no value for `method` (no regions, not in the evaluation, or a flat map). */
  withoutShare(method: string): number {
    return (this.dataset?.items ?? []).filter((item) => this.outsideShare(item.file, method) === null).length;
  }

  /**
   * Reads the latest evaluation of the open folder that had expert regions and keeps 1 − energy in region per
   * image and method. A sort or filter on a method that run lacks falls back to the file order / no filter.
   */
  async loadOutsideShares(): Promise<void> {
    const root = this.dataset?.root;
    if (!root) return;
    try {
      const runs = await getApi().invoke('evaluation:list');
      const latest = [...runs].reverse().find((r) => r.settings.localization && r.settings.dataset.root === root);
      if (!latest) {
        this.outside = null;
      } else {
        const detail = await getApi().invoke('evaluation:get', { id: latest.id });
        const byFile = new Map<string, Record<string, number | null>>();
        for (const r of detail.records) {
          const row: Record<string, number | null> = {};
          for (const [m, v] of Object.entries(r.methods)) row[m] = typeof v.energy_in_region === 'number' ? 1 - v.energy_in_region : null;
          byFile.set(r.file, row);
        }
        if (this.dataset?.root === root) this.outside = { evaluationId: latest.id, methods: detail.table.methods, byFile };
      }
    } catch {
      this.outside = null; // no project, or it cannot be read now: the region sort is simply not offered
    }
    const known = this.outside?.methods ?? [];
    const sortM = outsideMethod(this.sort);
    if (sortM !== null && !known.includes(sortM)) this.sort = 'file';
    const filterM = outsideMethod(this.regionFilter);
    if (filterM !== null && !known.includes(filterM)) this.regionFilter = 'all';
  }

  // ---- predictions ----

  async runPredictions(): Promise<void> {
    if (!this.dataset) return;
    await this.cancelPredictions();
    const jobId = newJobId('predict');
    this.predJob = jobId;
    this.predRunning = true;
    this.predError = null;
    this.predProgress = { done: 0, total: this.dataset.items.length };
    try {
      const summary = await getApi().invoke('predictions:run', { jobId });
      if (this.predJob !== jobId) return;
      this.predProgress = { done: summary.done, total: this.dataset?.items.length ?? summary.done };
    } catch (e) {
      if (this.predJob === jobId && !isCancelled(e)) this.predError = errorText(e);
    } finally {
      if (this.predJob === jobId) {
        this.predJob = null;
        this.predRunning = false;
      }
    }
  }

  async cancelPredictions(): Promise<void> {
    const job = this.predJob;
    if (!job) return;
    this.predJob = null;
    this.predRunning = false;
    await cancelJob(job);
  }

  onPredictionBatch(batch: PredictionBatch): void {
    if (batch.jobId !== this.predJob) return;
    const { k } = batch;
    for (let row = 0; row < batch.indices.length; row++) {
      const i = batch.indices[row];
      if (i >= this.predicted.length) continue;
      const best = batch.classes[row * k];
      this.predicted[i] = best >= 0 ? best : FAILED;
      this.confidence[i] = best >= 0 ? batch.probs[row * k] : 0;
      for (let j = 0; j < Math.min(k, TOP_K); j++) {
        this.topClasses[i * TOP_K + j] = batch.classes[row * k + j];
        this.topProbs[i * TOP_K + j] = batch.probs[row * k + j];
      }
    }
    this.predVersion++;
  }

  onPredictionProgress(jobId: string, p: PredictionProgress): void {
    if (jobId === this.predJob) this.predProgress = p;
  }

  // ---- thumbnails ----

  /** Drops every thumbnail (the model's intensity mapping changed how DICOM and 16-bit images look); the grid asks again. */
  forgetThumbnails(): void {
    this.generation++;
    for (const url of this.thumbs.values()) if (url) URL.revokeObjectURL(url);
    this.thumbs.clear();
    this.thumbWindows.clear();
    this.inFlight.clear();
  }

  /** Loads the thumbnails of these dataset indices that are not cached or on their way. */
  requestThumbs(indices: number[]): void {
    const wanted = indices.filter((i) => !this.thumbs.has(i) && !this.inFlight.has(i));
    if (!wanted.length) return;
    const generation = this.generation;
    for (let s = 0; s < wanted.length; s += THUMB_BATCH) {
      const chunk = wanted.slice(s, s + THUMB_BATCH);
      chunk.forEach((i) => this.inFlight.add(i));
      getApi()
        .invoke('dataset:thumbnails', { indices: chunk })
        .then((thumbs) => {
          if (generation !== this.generation) return;
          for (const t of thumbs) {
            this.inFlight.delete(t.index);
            const url = t.bytes.byteLength ? URL.createObjectURL(new Blob([t.bytes as Uint8Array<ArrayBuffer>], { type: t.mime })) : '';
            this.thumbs.set(t.index, url);
            if (t.intensity) this.thumbWindows.set(t.index, thumbWindow(t.intensity));
            else this.thumbWindows.delete(t.index);
          }
          this.evict();
        })
        .catch(() => {
          if (generation === this.generation) chunk.forEach((i) => this.inFlight.delete(i));
        });
    }
  }

  private evict(): void {
    if (this.thumbs.size <= MAX_THUMBS) return;
    for (const [i, url] of this.thumbs) {
      if (this.thumbs.size <= MAX_THUMBS * 0.9) break;
      if (url) URL.revokeObjectURL(url);
      this.thumbs.delete(i);
      this.thumbWindows.delete(i);
    }
  }

  /** Top-5 predictions of an image, when known. */
  topOf(index: number): { classIndex: number; probability: number }[] {
    void this.predVersion;
    const out: { classIndex: number; probability: number }[] = [];
    for (let j = 0; j < TOP_K; j++) {
      const c = this.topClasses[index * TOP_K + j];
      if (c >= 0) out.push({ classIndex: c, probability: this.topProbs[index * TOP_K + j] });
    }
    return out;
  }
}

/** A thumbnail's window: its numbers for the badge, and the mapping in words for the tooltip. */
function thumbWindow(t: NonNullable<Thumbnail['intensity']>): { short: string; words: string } {
  const numbers = t.window ? windowNumbers(t.window) : 'LUT';
  const what = t.modality ? `${t.modality} image` : 'High-bit-depth image';
  return { short: numbers, words: `${what}, shown with ${describeMapping(t.mapping, t.windows)}${t.window ? ` (${numbers})` : ''}, as the model sees it` };
}
