/**
 * The image view's state: one image explained with the chosen methods and class (maps streamed in as the engine
 * finishes them, fast methods first), display settings (colormap, opacity), per-image faithfulness, the compare
 * view, and the annotation tools.
 */
import type {
  AnnotationKind,
  ColormapChoice,
  ExplainImageEvent,
  ExplainMapEvent,
  ExplainTarget,
  FaithfulnessRow,
  ImageFrame,
  JobProgress,
  ModelPrecision,
  Prediction,
} from '../api';
import { cancelJob, errorText, getApi, isCancelled, isEngineCrash, newJobId } from '../api';
import type { Window } from '../intensity';

export interface MapResult {
  map: Float32Array;
  width: number;
  height: number;
  flat: boolean;
  timeMs: number;
  /** Not computed now: from memory or the project's result cache (see ExplainMapEvent.cached). */
  cached?: boolean;
  /** Set while the map is a score-based method's estimate (see ExplainMapEvent.preview). */
  preview?: { passes: number; total: number };
}

export type Tool = 'select' | AnnotationKind;

/**
 * Below this probability of the explained class the image view says the evidence is weak: a map is always drawn
 * (it is normalised to its own maximum), so a class the model gives 5 % still looks as bright as one it gives 95 %.
 * 20 % is twice the chance level of a 10-class model and well under any class a model actually predicts confidently.
 */
export const WEAK_EVIDENCE = 0.2;

/** The deepest zoom: 16× the fitted size (a 224-pixel frame at 16 screen pixels per frame pixel in a 224-pixel box). */
export const MAX_ZOOM = 16;
export type CompareMode = 'side' | 'swipe' | 'blend';

export interface Draft {
  kind: AnnotationKind;
  /** Vertices in the frame's pixels (the model's input frame). */
  points: [number, number][];
  /** The shape is complete and waits for its label. */
  closed: boolean;
}

export class ImageViewState {
  index = $state<number | null>(null);
  /** null = explain the predicted class. */
  classChoice = $state<number | null>(null);
  /** A contrast "why the explained class, not this one": every map explains s_A − s_B. null = no contrast. */
  versus = $state<number | null>(null);
  /** Methods to compute (ids); set from the model's method list. */
  methods = $state<string[]>([]);

  frame = $state.raw<ImageFrame | null>(null);
  predictions = $state.raw<Prediction[]>([]);
  target = $state.raw<ExplainTarget | null>(null);
  maps = $state.raw<Record<string, MapResult>>({});
  progress = $state.raw<Record<string, { done: number; total: number }>>({});
  failures = $state.raw<Record<string, string>>({});
  running = $state(false);
  error = $state<string | null>(null);
  /** The error's code (INVALID_IMAGE: the file itself could not be read, so trying again cannot help). */
  errorCode = $state<string | null>(null);
  /** The user pressed Stop: maps not finished show "Stopped" with a way to compute them again. */
  stopped = $state(false);
  /** The explanation stopped because the engine did: one click explains the image again. */
  interrupted = $state(false);
  private jobId: string | null = null;
  /** Told the model's scoring precision after each explanation (a requested fp16 may fall back to fp32 on first use). */
  onPrecision: ((precision: ModelPrecision) => void) | null = null;

  colormap = $state<ColormapChoice>('jet');
  opacity = $state(0.5);
  /** A method whose map is laid over the large image (null = the plain image). */
  overlayMethod = $state<string | null>(null);

  faithfulness = $state.raw<Record<string, FaithfulnessRow>>({});
  faithRunning = $state(false);
  faithError = $state<string | null>(null);
  private faithJob: string | null = null;

  compare = $state<{ a: string; b: string; mode: CompareMode; t: number } | null>(null);

  /**
   * The zoom shared by the main image, every map card and the compare view: `scale` relative to fitting the box,
   * `x`/`y` the shift of the content's centre as a share of the box (so boxes of any size show the same region).
   */
  zoom = $state({ scale: 1, x: 0, y: 0 });
  /** Draw the image's annotations on every map card too. */
  annotationsOnMaps = $state(true);

  /** The level/width drag is on: dragging over the main image moves the window (DICOM and 16-bit images). */
  windowTool = $state(false);
  /** The window while a drag is under way: a preview until the engine draws the image with it. */
  windowPreview = $state.raw<Window | null>(null);

  tool = $state<Tool>('select');
  draft = $state.raw<Draft | null>(null);
  highlighted = $state<number | null>(null);
  /** The annotation selected with the Select tool (handles to move and reshape it; Delete removes it). */
  selected = $state<number | null>(null);

  /** Methods still expected, in the order they will arrive (fast first). */
  readonly pending = $derived(this.methods.filter((m) => !this.maps[m] && !this.failures[m]));
  /** The image file itself could not be read: there is no frame, no prediction and no map to show. */
  readonly unreadable = $derived(this.error !== null && this.frame === null && !this.running);
  /**
   * The explained class's probability is low (under {@link WEAK_EVIDENCE}): the maps still show where the model
   * would look for it, but that evidence is weak, and the UI says so.
   */
  readonly weakEvidence = $derived(this.target !== null && this.target.probability < WEAK_EVIDENCE);

  /** A new model or layer: the results no longer apply, but the open image stays open. */
  invalidate(): void {
    void this.cancel();
    this.classChoice = null;
    this.versus = null;
    this.clearResults();
  }

  reset(): void {
    void this.cancel();
    this.index = null;
    this.clearResults();
    this.faithError = null;
    this.highlighted = null;
  }

  /** Everything computed for the open image (what both invalidate and reset drop). */
  private clearResults(): void {
    this.frame = null;
    this.predictions = [];
    this.target = null;
    this.maps = {};
    this.progress = {};
    this.failures = {};
    this.faithfulness = {};
    this.error = null;
    this.errorCode = null;
    this.stopped = false;
    this.compare = null;
    this.draft = null;
    this.windowPreview = null;
  }

  /** Opens an image (keeping the class choice only when asked) and explains it. */
  async open(index: number, classChoice: number | null = null): Promise<void> {
    if (index !== this.index) {
      this.draft = null;
      this.highlighted = null;
      this.selected = null;
      this.compare = null;
    }
    this.index = index;
    this.classChoice = classChoice;
    // Another image has other predictions: a contrast chosen for the last one would be a guess here.
    this.versus = null;
    await this.explain();
  }

  async setClass(classIndex: number | null): Promise<void> {
    if (classIndex === this.classChoice) return;
    this.classChoice = classIndex;
    // A class cannot be explained versus itself: choosing B as the class ends the contrast.
    const explained = classIndex ?? this.predictions[0]?.classIndex ?? null;
    if (explained !== null && explained === this.versus) this.versus = null;
    await this.explain();
  }

  /** Explains every method as "the explained class, not `versus`" (null: the class alone again). */
  async setVersus(versus: number | null): Promise<void> {
    if (versus === this.versus) return;
    this.versus = versus;
    await this.explain();
  }

  async setMethods(methods: string[]): Promise<void> {
    const added = methods.filter((m) => !this.methods.includes(m));
    this.methods = methods;
    if (added.length && this.index !== null) await this.explain();
  }

  async explain(): Promise<void> {
    if (this.index === null || this.methods.length === 0) return;
    await this.cancel();
    const jobId = newJobId('explain');
    this.jobId = jobId;
    this.running = true;
    this.error = null;
    this.errorCode = null;
    this.stopped = false;
    this.interrupted = false;
    if (this.frame && this.frame.index !== this.index) {
      this.frame = null;
      this.predictions = [];
      this.target = null;
    }
    this.maps = {};
    this.progress = {};
    this.failures = {};
    this.faithfulness = {};
    this.faithError = null;
    try {
      const summary = await getApi().invoke('image:explain', {
        jobId,
        image: this.index,
        classIndex: this.classChoice,
        versus: this.versus,
        methods: this.methods,
      });
      if (this.jobId !== jobId) return;
      const failures: Record<string, string> = {};
      for (const m of summary.methods) if (!m.ok) failures[m.id] = m.error ?? 'This method failed on this image.';
      this.failures = failures;
      this.onPrecision?.(summary.precision);
    } catch (e) {
      if (this.jobId === jobId && !isCancelled(e)) {
        this.error = errorText(e);
        this.errorCode = (e as { code?: string })?.code ?? null;
      }
      if (this.jobId === jobId) {
        this.interrupted = isEngineCrash(e);
        this.dropPreviews();
      }
    } finally {
      if (this.jobId === jobId) {
        this.jobId = null;
        this.running = false;
      }
    }
  }

  /** The user's Stop: what is not finished stays "Stopped" (not a progress bar frozen at its last value). */
  async stop(): Promise<void> {
    if (this.running) this.stopped = true;
    await this.cancel();
    this.dropPreviews();
  }

  /** A preview is not a result: when its job ends unfinished, the card says Stopped instead of showing an estimate. */
  private dropPreviews(): void {
    if (Object.values(this.maps).some((m) => m.preview)) this.maps = Object.fromEntries(Object.entries(this.maps).filter(([, m]) => !m.preview));
  }

  async cancel(): Promise<void> {
    const job = this.jobId;
    this.jobId = null;
    this.running = false;
    const faith = this.faithJob;
    this.faithJob = null;
    this.faithRunning = false;
    for (const j of [job, faith]) await cancelJob(j);
  }

  onImage(e: ExplainImageEvent): void {
    if (e.jobId !== this.jobId) return;
    this.frame = e.frame;
    this.predictions = e.predictions;
    this.target = e.target;
  }

  onMap(e: ExplainMapEvent): void {
    if (e.jobId !== this.jobId) return;
    this.maps = { ...this.maps, [e.method]: { map: e.map, width: e.width, height: e.height, flat: e.flat, timeMs: e.timeMs, ...(e.cached ? { cached: true } : {}), ...(e.preview ? { preview: e.preview } : {}) } };
  }

  onProgress(p: JobProgress): void {
    if (p.jobId === this.jobId && p.method) this.progress = { ...this.progress, [p.method]: { done: p.done, total: p.total } };
  }

  async measureFaithfulness(): Promise<void> {
    if (this.index === null) return;
    const methods = this.methods.filter((m) => this.maps[m] && !this.maps[m].preview);
    if (!methods.length) return;
    const jobId = newJobId('faith');
    this.faithJob = jobId;
    this.faithRunning = true;
    this.faithError = null;
    try {
      const rows = await getApi().invoke('image:faithfulness', {
        jobId,
        image: this.index,
        classIndex: this.target?.classIndex ?? this.classChoice,
        versus: this.target?.versus?.classIndex ?? null,
        methods,
      });
      if (this.faithJob !== jobId) return;
      this.faithfulness = Object.fromEntries(rows.map((r) => [r.method, r]));
    } catch (e) {
      if (this.faithJob === jobId && !isCancelled(e)) this.faithError = errorText(e);
    } finally {
      if (this.faithJob === jobId) {
        this.faithJob = null;
        this.faithRunning = false;
      }
    }
  }

  /** Zooms by `factor` keeping the point (px, py) in place (its offset from the box centre, as a share of the box). */
  zoomAt(factor: number, px = 0, py = 0): void {
    const { scale, x, y } = this.zoom;
    const next = Math.min(MAX_ZOOM, Math.max(1, scale * factor));
    const k = next / scale;
    this.setZoom(next, px - (px - x) * k, py - (py - y) * k);
  }

  /** A zoom of `scale` (1 = fit), centred on the current view. */
  zoomTo(scale: number): void {
    const { x, y, scale: s } = this.zoom;
    const next = Math.min(MAX_ZOOM, Math.max(1, scale));
    this.setZoom(next, (x * next) / s, (y * next) / s);
  }

  panTo(x: number, y: number): void {
    this.setZoom(this.zoom.scale, x, y);
  }

  fit(): void {
    this.zoom = { scale: 1, x: 0, y: 0 };
  }

  /** Keeps the content covering the box: the shift is at most half the overhang on each side. */
  private setZoom(scale: number, x: number, y: number): void {
    const limit = (scale - 1) / 2;
    const clamp = (t: number): number => Math.min(limit, Math.max(-limit, t));
    this.zoom = { scale, x: clamp(x), y: clamp(y) };
  }

  /** Frame pixels → original image pixels (where annotations are stored), and back. */
  toOriginal([x, y]: [number, number]): [number, number] {
    const t = this.frame?.transform;
    if (!t) return [x, y];
    return [(x + t.offsetX) / t.scaleX, (y + t.offsetY) / t.scaleY];
  }

  toFrame([x, y]: [number, number]): [number, number] {
    const t = this.frame?.transform;
    if (!t) return [x, y];
    return [x * t.scaleX - t.offsetX, y * t.scaleY - t.offsetY];
  }
}
