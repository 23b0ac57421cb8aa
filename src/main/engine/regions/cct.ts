/**
 * COCO Camera Traps (the LILA camera-trap datasets' format, "COCO Camera Traps format" in the MegaDetector
 * repository's data_management README): COCO's `images`, `categories` and `annotations`, with camera-trap fields on
 * images (`location`, `datetime`, `seq_id`, `seq_num_frames`, `frame_num`) and annotations (`sequence_level_annotation`).
 * A `bbox` [x, y, width, height] in pixels is a region; most annotations only name the species of a whole image or
 * sequence, and the category "empty" says there is no animal: both are counted as skipped, not taken. Images
 * without annotations are allowed. Images are matched by `file_name` (or its tail).
 */
import { CamscopeError } from '../errors';
import { appendTo, type SourceEntry } from './match';
import type { SkipTally } from './tally';
import type { Region } from './types';

interface CctImage { id: number | string; file_name?: string; width?: number; height?: number; [k: string]: unknown }
interface CctAnnotation { image_id: number | string; category_id?: number | string; bbox?: number[]; sequence_level_annotation?: boolean }

const IMAGE_FIELDS = ['location', 'datetime', 'seq_id', 'seq_num_frames', 'frame_num'];

/** COCO with camera-trap fields, or a category named "empty". */
export function isCocoCameraTraps(doc: unknown): boolean {
  const d = doc as { images?: unknown[]; annotations?: unknown[]; categories?: { name?: unknown }[] } | null;
  if (!d || !Array.isArray(d.images) || !Array.isArray(d.annotations)) return false;
  if ((d.categories ?? []).some((c) => String(c?.name).toLowerCase() === 'empty')) return true;
  if (d.annotations.some((a) => !!a && typeof a === 'object' && 'sequence_level_annotation' in a)) return true;
  return d.images.some((im) => !!im && typeof im === 'object' && IMAGE_FIELDS.some((k) => k in im));
}

export function parseCocoCameraTraps(doc: unknown, path: string, tally: SkipTally): SourceEntry[] {
  const d = doc as { images: CctImage[]; annotations: CctAnnotation[]; categories?: { id: number | string; name: string }[] };
  const names = new Map((d.categories ?? []).map((c) => [String(c.id), String(c.name)]));
  const images = new Map<string, CctImage>();
  d.images.forEach((im, i) => {
    if (typeof im?.file_name !== 'string' || !im.file_name) throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} has an image (number ${i + 1}) without a "file_name".`);
    images.set(String(im.id), im);
  });
  const regions = new Map<string, Region[]>();
  for (const a of d.annotations) {
    const im = images.get(String(a?.image_id));
    if (!im) throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} has an annotation for image id ${a?.image_id}, which is not in its "images" list.`);
    const className = a.category_id === undefined ? null : names.get(String(a.category_id)) ?? String(a.category_id);
    if (className?.toLowerCase() === 'empty') {
      tally.add({ one: 'annotation', many: 'annotations', why: 'category "empty": no animal, no region' });
      continue;
    }
    if (a.bbox === undefined) {
      tally.add({ one: 'species label without a box', many: 'species labels without a box', why: 'they name a whole image or sequence' });
      continue;
    }
    const b = a.bbox;
    if (!Array.isArray(b) || b.length !== 4 || !b.every(Number.isFinite) || b[2] < 0 || b[3] < 0) {
      throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} has an annotation of ${im.file_name} whose bbox is not [x, y, width, height] numbers.`);
    }
    const key = String(a.image_id);
    appendTo(regions, key, [{ shape: { kind: 'box', x0: b[0], y0: b[1], x1: b[0] + b[2], y1: b[1] + b[3] }, className }]);
  }
  return [...regions].map(([id, list]) => {
    const im = images.get(id)!;
    const sized = Number.isInteger(im.width) && Number.isInteger(im.height);
    return { keys: [{ key: im.file_name!, by: 'name' as const }], regions: list, ...(sized ? { size: { width: im.width!, height: im.height! } } : {}) };
  });
}
