/**
 * The engine process's memory ceiling: past it the engine is stopped with a clear message instead of swapping the
 * workstation to a halt or being OOM-killed with the app. Default: three quarters of the machine's memory;
 * CAMSCOPE_ENGINE_MEMORY_MB sets it (0 turns it off).
 */
import { totalmem } from 'node:os';

export function engineMemoryLimitMb(env: NodeJS.ProcessEnv = process.env): number | null {
  const raw = env.CAMSCOPE_ENGINE_MEMORY_MB;
  if (raw !== undefined && raw.trim() !== '') {
    const mb = Number(raw);
    if (Number.isFinite(mb) && mb >= 0) return mb === 0 ? null : Math.round(mb);
  }
  return Math.round((0.75 * totalmem()) / 2 ** 20);
}
