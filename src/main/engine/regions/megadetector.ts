/**
 * MegaDetector output (the batch-processing format, "MegaDetector output format" in the MegaDetector repository):
 * `images[]` with `file` (relative to the folder MegaDetector ran on) and `detections[]` of `category` (a key of
 * `detection_categories`, e.g. "1" = animal), `conf` and `bbox` [x, y, width, height] in fractions of the image's
 * width and height, origin top-left. Detections below the confidence threshold (default 0.2, a common choice for
 * MegaDetector v5) are counted as skipped; images MegaDetector could not read (`failure`) too.
 */
import { CamscopeError } from '../errors';
import type { SourceEntry } from './match';
import type { SkipTally } from './tally';
import type { Region } from './types';

export const DEFAULT_MEGADETECTOR_THRESHOLD = 0.2;

interface Detection { category?: string | number; conf?: number; bbox?: number[] }
interface MdImage { file?: string; detections?: Detection[] | null; failure?: string | null }

/** MegaDetector output: `images` whose entries have `file` (and `detections`), with `detection_categories`. */
export function isMegaDetector(doc: unknown): boolean {
  const d = doc as { images?: unknown; detection_categories?: unknown } | null;
  if (!d || typeof d !== 'object' || !Array.isArray(d.images)) return false;
  return typeof d.detection_categories === 'object' || (d.images.length > 0 && d.images.every((im) => !!im && typeof im === 'object' && 'file' in im && ('detections' in im || 'failure' in im)));
}

export function parseMegaDetector(doc: unknown, path: string, threshold: number, tally: SkipTally): SourceEntry[] {
  const d = doc as { images: MdImage[]; detection_categories?: Record<string, string> };
  const names = d.detection_categories ?? {};
  return d.images.map((im, i) => {
    if (typeof im?.file !== 'string' || !im.file) throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} has an image (number ${i + 1}) without a "file".`);
    const bad = (why: string): never => {
      throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} has ${why} (image ${im.file}).`);
    };
    const regions: Region[] = [];
    if (im.failure) tally.add({ one: 'image MegaDetector failed on', many: 'images MegaDetector failed on' });
    else {
      if (im.detections !== undefined && im.detections !== null && !Array.isArray(im.detections)) bad('"detections" that are not a list');
      for (const det of im.detections ?? []) {
        const b = det.bbox;
        if (!Array.isArray(b) || b.length !== 4 || !b.every(Number.isFinite) || b[2] < 0 || b[3] < 0) bad('a detection whose bbox is not [x, y, width, height] numbers');
        if (typeof det.conf !== 'number' || !Number.isFinite(det.conf)) bad('a detection without a numeric "conf"');
        if (det.conf! < threshold) {
          tally.add({ one: 'detection', many: 'detections', why: `confidence below ${threshold}` });
          continue;
        }
        const category = det.category === undefined ? null : String(det.category);
        const [x, y, w, h] = b!;
        regions.push({ shape: { kind: 'box', x0: x, y0: y, x1: x + w, y1: y + h }, className: category === null ? null : names[category] ?? category, relative: true });
      }
    }
    return { keys: [{ key: im.file, by: 'name' as const }], regions };
  });
}
