/** The Model screen's layer sweep: Grad-CAM of one image at each of the model's last candidate layers. */
import type { JobProgress, LayerSweep } from '../api';
import { cancelJob, errorText, getApi, isCancelled, newJobId } from '../api';

/** Layers swept unless the user asks for more: the last six cover a ResNet's or VGG's last two stages. */
export const DEFAULT_SWEEP_LAYERS = 6;

export class SweepState {
  count = $state(DEFAULT_SWEEP_LAYERS);
  running = $state(false);
  progress = $state.raw<JobProgress | null>(null);
  result = $state.raw<LayerSweep | null>(null);
  /** The model the result belongs to (a new model drops it; another layer of the same model keeps it). */
  modelPath = $state<string | null>(null);
  error = $state<string | null>(null);
  private jobId: string | null = null;

  async run(image: number, classIndex: number | null, modelPath: string): Promise<void> {
    await this.cancel();
    const jobId = newJobId('sweep');
    this.jobId = jobId;
    this.running = true;
    this.error = null;
    this.progress = null;
    try {
      const result = await getApi().invoke('model:sweepLayers', { jobId, image, classIndex, count: this.count });
      if (this.jobId !== jobId) return;
      this.result = result;
      this.modelPath = modelPath;
    } catch (e) {
      if (this.jobId === jobId && !isCancelled(e)) this.error = errorText(e);
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
    await cancelJob(job);
  }

  onProgress(p: JobProgress): void {
    if (p.jobId === this.jobId) this.progress = p;
  }

  /** A different model (or folder): the maps no longer apply. */
  forget(): void {
    void this.cancel();
    this.result = null;
    this.modelPath = null;
    this.error = null;
  }
}
