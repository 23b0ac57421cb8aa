/** The Sanity screen's state: the form, the running check's progress, and its result (kept until the next check). */
import type { JobProgress, SanityModeName, SanityResult } from '../api';
import { cancelJob, errorText, getApi, isCancelled, newJobId } from '../api';

/** Grad-CAM (milliseconds) and ScoreCAM++ (one pass per channel): a gradient and a score method, still quick on a few images. */
export const DEFAULT_SANITY_METHODS = ['gradcam', 'scorecam++'];
/** Images per check unless the user asks for more: each is explained once per stage, so a few give a first answer fast. */
export const DEFAULT_SANITY_IMAGES = 3;

export class SanityState {
  methods = $state<string[]>([...DEFAULT_SANITY_METHODS]);
  images = $state(DEFAULT_SANITY_IMAGES);
  mode = $state<SanityModeName>('cascading');
  seed = $state(0);

  running = $state(false);
  progress = $state.raw<JobProgress | null>(null);
  result = $state.raw<SanityResult | null>(null);
  /** What the result was computed on (the screen warns when another model, layer or folder is open now). */
  resultOf = $state.raw<{ model: string; layer: string; folder: string } | null>(null);
  error = $state<string | null>(null);
  /** The last check was stopped by the user. */
  stopped = $state(false);
  private jobId: string | null = null;

  /** Check the image open in the image view instead of a sample (offered only while one is open). */
  openImageOnly = $state(false);

  /** `openImage`: the dataset index of the image open in the image view, when the user chose it. */
  async run(of: { model: string; layer: string; folder: string; count: number; openImage?: number | null }): Promise<void> {
    if (this.running || !this.methods.length) return;
    const jobId = newJobId('sanity');
    this.jobId = jobId;
    this.running = true;
    this.error = null;
    this.stopped = false;
    this.progress = null;
    try {
      const result = await getApi().invoke('sanity:run', {
        jobId,
        methods: this.methods,
        // The whole folder when it has no more images than asked for, else a seeded sample (as the CLI's --sample).
        images: of.openImage != null ? { indices: [of.openImage] } : { sample: Math.max(1, Math.min(this.images, of.count)) },
        mode: this.mode,
        seed: this.seed,
      });
      if (this.jobId !== jobId) return;
      this.result = result;
      this.resultOf = { model: of.model, layer: of.layer, folder: of.folder };
    } catch (e) {
      if (this.jobId !== jobId) return;
      if (isCancelled(e)) this.stopped = true;
      else this.error = errorText(e);
    } finally {
      if (this.jobId === jobId) {
        this.jobId = null;
        this.running = false;
      }
    }
  }

  /** Stops the check; it ends (and says Stopped) when the engine rejects it. */
  async cancel(): Promise<void> {
    await cancelJob(this.jobId);
  }

  onProgress(p: JobProgress): void {
    if (p.jobId === this.jobId) this.progress = p;
  }
}
