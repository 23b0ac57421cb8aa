/**
 * The main process's side of the engine: every handler reaches the engine through one {@link EngineClient}.
 *
 * It guards the engine: job ids are unique, and the engine's state (the open project, model and image folder) is
 * mirrored here so a restarted worker gets it back after a crash. Where no project was opened, it makes an untitled
 * one (under `untitledDir`) and removes old untitled ones nobody saved.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Events, ExecutionProviderName, Precision } from '../../shared/api';
import type { EngineJob } from '../engine-host/host';
import type { EngineOps, ProjectContext } from '../workbench/ops';
import { AppError, wasNeverReceived } from '../common/errors';
import type { HandlerDeps } from './deps';

/** What is open in the engine, as main last saw it: replayed into a fresh engine after a crash. */
export interface Mirror {
  projectPath: string | null;
  model: { path: string; provider: ExecutionProviderName; precision: Precision; layer: string; intensity?: string | null } | null;
  datasetRoot: string | null;
  /** The second model of a model-vs-model comparison (the engine drops it when the model or folder changes). */
  comparison: string | null;
}

/** The partial results a job sends besides its progress. */
type PartialOf<K extends keyof EngineOps> = EngineOps[K] extends { partial: infer P } ? P : never;

export class EngineClient {
  private readonly deps: HandlerDeps;
  /** The handlers that open a project, model or folder record it here once the engine has it open. */
  readonly mirror: Mirror = { projectPath: null, model: null, datasetRoot: null, comparison: null };
  private syncedGeneration = 0;
  private syncing: Promise<void> | null = null;
  /** Running jobs by the renderer's id; `job` is null while the engine is still being prepared for it. */
  private readonly jobs = new Map<string, { job: EngineJob<unknown> | null; cancelled: boolean }>();
  private untitledCount = 0;

  constructor(deps: HandlerDeps) {
    this.deps = deps;
  }

  /**
   * Test hook (the web bridge's /__test/reset, once the engine was stopped): nothing is open any more, and the next
   * request starts the engine like a first start (a new untitled project, no "restarted" notice). Each end-to-end
   * spec file starts from a fresh app this way instead of inheriting the previous file's project and annotations.
   */
  forgetForTest(): void {
    this.mirror.projectPath = null;
    this.mirror.model = null;
    this.mirror.datasetRoot = null;
    this.mirror.comparison = null;
    this.syncedGeneration = 0;
  }

  /** Called by the engine host when the worker died: the renderer is told; the next call restores the state. */
  engineCrashed(message: string): void {
    this.deps.emit('engine:status', { state: 'crashed', message });
  }

  private untitledPath(): string {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    return path.join(this.deps.untitledDir, `untitled-${stamp}-${process.pid}-${++this.untitledCount}.camscope`);
  }

  /** Untitled projects nobody saved are kept for a while (in case the app crashed), then removed. */
  private async removeOldUntitled(maxAgeDays = 14): Promise<void> {
    const cutoff = Date.now() - maxAgeDays * 86_400_000;
    const names = await fs.readdir(this.deps.untitledDir).catch(() => [] as string[]);
    for (const name of names) {
      if (!/^untitled-.*\.camscope$/.test(name)) continue;
      const file = path.join(this.deps.untitledDir, name);
      const stat = await fs.stat(file).catch(() => null);
      if (stat && stat.mtimeMs < cutoff) await fs.rm(file, { force: true }).catch(() => {});
    }
  }

  /**
   * Makes sure the worker has the open project, model and folder: a fresh worker (first start, or after a crash)
   * gets them replayed before any other request.
   */
  private async sync(): Promise<void> {
    while (this.syncing) await this.syncing;
    const generation = this.deps.engine.warmUp();
    if (generation === this.syncedGeneration) return;
    const replay = async (): Promise<void> => {
      const { engine } = this.deps;
      const restarted = this.syncedGeneration !== 0;
      const lost: string[] = [];
      if (!this.mirror.projectPath) {
        await fs.mkdir(this.deps.untitledDir, { recursive: true });
        await this.removeOldUntitled();
        this.mirror.projectPath = this.untitledPath();
      }
      try {
        await engine.call('openProject', { path: this.mirror.projectPath });
      } catch (e) {
        if (wasNeverReceived(e)) throw e; // sent to an engine already dead: nothing was lost, the caller retries
        lost.push(`the project (${(e as Error).message})`);
        this.mirror.projectPath = this.untitledPath();
        await engine.call('openProject', { path: this.mirror.projectPath });
      }
      if (this.mirror.model) {
        try {
          await engine.call('loadModel', this.mirror.model);
        } catch (e) {
          if (wasNeverReceived(e)) throw e;
          lost.push(`the model (${(e as Error).message})`);
          this.mirror.model = null;
        }
      }
      if (this.mirror.datasetRoot) {
        try {
          await engine.call('openDataset', { root: this.mirror.datasetRoot });
        } catch (e) {
          if (wasNeverReceived(e)) throw e;
          lost.push(`the image folder (${(e as Error).message})`);
          this.mirror.datasetRoot = null;
        }
      }
      if (this.mirror.comparison && this.mirror.model && this.mirror.datasetRoot) {
        try {
          await engine.call('openComparison', { path: this.mirror.comparison });
        } catch (e) {
          if (wasNeverReceived(e)) throw e;
          lost.push(`the second model (${(e as Error).message})`);
          this.mirror.comparison = null;
        }
      }
      this.syncedGeneration = generation;
      if (restarted) {
        this.deps.emit('engine:status', {
          state: 'recovered',
          message: lost.length
            ? `The analysis engine was restarted, but camscope could not reopen ${lost.join(' and ')}.`
            : 'The analysis engine was restarted and your model, images and project were reopened.',
        });
      }
    };
    this.syncing = replay().finally(() => {
      this.syncing = null;
    });
    await this.syncing;
  }

  /** One request to the engine, once it has what is open. */
  async call<K extends keyof EngineOps & string>(op: K, args: EngineOps[K]['args']): Promise<EngineOps[K]['result']> {
    return this.onLiveEngine(async () => {
      await this.sync();
      return this.deps.engine.call(op, args);
    });
  }

  /**
   * Runs `attempt`; when it failed only because it went to an engine that had already died unnoticed (it never
   * received the request: a click in the instant after a kill), once more on the restarted engine with the state
   * replayed. A request the engine had received fails as a crash: that work was lost and the user is told.
   */
  private async onLiveEngine<T>(attempt: () => Promise<T>): Promise<T> {
    try {
      return await attempt();
    } catch (e) {
      if (!wasNeverReceived(e)) throw e;
      return attempt();
    }
  }

  /** Runs a job under the renderer's id, forwarding its partial results as events. */
  async job<K extends keyof EngineOps & string>(
    jobId: string,
    op: K,
    args: EngineOps[K]['args'],
    onPartial: (value: PartialOf<K>) => void,
  ): Promise<EngineOps[K]['result']> {
    if (this.jobs.has(jobId)) throw new AppError('BUSY', `A job with the id "${jobId}" is already running.`);
    const entry: { job: EngineJob<unknown> | null; cancelled: boolean } = { job: null, cancelled: false };
    this.jobs.set(jobId, entry);
    try {
      return await this.onLiveEngine(async () => {
        await this.sync();
        if (entry.cancelled) throw new AppError('CANCELLED', 'The job was cancelled.');
        const job = this.deps.engine.start(op, args, { onPartial });
        entry.job = job as EngineJob<unknown>;
        return await job.result;
      });
    } finally {
      if (this.jobs.get(jobId) === entry) this.jobs.delete(jobId);
    }
  }

  /** Stops the job of that id, also while the engine is still being prepared for it; false when none is running. */
  cancel(jobId: string): boolean {
    const entry = this.jobs.get(jobId);
    if (!entry) return false;
    this.jobs.delete(jobId);
    entry.cancelled = true;
    entry.job?.cancel();
    return true;
  }

  /** Forwards a job's progress as `job:progress`; anything else goes to `other`. */
  progressOrElse<T extends object>(jobId: string, value: T | Omit<Events['job:progress'], 'jobId'>, other: (v: T) => void): void {
    if ('stage' in value) this.deps.emit('job:progress', { ...value, jobId });
    else other(value);
  }

  /** Records what is open in the project file, so reopening the project reopens it; a failure only warns. */
  async recordContext(patch: Partial<ProjectContext>): Promise<void> {
    try {
      await this.call('setProjectContext', patch);
    } catch (e) {
      console.warn('[workbench] could not record the project context', e);
    }
  }
}
