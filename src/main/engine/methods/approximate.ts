/**
 * Fast approximations of the score-weighted methods, named `<method id>@topk=N` and `<method id>@noscore`:
 *   - top-k (Faster Score-CAM's idea): of the channels the method would score, only the k of largest activation
 *     energy Σ_ij A_k,ij² at the target layer are scored and summed (ties: lower channel index); the others are
 *     dropped (weight 0, no pass). k ≥ the number of such channels gives the exact method.
 *   - score-free: no masked pass; every channel the method would score weighs 1: L = ReLU(Σ_k term(up_k)),
 *     min-max normalised (ScoreCAM++: Σ tanh(up_k); Score-CAM: Σ up_k).
 * They are never one of the paper's methods: `approximate: true`, and the display name says so.
 */
import { CamscopeError } from '../errors';
import type { Approximation } from './base';

export function approximateId(id: string, a: Approximation): string {
  return a.kind === 'topk' ? `${id}@topk=${a.k}` : `${id}@noscore`;
}

export function approximateName(name: string, a: Approximation): string {
  return a.kind === 'topk' ? `${name} (approximate: top ${a.k} channels by activation energy)` : `${name} (approximate: score-free, equal channel weights)`;
}

export function approximateSettings<T extends Record<string, string | number | boolean>>(settings: T, a: Approximation): T & Record<string, string | number | boolean> {
  return { ...settings, approximation: a.kind, ...(a.kind === 'topk' ? { topK: a.k } : {}) };
}

/** Parses the part after '@': `topk=N` (N a positive integer) or `noscore`. */
export function parseApproximation(spec: string): Approximation {
  const m = /^topk=(\d+)$/.exec(spec);
  if (m) {
    const k = Number(m[1]);
    if (!Number.isSafeInteger(k) || k < 1) throw new CamscopeError('INVALID_ARGUMENT', `topk needs a positive whole number of channels, got "${m[1]}".`);
    return { kind: 'topk', k };
  }
  if (spec === 'noscore') return { kind: 'noscore' };
  throw new CamscopeError('INVALID_ARGUMENT', `Unknown approximation "@${spec}"; use @topk=N or @noscore.`);
}
