/**
 * Runs the engine in a child of its own — a separate OS process in the app (Electron's utility process) and in the
 * web bridge (child_process.fork) — so model loading, CAM computation and any native crash, abort or runaway memory
 * in onnxruntime, sharp or SQLite never block or take down the main process. (A worker thread, the same protocol
 * in-process, remains for tests of the protocol itself.)
 *
 * - request/response by id over the protocol in ./protocol
 * - progress messages forwarded to the caller's `onProgress`
 * - cancellation by id (or AbortSignal): the call rejects at once with CANCELLED and the engine aborts the job
 *   between native calls (cancelling never kills the process)
 * - crash recovery: if the child exits unexpectedly, every pending call rejects with ENGINE_CRASHED and the next
 *   call starts a fresh child
 * - a memory ceiling: a child whose resident memory passes it is stopped, and the calls fail with that reason
 *
 * Free of 'electron' imports on purpose: it is unit-tested with real worker threads and real processes.
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { IpcErrorCode } from '../../shared/api';
import { AppError, markNeverReceived } from '../common/errors';
import type { HostToWorker, OpMap, Progress, WorkerToHost } from './protocol';
import { isWorkerToHost } from './protocol';

/** One running engine, whatever runs it. */
export interface EngineChild {
  /** The OS process id (null for a worker thread). */
  readonly pid: number | null;
  postMessage(msg: HostToWorker): void;
  onMessage(listener: (msg: unknown) => void): void;
  /** Called once when the child is gone: its exit code, or the signal that ended it. */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  /** An uncaught error reported before the exit (worker threads), to explain it. */
  onError?(listener: (error: Error) => void): void;
  /** Whether a busy child keeps the parent's event loop alive (an idle one must not: CLI, tests). */
  setRef(ref: boolean): void;
  /** Ends it at once, as a crash would (SIGKILL for a process). */
  kill(): void;
}

export type SpawnEngine = () => EngineChild;

/** The engine in a worker thread of this process (tests of the protocol; no crash isolation). */
export function workerThreadEngine(path: string | URL, options?: WorkerOptions): SpawnEngine {
  return () => {
    const worker = new Worker(path, { name: 'camscope-engine', ...options });
    return {
      pid: null,
      postMessage: (msg) => worker.postMessage(msg),
      onMessage: (l) => void worker.on('message', l),
      onExit: (l) => void worker.once('exit', (code) => l(code, null)),
      onError: (l) => void worker.on('error', l),
      setRef: (ref) => (ref ? worker.ref() : worker.unref()),
      kill: () => void worker.terminate(),
    };
  };
}

export interface ForkOptions {
  /** Node flags, e.g. ['--import', 'tsx'] to run the TypeScript entry from source. */
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  /** V8 heap ceiling of the child (--max-old-space-size), in MiB. */
  maxHeapMb?: number;
}

/** The engine as a separate Node process (child_process.fork; typed arrays cross intact with 'advanced' serialization). */
export function forkedEngine(entry: string, options: ForkOptions = {}): SpawnEngine {
  return () => {
    const execArgv = [...(options.execArgv ?? []), ...(options.maxHeapMb ? [`--max-old-space-size=${options.maxHeapMb}`] : [])];
    const child = fork(entry, [], { execArgv, env: options.env ?? process.env, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let exited = false;
    child.once('exit', () => (exited = true));
    return {
      pid: child.pid ?? null,
      postMessage: (msg) => {
        if (!exited && child.connected) child.send(msg);
      },
      onMessage: (l) => void child.on('message', l),
      onExit: (l) => void child.once('exit', (code, signal) => l(code, signal)),
      // A failed spawn (missing entry, no node) surfaces as 'error' and an exit.
      onError: (l) => void child.on('error', l),
      setRef: (ref) => {
        const channel = (child as unknown as { channel?: { ref(): void; unref(): void } }).channel;
        if (ref) {
          child.ref();
          channel?.ref();
        } else {
          child.unref();
          channel?.unref();
        }
      },
      kill: () => void child.kill('SIGKILL'),
    };
  };
}

/** Resident memory of a process in bytes (Linux /proc), or null where it cannot be read. */
export function residentBytes(pid: number): number | null {
  try {
    const statm = readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ');
    return Number(statm[1]) * 4096;
  } catch {
    return null;
  }
}

export interface EngineHostOptions {
  /** Starts one engine child (a utility process in the app, a forked process in the bridge). */
  spawn?: SpawnEngine;
  /** Shorthand for `spawn: workerThreadEngine(workerPath, workerOptions)`. */
  workerPath?: string | URL;
  workerOptions?: WorkerOptions;
  /** Called when a child dies unexpectedly (after its pending calls were rejected with ENGINE_CRASHED). */
  onCrash?: (message: string) => void;
  /** Resident-memory ceiling of the engine process in MiB (checked twice a second; null or 0 = none). */
  memoryLimitMb?: number | null;
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
  worker: EngineChild;
  /** The child acknowledged the call ('received'): it may have started work. */
  received: boolean;
  resolve(value: unknown): void;
  reject(error: AppError): void;
  onProgress?: (progress: Progress) => void;
  onPartial?: (value: unknown) => void;
  cleanup(): void;
}

const cancelledError = (): AppError => new AppError('CANCELLED', 'The job was cancelled.');

type PartialOf<T> = T extends { partial: infer P } ? P : never;

export class EngineHost<Ops extends OpMap = OpMap> {
  private worker: EngineChild | null = null;
  private workersStarted = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Last uncaught error of each live child, or why we stopped it, used to explain its exit. */
  private readonly lastError = new WeakMap<EngineChild, Error>();
  /** Children we stopped on purpose (their exit is not a crash). */
  private readonly stopping = new WeakSet<EngineChild>();
  private memoryTimer: ReturnType<typeof setInterval> | null = null;

  private readonly options: EngineHostOptions;
  private readonly spawn: SpawnEngine;

  constructor(options: EngineHostOptions) {
    this.options = options;
    if (options.spawn) this.spawn = options.spawn;
    else if (options.workerPath) this.spawn = workerThreadEngine(options.workerPath, options.workerOptions);
    else throw new Error('EngineHost needs spawn or workerPath.');
  }

  /** The engine's OS process id, while one runs (null for a worker thread). */
  get pid(): number | null {
    return this.worker?.pid ?? null;
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
      let worker: EngineChild;
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
        received: false,
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
   * Kills the engine as a crash would (SIGKILL for a process; pending calls reject with ENGINE_CRASHED, `onCrash`
   * is told). For tests of crash recovery (the web bridge's test hook); the app itself never calls it.
   */
  async kill(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.onExit(() => resolve()));
    worker.kill();
    await exited;
  }

  /** Stops the engine; pending calls reject with CANCELLED. The next call starts a fresh one. */
  async dispose(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.stopMemoryWatch();
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(cancelledError());
    if (worker) {
      this.stopping.add(worker);
      const exited = new Promise<void>((resolve) => worker.onExit(() => resolve()));
      worker.kill();
      await exited;
    }
  }

  private ensureWorker(): EngineChild {
    if (this.worker) return this.worker;
    const worker = this.spawn();
    worker.onMessage((msg: unknown) => this.onMessage(msg));
    worker.onError?.((err: Error) => this.lastError.set(worker, err));
    worker.onExit((code, signal) => this.onExit(worker, code, signal));
    this.worker = worker;
    this.workersStarted++;
    this.watchMemory(worker);
    return worker;
  }

  /** Turns runaway memory into a clear error instead of a machine that swaps or an OOM kill of the whole app. */
  private watchMemory(worker: EngineChild): void {
    const limit = this.options.memoryLimitMb;
    this.stopMemoryWatch();
    if (!limit) return;
    this.memoryTimer = setInterval(() => {
      // Read each time: a utility process gets its pid only once it has spawned.
      const rss = worker.pid === null ? null : residentBytes(worker.pid);
      if (rss === null || rss <= limit * 2 ** 20 || this.worker !== worker) return;
      this.lastError.set(worker, new Error(`it used more than ${limit} MB of memory (its limit)`));
      worker.kill();
    }, 500);
    this.memoryTimer.unref();
  }

  private stopMemoryWatch(): void {
    if (this.memoryTimer) clearInterval(this.memoryTimer);
    this.memoryTimer = null;
  }

  private onMessage(msg: unknown): void {
    if (!isWorkerToHost(msg)) return;
    const m: WorkerToHost = msg;
    if (m.type === 'received') {
      const p = this.pending.get(m.id);
      if (p) p.received = true;
      return;
    }
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

  private onExit(worker: EngineChild, code: number | null, signal: string | null): void {
    if (this.worker === worker) {
      this.worker = null;
      this.stopMemoryWatch();
    }
    if (this.stopping.has(worker)) return;
    const err = this.lastError.get(worker);
    const reason = err ? `: ${err.message}` : signal ? ` (${signal === 'SIGKILL' ? 'it was killed' : signal === 'SIGABRT' ? 'it aborted' : `signal ${signal}`})` : ` (exit code ${code})`;
    const message =
      `The analysis engine stopped unexpectedly${reason}. ` +
      'camscope will restart it on your next action; please try again.';
    for (const [id, p] of [...this.pending]) {
      if (p.worker !== worker) continue;
      this.settle(id);
      const crashed = new AppError('ENGINE_CRASHED', message, { cause: err });
      // Sent to a child that died before it read it (a request made in the instant between the death and its
      // notice): no work was lost, and a caller may replay it on the next child (handlers/engine-client.ts does).
      if (!p.received) markNeverReceived(crashed);
      p.reject(crashed);
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
    this.worker?.setRef(this.pending.size > 0);
  }
}
