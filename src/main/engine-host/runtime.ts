/**
 * The worker side of the engine protocol, independent of the engine itself so it can be tested in-process over a
 * MessageChannel. {@link serveOps} answers `call` messages with `result` / `error`, forwards progress, and aborts the
 * handler's signal on `cancel`.
 */
import type { HostToWorker, OpMap, Progress, WireError, WorkerToHost } from './protocol';
import { isHostToWorker } from './protocol';
import { logError } from '../common/error-log';

export interface OpContext {
  /** Aborted when the host cancels this call; pass it to long-running engine work. */
  signal: AbortSignal;
  progress(progress: Progress): void;
  /** Sends a piece of the result before the call ends (ignored once the call is cancelled). */
  partial(value: unknown): void;
}

export type OpHandlers<Ops extends OpMap> = {
  [K in keyof Ops]: (args: Ops[K]['args'], ctx: OpContext) => Ops[K]['result'] | Promise<Ops[K]['result']>;
};

/** The subset of `parentPort` / `MessagePort` used here. */
export interface PortLike {
  on(event: 'message', listener: (value: unknown) => void): unknown;
  off(event: 'message', listener: (value: unknown) => void): unknown;
  postMessage(value: unknown): void;
}

/** Turns anything thrown by the engine into a wire error; engine errors keep their code and message. */
export function toWireError(e: unknown): WireError {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    if (e.name === 'CamscopeError' && typeof code === 'string') return { code, message: e.message };
    if (e.name === 'AbortError') return { code: 'CANCELLED', message: 'The job was cancelled.' };
    return { code: 'ENGINE_FAILED', message: `The analysis engine failed: ${e.message}` };
  }
  return { code: 'ENGINE_FAILED', message: `The analysis engine failed: ${String(e)}` };
}

/** Serves `handlers` on `port`; returns a function that stops listening. */
export function serveOps<Ops extends OpMap>(port: PortLike, handlers: OpHandlers<Ops>): () => void {
  const running = new Map<number, AbortController>();
  const post = (msg: WorkerToHost): void => port.postMessage(msg);

  const run = async (id: number, op: string, args: unknown): Promise<void> => {
    const controller = new AbortController();
    running.set(id, controller);
    const { signal } = controller;
    try {
      if (!Object.hasOwn(handlers, op)) {
        throw Object.assign(new Error(`camscope's engine has no operation named "${op}".`), { name: 'UnknownOp' });
      }
      const handler = handlers[op] as (a: unknown, ctx: OpContext) => unknown;
      const ctx: OpContext = {
        signal,
        progress: (progress) => {
          if (!signal.aborted) post({ type: 'progress', id, progress });
        },
        partial: (value) => {
          if (!signal.aborted) post({ type: 'partial', id, value });
        },
      };
      const value = await handler(args, ctx);
      if (signal.aborted) return; // the host has already settled this call
      try {
        post({ type: 'result', id, value });
      } catch (e) {
        // e.g. DataCloneError: report it instead of leaving the call hanging
        post({ type: 'error', id, error: toWireError(e) });
      }
    } catch (e) {
      const error = toWireError(e);
      // Unexpected failures keep their stack in the error log; the user gets the plain sentence.
      if (error.code === 'ENGINE_FAILED') logError(`engine operation ${op}`, e);
      if (!signal.aborted) post({ type: 'error', id, error });
    } finally {
      running.delete(id);
    }
  };

  const onMessage = (raw: unknown): void => {
    if (!isHostToWorker(raw)) return;
    const msg: HostToWorker = raw;
    if (msg.type === 'cancel') {
      running.get(msg.id)?.abort();
      return;
    }
    post({ type: 'received', id: msg.id });
    void run(msg.id, msg.op, msg.args);
  };

  port.on('message', onMessage);
  return () => {
    port.off('message', onMessage);
    for (const c of running.values()) c.abort();
    running.clear();
  };
}
