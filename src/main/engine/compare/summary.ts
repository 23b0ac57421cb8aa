/**
 * From stored per-image comparisons to what compare.json reports: each image named (the names results use for each
 * model), the summary (accuracy per model, agreement, cross-table, per-method means), and the images ordered where
 * the models look most differently first.
 */
import type { DatasetItem } from '../evaluate/dataset';
import type { ClassMatch } from './classes';
import type { MapDistances } from './distance';
import type { Accuracy, ComparedImage, CompareSummary, MethodSummary, StoredComparison } from './types';

/** One image's item (its label in model A's own numbering) and its stored comparison. */
export interface ComparisonEntry {
  item: Pick<DatasetItem, 'file' | 'label' | 'labels'>;
  stored: StoredComparison;
}

/** The image as compare.json lists it, named with `names.a` and `names.b`. */
export function namedImage(e: ComparisonEntry, names: { a: readonly string[]; b: readonly string[] }, match: ClassMatch): ComparedImage {
  const [pa, pb] = e.stored.predicted;
  const [xa, xb] = e.stored.explained;
  return {
    file: e.item.file,
    label: e.item.label === null ? null : names.a[e.item.label],
    predicted: {
      a: { classIndex: pa.classIndex, className: names.a[pa.classIndex], probability: pa.probability },
      b: { classIndex: pb.classIndex, className: names.b[pb.classIndex], probability: pb.probability },
    },
    agree: match.aToB[pa.classIndex] === pb.classIndex,
    explained: { className: names.a[xa.classIndex], a: xa, b: xb },
    grid: e.stored.grid,
    methods: e.stored.methods,
  };
}

/** Right when the top class is the label (or, with several labels, one of them); labels are in A's numbering. */
function accuracy(entries: readonly ComparisonEntry[], predictedInA: (e: ComparisonEntry) => number): Accuracy | null {
  const labelled = entries.filter((e) => e.item.label !== null);
  if (!labelled.length) return null;
  const correct = labelled.filter((e) => (e.item.labels ?? [e.item.label]).includes(predictedInA(e))).length;
  return { correct, labelled: labelled.length, fraction: correct / labelled.length };
}

const mean = (v: number[]): number | null => (v.length ? v.reduce((s, x) => s + x, 0) / v.length : null);

function methodSummary(images: readonly ComparedImage[], method: string): MethodSummary {
  const d = images.map((i) => i.methods[method]).filter((x): x is MapDistances => x !== undefined);
  const r = d.map((x) => x.map_pearson).filter((x): x is number => x !== null);
  return {
    images: d.length,
    mean_map_max_abs_diff: mean(d.map((x) => x.map_max_abs_diff)),
    mean_map_pearson: mean(r),
    pearson_undefined: d.length - r.length,
    mean_map_top20_iou: mean(d.map((x) => x.map_top20_iou)),
  };
}

/** The summary of the compared images (in any order); `total` counts the images of the sample, failed ones too. */
export function summarize(
  entries: readonly ComparisonEntry[],
  images: readonly ComparedImage[],
  o: { total: number; failed: number; methods: readonly string[]; namesA: readonly string[]; match: ClassMatch },
): CompareSummary {
  const predA = (e: ComparisonEntry): number => e.stored.predicted[0].classIndex;
  // B's top class in A's numbering (the class of A with the same name).
  const predB = (e: ComparisonEntry): number => o.match.bToA[e.stored.predicted[1].classIndex];
  const agree = entries.filter((e) => predA(e) === predB(e)).length;
  const used = new Set(entries.flatMap((e) => [predA(e), predB(e)]));
  const order = [...used].sort((x, y) => x - y);
  const at = new Map(order.map((c, i) => [c, i]));
  const counts = order.map(() => order.map(() => 0));
  for (const e of entries) counts[at.get(predA(e))!][at.get(predB(e))!]++;
  return {
    images: o.total,
    compared: entries.length,
    failed: o.failed,
    accuracy: { a: accuracy(entries, predA), b: accuracy(entries, predB) },
    agreement: { agree, compared: entries.length, fraction: entries.length ? agree / entries.length : null },
    crossTable: { classes: order.map((c) => o.namesA[c]), counts },
    methods: Object.fromEntries(o.methods.map((m) => [m, methodSummary(images, m)])),
  };
}

/**
 * How alike the two maps of an image are, for ordering: the lowest Pearson r over its methods (a method whose r
 * is undefined counts 1 when its maps are equal, else 0), ties broken by the largest difference.
 */
function likeness(image: ComparedImage): { r: number; diff: number } {
  const d = Object.values(image.methods);
  const r = Math.min(...d.map((x) => x.map_pearson ?? (x.map_max_abs_diff === 0 ? 1 : 0)));
  return { r, diff: Math.max(...d.map((x) => x.map_max_abs_diff)) };
}

/** Images where the models look most differently first: lowest Pearson, then highest difference, then dataset order. */
export function orderByDifference(images: readonly ComparedImage[]): ComparedImage[] {
  const keyed = images.map((image, i) => ({ image, i, ...likeness(image) }));
  keyed.sort((x, y) => x.r - y.r || y.diff - x.diff || x.i - y.i);
  return keyed.map((k) => k.image);
}
