/**
 * The message protocol between {@link EngineHost} (main) and an engine child process; it knows nothing of the domain
 * (the operations themselves are typed by the caller, see workbench/ops.ts).
 * Plain data only: every message crosses `postMessage` (structured clone; typed arrays are copied or transferred).
 */
/** Operation name → argument, result and (optionally) partial-result types. */
export type OpMap = Record<string, { args: unknown; result: unknown; partial?: unknown }>;

export interface Progress {
  /** Short machine-friendly stage name, e.g. `load-model`. */
  stage: string;
  /** 0..1 when known. */
  fraction?: number;
  /** Plain-language status line. */
  message?: string;
}

export interface WireError {
  /** An IpcErrorCode (engine codes pass through unchanged). */
  code: string;
  message: string;
}

export type HostToWorker =
  | { type: 'call'; id: number; op: string; args: unknown }
  | { type: 'cancel'; id: number };

export type WorkerToHost =
  /**
   * The child has the call and starts it. A call the child never acknowledged when it died was never run, so the
   * host may hand it to the next child instead of failing it (see EngineHost's `neverReceived`).
   */
  | { type: 'received'; id: number }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; error: WireError }
  | { type: 'progress'; id: number; progress: Progress }
  /** A piece of the result, delivered before the call ends (streamed maps, prediction batches). */
  | { type: 'partial'; id: number; value: unknown };

export function isWorkerToHost(msg: unknown): msg is WorkerToHost {
  if (typeof msg !== 'object' || msg === null) return false;
  const m = msg as { type?: unknown; id?: unknown };
  return (
    (m.type === 'received' || m.type === 'result' || m.type === 'error' || m.type === 'progress' || m.type === 'partial') &&
    typeof m.id === 'number'
  );
}

export function isHostToWorker(msg: unknown): msg is HostToWorker {
  if (typeof msg !== 'object' || msg === null) return false;
  const m = msg as { type?: unknown; id?: unknown; op?: unknown };
  if (typeof m.id !== 'number') return false;
  return m.type === 'cancel' || (m.type === 'call' && typeof m.op === 'string');
}
