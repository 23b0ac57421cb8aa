/**
 * Label Studio JSON export (labelstud.io/guide/export, "Label Studio JSON"): a list of tasks, each with `data` (the
 * image's URL) and `annotations[].result[]`. Positions are percentages of the image: pixels = value ×
 * original_width (or original_height) / 100. Rectangles turn `rotation` degrees clockwise about their top-left
 * corner (x, y); polygons are `points` [[x, y], …]; keypoints a point; ellipses (centre x, y, radiusX, radiusY,
 * rotation) and brushes (label-studio-converter's RLE, see brush-rle.ts) become masks at the original size. A
 * region with several labels counts once per label. Cancelled annotations and model predictions are not the
 * expert's; choices, text and other results are not regions: all counted as skipped.
 */
import { CamscopeError } from '../errors';
import { brushMask } from './brush-rle';
import { ellipseMask, rotatedBox } from './geometry';
import type { SourceEntry } from './match';
import type { SkipTally } from './tally';
import type { Region, RegionShape } from './types';

interface Result { type?: string; value?: Record<string, unknown>; original_width?: number; original_height?: number; image_rotation?: number }
interface Annotation { result?: Result[]; was_cancelled?: boolean }
/** Older exports call annotations `completions`. */
interface Task { data?: Record<string, unknown>; annotations?: Annotation[]; completions?: Annotation[]; predictions?: { result?: Result[] }[] }

/** A Label Studio export: a list of tasks, each with a `data` object. */
export function isLabelStudio(doc: unknown): boolean {
  return Array.isArray(doc) && doc.length > 0 && doc.every((t) => !!t && typeof t === 'object' && !Array.isArray(t) && typeof (t as Task).data === 'object' && (t as Task).data !== null);
}

/**
 * The image's name from a Label Studio URL: local files (`/data/local-files/?d=dir/x.jpg`) by their path, uploads
 * (`/data/upload/3/8f2c1a0b-x.jpg`) without the 8-character prefix Label Studio adds, cloud and web URLs by their
 * path. The result is matched to the dataset by its tail.
 */
export function labelStudioImageName(url: string): string {
  const d = /[?&]d=([^&]+)/.exec(url);
  if (d) return decodeURIComponent(d[1]);
  let path = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').replace(/[?#].*$/, '');
  try {
    path = decodeURIComponent(path);
  } catch {
    // keep it as written
  }
  if (/(^|\/)data\/upload\//.test(path)) path = path.replace(/(^|\/)([0-9a-f]{8})-([^/]+)$/, '$1$3');
  return path.replace(/^\/+/, '');
}

function imageUrl(t: Task): string | null {
  const data = t.data ?? {};
  if (typeof data.image === 'string') return data.image;
  const strings = Object.values(data).filter((v): v is string => typeof v === 'string');
  return strings.length === 1 ? strings[0] : null;
}

const LABEL_KEYS = ['rectanglelabels', 'polygonlabels', 'keypointlabels', 'brushlabels', 'ellipselabels', 'labels'];

function resultShapes(r: Result, bad: (why: string) => never): RegionShape[] | null {
  const v = r.value ?? {};
  const type = (r.type ?? '').replace(/labels$/, '');
  const W = r.original_width;
  const H = r.original_height;
  const sized = Number.isInteger(W) && Number.isInteger(H) && W! > 0 && H! > 0;
  const num = (k: string): number => {
    const x = v[k];
    if (typeof x !== 'number' || !Number.isFinite(x)) bad(`a ${r.type} result whose value.${k} is not a number`);
    return x as number;
  };
  const needSize = (): [number, number] => (sized ? [W!, H!] : bad(`a ${r.type} result without original_width and original_height`));
  if (type === 'rectangle') {
    const [W1, H1] = needSize();
    const x0 = (num('x') * W1) / 100;
    const y0 = (num('y') * H1) / 100;
    const x1 = x0 + (num('width') * W1) / 100;
    const y1 = y0 + (num('height') * H1) / 100;
    const rot = typeof v.rotation === 'number' ? v.rotation : 0;
    return [rot % 360 === 0 ? { kind: 'box', x0, y0, x1, y1 } : { kind: 'polygon', points: rotatedBox(x0, y0, x1, y1, rot, x0, y0) }];
  }
  if (type === 'polygon') {
    const [W1, H1] = needSize();
    const pts = v.points;
    if (!Array.isArray(pts) || pts.length < 3 || !pts.every((p) => Array.isArray(p) && Number.isFinite(p[0]) && Number.isFinite(p[1]))) bad('a polygon result whose value.points is not at least three [x, y] pairs');
    return [{ kind: 'polygon', points: (pts as number[][]).map((p) => [(p[0] * W1) / 100, (p[1] * H1) / 100] as [number, number]) }];
  }
  if (type === 'keypoint') {
    const [W1, H1] = needSize();
    return [{ kind: 'point', x: (num('x') * W1) / 100, y: (num('y') * H1) / 100 }];
  }
  if (type === 'ellipse') {
    const [W1, H1] = needSize();
    const rot = typeof v.rotation === 'number' ? v.rotation : 0;
    return [ellipseMask((num('x') * W1) / 100, (num('y') * H1) / 100, (num('radiusX') * W1) / 100, (num('radiusY') * H1) / 100, rot, W1, H1)];
  }
  if (type === 'brush') {
    const [W1, H1] = needSize();
    if (v.format !== 'rle' || !Array.isArray(v.rle)) bad('a brush result that is not RLE (value.format "rle", value.rle)');
    try {
      return [{ kind: 'mask', width: W1, height: H1, data: brushMask(v.rle as number[], W1, H1) }];
    } catch (e) {
      return bad(`a brush result whose RLE is damaged: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return null;
}

export function parseLabelStudio(doc: unknown, path: string, tally: SkipTally): SourceEntry[] {
  const tasks = doc as Task[];
  const entries: SourceEntry[] = [];
  tasks.forEach((t, i) => {
    const url = imageUrl(t);
    if (url === null) throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} has a task (number ${i + 1}) whose data names no image (no "image" URL).`);
    const name = labelStudioImageName(url);
    const bad = (why: string): never => {
      throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} has ${why} (task ${i + 1}, ${name}).`);
    };
    const regions: Region[] = [];
    let size: { width: number; height: number } | undefined;
    for (const a of t.annotations ?? t.completions ?? []) {
      if (a.was_cancelled) {
        tally.add({ one: 'cancelled annotation', many: 'cancelled annotations' });
        continue;
      }
      for (const r of a.result ?? []) {
        if (r.image_rotation) {
          tally.add({ one: 'result on a rotated image', many: 'results on rotated images', why: 'Label Studio image_rotation is not supported' });
          continue;
        }
        const shapes = resultShapes(r, bad);
        if (shapes === null) {
          tally.add({ one: `${r.type ?? 'untyped'} result`, many: `${r.type ?? 'untyped'} results`, why: 'not a region of the image' });
          continue;
        }
        if (r.value && (r.value as { closed?: unknown }).closed === false) {
          tally.add({ one: 'open polygon', many: 'open polygons', why: 'an open Label Studio polygon has no area' });
          continue;
        }
        if (Number.isInteger(r.original_width) && Number.isInteger(r.original_height)) size = { width: r.original_width!, height: r.original_height! };
        const labels = LABEL_KEYS.map((k) => r.value?.[k]).find((l) => Array.isArray(l) && l.length) as string[] | undefined;
        for (const className of labels ? labels.map(String) : [null]) for (const shape of shapes) regions.push({ shape, className });
      }
    }
    const predicted = (t.predictions ?? []).reduce((n, p) => n + (p.result?.length ?? 0), 0);
    tally.add({ one: 'predicted result', many: 'predicted results', why: "Label Studio predictions are a model's, not an expert's" }, predicted);
    entries.push({ keys: [{ key: name, by: 'name' }], regions, ...(size ? { size } : {}) });
  });
  return entries;
}
