/** compare.json: the settings, the summary, every image (most different first) and the failed images. */
import type { CompareResult } from './types';

export interface CompareJson {
  camscope: string;
  created: string;
  elapsedSeconds: number;
  settings: CompareResult['settings'];
  summary: CompareResult['summary'];
  images: CompareResult['images'];
  failed: CompareResult['failed'];
}

export function buildCompareJson(r: CompareResult): CompareJson {
  return { camscope: r.settings.camscope, created: r.settings.created, elapsedSeconds: r.elapsedSeconds, settings: r.settings, summary: r.summary, images: r.images, failed: r.failed };
}

export function renderCompareJson(r: CompareResult): string {
  return `${JSON.stringify(buildCompareJson(r), null, 2)}\n`;
}
