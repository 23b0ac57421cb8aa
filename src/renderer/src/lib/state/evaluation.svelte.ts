/** The evaluation view's state: the run form, the running job's progress, and the project's runs. */
import type { EvaluationDetail, EvaluationSummary, JobProgress, RegionImportResult, ScoreVariantName } from '../api';
import { cancelJob, errorText, getApi, isCancelled, isEngineCrash, newJobId } from '../api';

/** The methods of the paper's tables, the default selection. */
export const PAPER_METHODS = ['gradcam', 'gradcam++', 'xgradcam', 'layercam', 'scorecam', 'scorecam++'];

/** The reference method: a random map, the line every method should beat (the engine's REFERENCE_METHODS). */
export const REFERENCE_METHOD = 'random';

export class EvaluationState {
  methods = $state<string[]>([...PAPER_METHODS]);
  /** Include the random reference (on by default: a row to beat, never starred). */
  reference = $state(true);
  /** The last import of expert regions into the project (its one-sentence summary), and whether one is running. */
  lastImport = $state.raw<RegionImportResult | null>(null);
  importing = $state(false);
  /** Images to sample; null = every image. */
  sample = $state<number | null>(100);
  seed = $state(0);
  score = $state<ScoreVariantName>('prob');
  /** ROAD (off by default: 18 more model passes per image and method, and a run of its own). */
  road = $state(false);

  running = $state(false);
  progress = $state.raw<JobProgress | null>(null);
  error = $state<string | null>(null);
  /** The last run stopped because the engine did: one click runs it again, and it resumes where it was. */
  interrupted = $state(false);
  private jobId: string | null = null;

  runs = $state.raw<EvaluationSummary[]>([]);
  selectedId = $state<number | null>(null);
  detail = $state.raw<EvaluationDetail | null>(null);
  loadingDetail = $state(false);
  /** The project's runs have been listed (until then the screen says it is loading, not "no evaluation yet"). */
  loaded = $state(false);

  async refresh(): Promise<void> {
    try {
      this.runs = await getApi().invoke('evaluation:list');
      this.loaded = true;
      if (this.selectedId === null && this.runs.length) await this.select(this.runs[this.runs.length - 1].id);
      else if (this.selectedId !== null && !this.runs.some((r) => r.id === this.selectedId)) {
        this.selectedId = null;
        this.detail = null;
      }
    } catch (e) {
      this.error = errorText(e);
      this.loaded = true;
    }
  }

  async select(id: number): Promise<void> {
    this.selectedId = id;
    this.loadingDetail = true;
    try {
      const detail = await getApi().invoke('evaluation:get', { id });
      if (this.selectedId === id) this.detail = detail;
    } catch (e) {
      this.error = errorText(e);
    } finally {
      this.loadingDetail = false;
    }
  }

  /** The methods a run explains: the chosen ones, then the random reference when it is on. */
  runMethods(): string[] {
    return [...this.methods.filter((m) => m !== REFERENCE_METHOD), ...(this.reference ? [REFERENCE_METHOD] : [])];
  }

  async run(): Promise<void> {
    if (this.running || !this.methods.some((m) => m !== REFERENCE_METHOD)) return;
    const jobId = newJobId('evaluate');
    this.jobId = jobId;
    this.running = true;
    this.error = null;
    this.interrupted = false;
    this.progress = null;
    let crashed = false;
    try {
      const summary = await getApi().invoke('evaluation:run', {
        jobId,
        methods: this.runMethods(),
        sample: this.sample,
        seed: this.seed,
        score: this.score,
        road: this.road,
      });
      await this.refresh();
      await this.select(summary.id);
    } catch (e) {
      if (!isCancelled(e)) this.error = errorText(e);
      crashed = isEngineCrash(e);
      await this.refresh();
    } finally {
      if (this.jobId === jobId) {
        this.jobId = null;
        this.running = false;
      }
    }
    // Offered only once the run has ended, so "Resume" starts it again instead of finding it still running.
    this.interrupted = crashed;
  }

  /** Stops the run; it ends (and `running` clears) when the engine rejects it. */
  async cancel(): Promise<void> {
    await cancelJob(this.jobId);
  }

  onProgress(p: JobProgress): void {
    if (p.jobId === this.jobId) this.progress = p;
  }

  reset(): void {
    this.loaded = false;
    this.runs = [];
    this.selectedId = null;
    this.detail = null;
    this.error = null;
  }
}
