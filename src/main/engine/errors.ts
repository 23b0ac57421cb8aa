/**
 * Every failure the engine reports to a user carries a stable code (for the CLI's exit status, the IPC envelope
 * and tests) and a message written for a person who does not program.
 */
export type CamscopeErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_IMAGE'
  | 'IMAGE_TOO_LARGE'
  | 'INVALID_MODEL'
  | 'UNSUPPORTED_MODEL'
  | 'INVALID_PROFILE'
  | 'NO_SPATIAL_LAYER'
  | 'UNKNOWN_LAYER'
  | 'CLASS_OUT_OF_RANGE'
  | 'NUMERICAL_ERROR'
  | 'CANCELLED';

export class CamscopeError extends Error {
  readonly code: CamscopeErrorCode;
  constructor(code: CamscopeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CamscopeError';
    this.code = code;
  }
}

export function isCamscopeError(e: unknown): e is CamscopeError {
  return e instanceof CamscopeError;
}

/** Throws CANCELLED when the signal has fired; called between batches so cancellation lands within one batch. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CamscopeError('CANCELLED', 'The job was cancelled.');
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
