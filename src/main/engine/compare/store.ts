/**
 * Per-image comparisons kept in the project file (ProjectDb's result store, kind 'compare'), keyed by everything
 * that determines them: both models (file fingerprint, preprocessing, output semantics, precision, layer), the
 * methods and their settings, the class match, the image's path and content identity (size and times, as
 * evaluations resume). A rerun of the same comparison, after a kill or not, reads what is already there.
 */
import { createHash } from 'node:crypto';
import { modelIdentity, type ResultStore } from '../cache/results';
import type { CamMethod } from '../methods/base';
import type { Classifier } from '../model/classifier';
import type { StoredComparison } from './types';

export const COMPARE_KIND = 'compare';
/** Bumped when what a stored comparison means changes (grid, distances), so older entries are not reused. */
const FORMAT = 1;

/** What a comparison's key depends on beyond the image: the two models, the methods and the class match. */
export function comparisonIdentity(a: Classifier, b: Classifier, methods: readonly CamMethod[], aToB: readonly number[]): unknown {
  const model = (c: Classifier) => ({ ...modelIdentity(c), layer: c.layer.name, layout: c.layer.layout });
  return { format: FORMAT, a: model(a), b: model(b), methods: methods.map((m) => ({ id: m.id, settings: m.settings })), aToB };
}

export function comparisonKey(identity: unknown, path: string, content: string | null): string {
  return `${COMPARE_KIND}:${createHash('sha256').update(JSON.stringify({ identity, path, content })).digest('hex').slice(0, 40)}`;
}

/** The stored comparison, or null when there is none (or it cannot be read: it is computed again). */
export function readComparison(store: ResultStore, key: string): StoredComparison | null {
  const bytes = store.cacheGet(key);
  if (!bytes) return null;
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes)) as StoredComparison;
    return value && typeof value.methods === 'object' && Array.isArray(value.predicted) ? value : null;
  } catch {
    return null;
  }
}

export function writeComparison(store: ResultStore, key: string, value: StoredComparison): void {
  store.cachePut([{ key, kind: COMPARE_KIND, bytes: new TextEncoder().encode(JSON.stringify(value)) }]);
}
