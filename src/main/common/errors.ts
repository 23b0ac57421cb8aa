import type { IpcError, IpcErrorCode } from '../../shared/api';

/**
 * An error meant for the user: a stable code plus a plain-language message. The IPC layer turns it into an
 * `{ ok: false, error }` envelope as is; any other thrown value becomes a generic INTERNAL error.
 */
export class AppError extends Error {
  readonly code: IpcErrorCode;
  constructor(code: IpcErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
  }
}

/** ENGINE_CRASHED errors of engine calls the dead engine never received (see {@link wasNeverReceived}). */
const neverReceived = new WeakSet<Error>();

/** Marks `e` (an ENGINE_CRASHED error) as that of a call the dead engine never read, so no work was lost with it. */
export function markNeverReceived<E extends Error>(e: E): E {
  neverReceived.add(e);
  return e;
}

/**
 * Whether this error is of a call sent in the instant between the engine's death and its notice: the engine never
 * read it, so running it again on the restarted engine loses nothing and repeats nothing.
 */
export function wasNeverReceived(e: unknown): boolean {
  return e instanceof Error && neverReceived.has(e);
}

/** Accepts AppError and anything shaped like it (the engine's CamscopeError has the same `code` + `message`). */
export function toIpcError(e: unknown): IpcError {
  if (e instanceof AppError) return { code: e.code, message: e.message };
  const code = e instanceof Error ? (e as Error & { code?: unknown }).code : undefined;
  if (e instanceof Error && e.name === 'CamscopeError' && typeof code === 'string') {
    return { code: code as IpcErrorCode, message: e.message };
  }
  const detail = e instanceof Error ? e.message : String(e);
  return {
    code: 'INTERNAL',
    message: `Something went wrong inside camscope${detail ? `: ${detail}` : ''}. The details are in the error log (Help → Open Error Log).`,
  };
}
