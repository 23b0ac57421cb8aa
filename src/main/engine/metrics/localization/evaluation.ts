/**
 * Localization in evaluation runs: the options a run takes, what its settings record, the per-image values added to
 * each method's result, and the table columns computed from the records (so resumed runs agree, as for the rest).
 */
import type { ImageExplanation } from '../../explain';
import type { EvaluationSettings, ImageRecord, MethodResult, MetricTable } from '../../evaluate/types';
import type { RegionSet, RegionClassFilter } from '../../regions/types';
import type { ModelProfile } from '../../types';
import { DEFAULT_LOCALIZATION, localizationRow, type LocalizationSettings } from './index';
import { localizeImage } from './image';

export interface LocalizationSpec extends Partial<LocalizationSettings> {
  regions: RegionSet;
  regionClass?: RegionClassFilter;
}

export function localizationSettings(spec: LocalizationSpec): NonNullable<EvaluationSettings['localization']> {
  return {
    source: spec.regions.source,
    fingerprint: spec.regions.fingerprint,
    regionClass: spec.regionClass ?? 'all',
    pointingTolerance: spec.pointingTolerance ?? DEFAULT_LOCALIZATION.pointingTolerance,
    iouThreshold: spec.iouThreshold ?? DEFAULT_LOCALIZATION.iouThreshold,
  };
}

/** Adds pointing_hit, energy_in_region, rank_accuracy and iou to each method's result of an image that has regions. */
export async function addLocalization(
  results: Record<string, MethodResult>,
  r: Extract<ImageExplanation, { ok: true }>,
  file: string,
  spec: LocalizationSpec,
  profile: Pick<ModelProfile, 'inputSize' | 'resize'>,
): Promise<void> {
  const s = localizationSettings(spec);
  const values = await localizeImage(
    r.maps.map((m) => ({ method: m.method, map: m.result.map })),
    spec.regions.images.get(file),
    r.target.className,
    { width: r.image.originalWidth, height: r.image.originalHeight },
    profile,
    s,
  );
  if (!values) return;
  for (const [method, v] of Object.entries(values)) if (results[method]) Object.assign(results[method], v);
}

/** The table with each method's localization row added (unchanged when no record has localization values). */
export function withLocalization(table: MetricTable, records: readonly ImageRecord[]): MetricTable {
  const complete = records.filter((r) => table.methods.every((m) => r.methods[m]));
  if (!complete.some((r) => table.methods.some((m) => r.methods[m].pointing_hit !== undefined))) return table;
  const rows = { ...table.rows };
  for (const m of table.methods) {
    const loc = localizationRow(complete.map((r) => {
      const x = r.methods[m];
      return { v: x.pointing_hit === undefined ? undefined : x, flat: x.flat };
    }));
    rows[m] = { ...rows[m], ...loc };
  }
  return { ...table, rows };
}
