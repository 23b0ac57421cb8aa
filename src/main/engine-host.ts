/**
 * Runs the engine in a worker thread so model loading and CAM computation never block Electron's main thread.
 *
 * - request/response by id over the protocol in ./engine-protocol
 * - progress messages forwarded to the caller's `onProgress`
 * - cancellation by id (or AbortSignal): the call rejects at once with CANCELLED and the worker aborts the job
 * - crash recovery: if the worker exits unexpectedly, every pending call rejects with ENGINE_CRASHED and the next
 *   call starts a fresh worker
 *
 * Free of 'electron' imports on purpose: it is unit-tested with a real worker thread.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { IpcErrorCode } from '../shared/api';
import { AppError } from './errors';
import type { EngineOps, OpMap, Progress, WorkerToHost } from './engine-protocol';
import { isWorkerToHost } from './engine-protocol';

export interface EngineHostOptions {
  /** The worker script (out/main/engine-worker.js in the app; a fixture in tests). */
  workerPath: string | URL;
  /** Extra Worker options (name, execArgv, resourceLimits, …). */
  workerOptions?: WorkerOptions;
  /** Called when a worker dies unexpectedly (after its pending calls were rejected with ENGINE_CRASHED). */
  onCrash?: (message: string) => void;
}

export interface CallOptions<P = unknown> {
  onProgress?: (progress: Progress) => void;
  /** Pieces of the result streamed before the call ends (maps, prediction batches, job progress). */
  onPartial?: (value: P) => void;
  /** Aborting it cancels the call (same as `cancel(id)`). */
  signal?: AbortSignal;
}

export interface EngineJob<R> {
  id: number;
  result: Promise<R>;
  cancel(): void;
}

interface Pending {
  worker: Worker;
  resolve(value: unknown): void;
  reject(error: AppError): void;
  onProgress?: (progress: Progress) => void;
  onPartial?: (value: unknown) => void;
  cleanup(): void;
}

const cancelledError = (): AppError => new AppError('CANCELLED', 'The job was cancelled.');

type PartialOf<T> = T extends { partial: infer P } ? P : never;

export class EngineHost<Ops extends OpMap = EngineOps> {
  private worker: Worker | null = null;
  private workersStarted = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Last uncaught error of each live worker, used to explain its exit. */
  private readonly lastError = new WeakMap<Worker, Error>();
  /** Workers we terminated on purpose (their exit is not a crash). */
  private readonly stopping = new WeakSet<Worker>();

  private readonly options: EngineHostOptions;

  constructor(options: EngineHostOptions) {
    this.options = options;
  }

  /** Number of calls waiting for an answer. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Whether a worker thread is currently running. */
  get running(): boolean {
    return this.worker !== null;
  }

  /**
   * How many workers have been started so far. A worker keeps state (the open model, the image folder), so a
   * caller that sees this change knows a fresh worker needs that state again.
   */
  get generation(): number {
    return this.workersStarted;
  }

  /** Starts the worker now if none is running (no-op otherwise); returns the generation in use. */
  warmUp(): number {
    this.ensureWorker();
    return this.workersStarted;
  }

  /** Starts `op` and returns its id, its result and a cancel function. */
  start<K extends keyof Ops & string>(
    op: K,
    args: Ops[K]['args'],
    opts: CallOptions<PartialOf<Ops[K]>> = {},
  ): EngineJob<Ops[K]['result']> {
    const id = this.nextId++;
    const cancel = (): void => {
      this.cancel(id);
    };
    const result = new Promise<Ops[K]['result']>((resolve, reject) => {
      if (opts.signal?.aborted) {
        reject(cancelledError());
        return;
      }
      let worker: Worker;
      try {
        worker = this.ensureWorker();
      } catch (e) {
        reject(new AppError('ENGINE_CRASHED', `The analysis engine could not start: ${(e as Error).message}`));
        return;
      }
      const onAbort = (): void => cancel();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        worker,
        resolve: resolve as (value: unknown) => void,
        reject,
        onProgress: opts.onProgress,
        onPartial: opts.onPartial as ((value: unknown) => void) | undefined,
        cleanup: () => opts.signal?.removeEventListener('abort', onAbort),
      });
      this.updateRef();
      worker.postMessage({ type: 'call', id, op, args });
    });
    return { id, result, cancel };
  }

  /** Runs `op` and resolves with its result. */
  call<K extends keyof Ops & string>(
    op: K,
    args: Ops[K]['args'],
    opts?: CallOptions<PartialOf<Ops[K]>>,
  ): Promise<Ops[K]['result']> {
    return this.start(op, args, opts).result;
  }

  /** Cancels a pending call: it rejects with CANCELLED now and the worker is told to stop. False if not pending. */
  cancel(id: number): boolean {
    const p = this.settle(id);
    if (!p) return false;
    p.reject(cancelledError());
    try {
      p.worker.postMessage({ type: 'cancel', id });
    } catch {
      // worker already gone: nothing to stop
    }
    return true;
  }

  /**
   * Kills the worker as a crash would (pending calls reject with ENGINE_CRASHED, `onCrash` is told). For tests of
   * crash recovery (the web bridge's test hook); the app itself never calls it.
   */
  async kill(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    this.lastError.set(worker, new Error('the engine was stopped on purpose (test)'));
    await worker.terminate();
    await exited;
  }

  /** Stops the worker; pending calls reject with CANCELLED. The next call starts a fresh worker. */
  async dispose(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(cancelledError());
    if (worker) {
      this.stopping.add(worker);
      await worker.terminate();
    }
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.options.workerPath, { name: 'camscope-engine', ...this.options.workerOptions });
    worker.on('message', (msg: unknown) => this.onMessage(msg));
    worker.on('error', (err: Error) => this.lastError.set(worker, err));
    worker.on('messageerror', (err: Error) => console.error('[engine] could not read a worker message', err));
    worker.on('exit', (code) => this.onExit(worker, code));
    this.worker = worker;
    this.workersStarted++;
    return worker;
  }

  private onMessage(msg: unknown): void {
    if (!isWorkerToHost(msg)) return;
    const m: WorkerToHost = msg;
    if (m.type === 'progress') {
      const p = this.pending.get(m.id);
      try {
        p?.onProgress?.(m.progress);
      } catch (e) {
        console.error('[engine] progress listener threw', e);
      }
      return;
    }
    if (m.type === 'partial') {
      const p = this.pending.get(m.id);
      try {
        p?.onPartial?.(m.value);
      } catch (e) {
        console.error('[engine] partial-result listener threw', e);
      }
      return;
    }
    const p = this.settle(m.id);
    if (!p) return; // cancelled or unknown: ignore late answers
    if (m.type === 'result') p.resolve(m.value);
    else p.reject(new AppError(m.error.code as IpcErrorCode, m.error.message));
  }

  private onExit(worker: Worker, code: number): void {
    if (this.worker === worker) this.worker = null;
    if (this.stopping.has(worker)) return;
    const err = this.lastError.get(worker);
    const reason = err ? `: ${err.message}` : ` (exit code ${code})`;
    const message =
      `The analysis engine stopped unexpectedly${reason}. ` +
      'camscope will restart it on your next action; please try again.';
    for (const [id, p] of [...this.pending]) {
      if (p.worker !== worker) continue;
      this.settle(id);
      p.reject(new AppError('ENGINE_CRASHED', message, { cause: err }));
    }
    try {
      this.options.onCrash?.(message);
    } catch (e) {
      console.error('[engine] crash listener threw', e);
    }
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    p.cleanup();
    this.updateRef();
    return p;
  }

  /** An idle worker must not keep the process alive (CLI, tests); a busy one must. */
  private updateRef(): void {
    if (!this.worker) return;
    if (this.pending.size > 0) this.worker.ref();
    else this.worker.unref();
  }
}
