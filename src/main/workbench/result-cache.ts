/**
 * The result cache in the open project (see engine/cache/results.ts): predictions, maps and per-image faithfulness
 * keyed by model and image content, so a reopened project or an evaluation's drill-down runs no model again. It is
 * only a shortcut: a project that cannot be read or written costs a recomputation, never a result.
 */
import type { FaithfulnessRow } from '../../shared/api';
import { contentId } from '../engine/evaluate/run';
import { decodeMap, mapKey } from '../engine/cache/results';
import type { MethodOutcome } from '../engine/explain';
import { createMethod } from '../engine/methods/registry';
import { explainedClass, versusClass, type MapClass } from './map-class';
import type { WorkbenchState } from './state';

export interface CacheEntry {
  key: string;
  kind: string;
  bytes: Uint8Array;
}

type Usage = Record<string, { entries: number; bytes: number }>;

export class ResultCache {
  constructor(private readonly state: WorkbenchState) {}

  /** Cached entries, or nothing when no project is open or its file cannot be read now (the cache is only a shortcut). */
  fromCache<T>(read: (get: (key: string) => Uint8Array | null) => T, none: T): T {
    if (!this.state.projectPath) return none;
    try {
      return this.state.withDb((db) => read((key) => db.cacheGet(key)));
    } catch {
      return none;
    }
  }

  storeInCache(entries: CacheEntry[]): void {
    if (!entries.length || !this.state.projectPath) return;
    try {
      this.state.withDb((db) => db.cachePut(entries));
    } catch {
      // A cache that cannot be written (read-only or full disk) costs a recomputation later, never the result.
    }
  }

  /** The cached map of one method for an image and class (or contrast), if the project holds it. */
  cachedMap(index: number, target: MapClass, methodId: string): MethodOutcome | null {
    const classifier = this.state.requireModel();
    const method = createMethod(methodId);
    const content = contentId(this.state.item(index).path);
    if (!content) return null;
    const bytes = this.fromCache((get) => get(mapKey(classifier, content, explainedClass(target), method, versusClass(target))), null);
    if (!bytes) return null;
    const { result, timeMs } = decodeMap(bytes);
    return { method: methodId, settings: method.settings, result, timeMs };
  }

  /** What the project's cache holds, and clears it (the Model screen's cache setting). */
  cacheUsage(): Usage {
    return this.state.withDb((db) => db.cacheUsage());
  }

  clearCache(): Usage {
    this.state.withDb((db) => db.cacheClear());
    return this.cacheUsage();
  }
}

/** One method's per-image faithfulness on the probability scale (the image view's numbers; the row the cache keeps). */
export function faithfulnessRow(method: string, Y: number, m: { O_prob: number; flat: boolean }): FaithfulnessRow {
  return { method, Y, O: m.O_prob, averageDropPct: Y > 0 ? (100 * Math.max(0, Y - m.O_prob)) / Y : 0, increase: m.O_prob >= Y, flat: m.flat };
}
