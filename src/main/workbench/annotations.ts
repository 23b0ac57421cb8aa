/**
 * Annotations as the workbench sees them (rectangles, polygons and points with a label and a note, in the original
 * image's pixels) on top of the project database's rows, and their export as COCO-style JSON; AnnotationService
 * does both on the open project.
 */
import type { Annotation, AnnotationKind, AnnotationPatch, NewAnnotation } from '../../shared/api';
import { CamscopeError } from '../engine/errors';
import type { AnnotationRow } from '../engine/evaluate/project-db';
import { writeFileAtomic } from '../engine/io/atomic-write';
import { VERSION } from '../engine/version';
import type { ProjectService } from './project';
import type { WorkbenchState } from './state';

interface Geometry {
  points: [number, number][];
  imageSize: { width: number; height: number };
  /**
   * The image folder (its absolute root) the annotation was drawn on: with the dataset-relative path it names the
   * image, so another folder's file of the same relative name is not taken for it. Kept inside the geometry JSON, so
   * the project database's table is unchanged; absent in annotations made before it was recorded.
   */
  dataset?: string;
}

/** Checks the vertex count of each kind and returns the geometry JSON stored in the database. */
export function geometryJson(
  kind: AnnotationKind,
  points: number[][],
  imageSize: { width: number; height: number },
  dataset: string | null = null,
): string {
  const pts = points.map((p) => [p[0], p[1]] as [number, number]);
  if (kind === 'rect' && pts.length !== 2) throw new CamscopeError('INVALID_ARGUMENT', 'A rectangle needs exactly two corners.');
  if (kind === 'point' && pts.length !== 1) throw new CamscopeError('INVALID_ARGUMENT', 'A point annotation has exactly one point.');
  if (kind === 'polygon' && pts.length < 3) throw new CamscopeError('INVALID_ARGUMENT', 'A polygon needs at least three corners.');
  if (kind === 'rect') {
    // Stored normalised: top-left, then bottom-right.
    const [[x0, y0], [x1, y1]] = pts;
    pts.splice(0, 2, [Math.min(x0, x1), Math.min(y0, y1)], [Math.max(x0, x1), Math.max(y0, y1)]);
  }
  const geometry: Geometry = dataset ? { points: pts, imageSize, dataset } : { points: pts, imageSize };
  return JSON.stringify(geometry);
}

export function fromRow(row: AnnotationRow): Annotation {
  let g: Partial<Geometry> = {};
  try {
    g = JSON.parse(row.geometry) as Geometry;
  } catch {
    // A damaged row shows up as an annotation without vertices rather than breaking the list.
  }
  return {
    id: row.id,
    image: row.image,
    kind: (['rect', 'polygon', 'point'].includes(row.kind) ? row.kind : 'point') as AnnotationKind,
    label: row.label,
    note: row.note,
    points: Array.isArray(g.points) ? g.points : [],
    imageSize: g.imageSize ?? { width: 0, height: 0 },
    dataset: typeof g.dataset === 'string' ? g.dataset : null,
    created: row.created,
  };
}

export function newAnnotationGeometry(a: NewAnnotation, dataset: string | null = null): string {
  return geometryJson(a.kind, a.points, a.imageSize, dataset);
}

export interface CocoDocument {
  info: { description: string; version: string; date_created: string; dataset_root: string | null };
  images: { id: number; file_name: string; width: number; height: number }[];
  categories: { id: number; name: string; supercategory: string }[];
  annotations: {
    id: number;
    image_id: number;
    category_id: number;
    /** [x, y, width, height] */
    bbox: [number, number, number, number];
    area: number;
    /** Polygons (and rectangles as 4-corner polygons); empty for points. */
    segmentation: number[][];
    iscrowd: 0;
    /** Points as COCO keypoints [x, y, visibility=2]. */
    keypoints?: [number, number, number];
    num_keypoints?: number;
    attributes: { kind: AnnotationKind; note: string; camscope_id: number; created: string };
  }[];
}

const round = (v: number): number => Math.round(v * 100) / 100;

/** Shoelace area of a polygon. */
function polygonArea(points: [number, number][]): number {
  let a = 0;
  for (let i = 0; i < points.length; i++) {
    const [x0, y0] = points[i];
    const [x1, y1] = points[(i + 1) % points.length];
    a += x0 * y1 - x1 * y0;
  }
  return Math.abs(a) / 2;
}

/** COCO-style JSON: one category per distinct label (sorted), one image per annotated file. */
export function toCoco(annotations: Annotation[], meta: { version: string; datasetRoot: string | null; now?: Date }): CocoDocument {
  const labels = [...new Set(annotations.map((a) => a.label || 'unlabelled'))].sort((a, b) => a.localeCompare(b));
  const files = [...new Set(annotations.map((a) => a.image))].sort((a, b) => a.localeCompare(b));
  const imageId = new Map(files.map((f, i) => [f, i + 1]));
  const categoryId = new Map(labels.map((l, i) => [l, i + 1]));
  const sizes = new Map<string, { width: number; height: number }>();
  for (const a of annotations) if (!sizes.has(a.image)) sizes.set(a.image, a.imageSize);
  return {
    info: {
      description: 'Annotations made in camscope',
      version: meta.version,
      date_created: (meta.now ?? new Date()).toISOString(),
      dataset_root: meta.datasetRoot,
    },
    images: files.map((f) => ({ id: imageId.get(f)!, file_name: f, width: sizes.get(f)!.width, height: sizes.get(f)!.height })),
    categories: labels.map((l) => ({ id: categoryId.get(l)!, name: l, supercategory: 'annotation' })),
    annotations: annotations.map((a, i) => {
      const xs = a.points.map((p) => p[0]);
      const ys = a.points.map((p) => p[1]);
      const x0 = Math.min(...xs);
      const y0 = Math.min(...ys);
      const bbox: [number, number, number, number] = [round(x0), round(y0), round(Math.max(...xs) - x0), round(Math.max(...ys) - y0)];
      const base = {
        id: i + 1,
        image_id: imageId.get(a.image)!,
        category_id: categoryId.get(a.label || 'unlabelled')!,
        bbox,
        iscrowd: 0 as const,
        attributes: { kind: a.kind, note: a.note, camscope_id: a.id, created: a.created },
      };
      if (a.kind === 'point') {
        const [x, y] = a.points[0] ?? [0, 0];
        return { ...base, area: 0, segmentation: [], keypoints: [round(x), round(y), 2] as [number, number, number], num_keypoints: 1 };
      }
      const corners: [number, number][] =
        a.kind === 'rect' ? [[bbox[0], bbox[1]], [bbox[0] + bbox[2], bbox[1]], [bbox[0] + bbox[2], bbox[1] + bbox[3]], [bbox[0], bbox[1] + bbox[3]]] : a.points;
      return { ...base, area: round(polygonArea(corners)), segmentation: [corners.flatMap(([x, y]) => [round(x), round(y)])] };
    }),
  };
}

/** The open project's annotations: listing, adding, editing and deleting them, and their COCO export. */
export class AnnotationService {
  constructor(
    private readonly state: WorkbenchState,
    private readonly project: Pick<ProjectService, 'context'>,
  ) {}

  listAnnotations(image?: string): Annotation[] {
    return this.state.withDb((db) => db.annotations(image).map(fromRow));
  }

  addAnnotation(a: NewAnnotation): Annotation {
    // The open folder is recorded with the annotation: another folder's file of the same relative path is not it.
    const geometry = newAnnotationGeometry(a, this.state.dataset?.root ?? null);
    return fromRow(this.state.withDb((db) => db.addAnnotation({ image: a.image, kind: a.kind, label: a.label.trim(), note: a.note, geometry })));
  }

  updateAnnotation(patch: AnnotationPatch): Annotation {
    return this.state.withDb((db) => {
      const current = db.annotation(patch.id);
      if (!current) throw new CamscopeError('INVALID_ARGUMENT', 'That annotation no longer exists.');
      const before = fromRow(current);
      const geometry = patch.points ? geometryJson(before.kind, patch.points, before.imageSize, before.dataset) : undefined;
      return fromRow(db.updateAnnotation(patch.id, { label: patch.label?.trim(), note: patch.note, geometry })!);
    });
  }

  deleteAnnotation(id: number): { deleted: boolean } {
    return { deleted: this.state.withDb((db) => db.deleteAnnotation(id)) };
  }

  async exportCoco(dest: string): Promise<{ path: string }> {
    const annotations = this.listAnnotations();
    const doc = toCoco(annotations, { version: VERSION, datasetRoot: this.state.dataset?.root ?? this.project.context().datasetRoot });
    await writeFileAtomic(dest, JSON.stringify(doc, null, 2) + '\n');
    return { path: dest };
  }
}
