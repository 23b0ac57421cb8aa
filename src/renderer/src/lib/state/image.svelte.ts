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

export interface MapResult {
  map: Float32Array;
  width: number;
  height: number;
  flat: boolean;
  timeMs: number;
}

export type Tool = 'select' | AnnotationKind;
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

  tool = $state<Tool>('select');
  draft = $state.raw<Draft | null>(null);
  highlighted = $state<number | null>(null);

  /** Methods still expected, in the order they will arrive (fast first). */
  readonly pending = $derived(this.methods.filter((m) => !this.maps[m] && !this.failures[m]));

  /** A new model or layer: the results no longer apply, but the open image stays open. */
  invalidate(): void {
    void this.cancel();
    this.classChoice = null;
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
    this.compare = null;
    this.draft = null;
  }

  /** Opens an image (keeping the class choice only when asked) and explains it. */
  async open(index: number, classChoice: number | null = null): Promise<void> {
    if (index !== this.index) {
      this.draft = null;
      this.highlighted = null;
      this.compare = null;
    }
    this.index = index;
    this.classChoice = classChoice;
    await this.explain();
  }

  async setClass(classIndex: number | null): Promise<void> {
    if (classIndex === this.classChoice) return;
    this.classChoice = classIndex;
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
    this.interrupted = false;
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
        methods: this.methods,
      });
      if (this.jobId !== jobId) return;
      const failures: Record<string, string> = {};
      for (const m of summary.methods) if (!m.ok) failures[m.id] = m.error ?? 'This method failed on this image.';
      this.failures = failures;
      this.onPrecision?.(summary.precision);
    } catch (e) {
      if (this.jobId === jobId && !isCancelled(e)) this.error = errorText(e);
      if (this.jobId === jobId) this.interrupted = isEngineCrash(e);
    } finally {
      if (this.jobId === jobId) {
        this.jobId = null;
        this.running = false;
      }
    }
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
    this.maps = { ...this.maps, [e.method]: { map: e.map, width: e.width, height: e.height, flat: e.flat, timeMs: e.timeMs } };
  }

  onProgress(p: JobProgress): void {
    if (p.jobId === this.jobId && p.method) this.progress = { ...this.progress, [p.method]: { done: p.done, total: p.total } };
  }

  async measureFaithfulness(): Promise<void> {
    if (this.index === null) return;
    const methods = this.methods.filter((m) => this.maps[m]);
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
