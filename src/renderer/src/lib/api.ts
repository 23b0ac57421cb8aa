import type { CamscopeApi } from '../../../shared/api';

export * from '../../../shared/api';

/** The bridge to the rest of the app (`window.camscope`), or a clear error when the page runs without it. */
export function getApi(): CamscopeApi {
  const api = window.camscope;
  if (!api) {
    throw new Error('camscope is not connected to its engine. Start it as the desktop app (npm run build, then launch).');
  }
  return api;
}

/** Turns anything thrown into a message for the user. */
export function errorText(e: unknown): string {
  if (e instanceof Error) {
    // Electron prefixes errors crossing IPC with "Error invoking remote method '…': Error: ".
    return e.message.replace(/^Error invoking remote method '[^']*': (?:Error: )?/, '');
  }
  return String(e);
}

/** Did the job end because the analysis engine's process stopped (crash, kill, memory ceiling)? */
export function isEngineCrash(e: unknown): boolean {
  return (e as { code?: string })?.code === 'ENGINE_CRASHED' || /analysis engine stopped unexpectedly/i.test(errorText(e));
}

/** Was this a cancelled job (the user pressed Cancel, or started another one)? */
export function isCancelled(e: unknown): boolean {
  return (e as { code?: string })?.code === 'CANCELLED' || /was cancelled/i.test(errorText(e));
}

let counter = 0;
/** A fresh id for a job (predictions, an explanation, an evaluation, an export). */
export function newJobId(kind: string): string {
  counter += 1;
  return `${kind}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Asks the engine to stop a job, and ignores one that already finished: the one way every job owner cancels. */
export async function cancelJob(jobId: string | null): Promise<void> {
  if (!jobId) return;
  try {
    await getApi().invoke('job:cancel', { jobId });
  } catch {
    // already finished
  }
}
