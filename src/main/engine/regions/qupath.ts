/**
 * QuPath GeoJSON (File → Export objects as GeoJSON, or exportObjectsToGeoJson): a FeatureCollection or a bare list
 * of Features, coordinates in full-resolution pixels with (0, 0) the top-left corner of the image. Polygon and
 * MultiPolygon (holes cut out), Point and MultiPoint are regions; lines have no area and are counted as skipped.
 * The class is `properties.classification.name` (or its `names`, joined as QuPath shows them: "Tumor: Positive");
 * `properties.objectType` says annotation, detection or cell — all three are taken; tiles and TMA cores are not
 * regions. One file per image (named after it), or one file whose features name their image in
 * `properties.imageName` (also `image` or `image_name`), which is what camscope's export writes for several images.
 */
import { CamscopeError } from '../errors';
import { openRing, rectangleAsBox } from './geometry';
import { appendTo, type SourceEntry } from './match';
import type { SkipTally } from './tally';
import type { Region, RegionShape } from './types';

type Pt = [number, number];
interface Feature { type?: string; geometry?: Geometry | null; properties?: Record<string, unknown> | null }
interface Geometry { type?: string; coordinates?: unknown; geometries?: Geometry[] }

const IMAGE_KEYS = ['imageName', 'image', 'image_name'];
const TAKEN_TYPES = new Set(['annotation', 'detection', 'cell']);

/** A GeoJSON document: a FeatureCollection, a Feature, or a non-empty list of Features. */
export function isGeoJson(doc: unknown): boolean {
  if (Array.isArray(doc)) return doc.length > 0 && doc.every((f) => !!f && typeof f === 'object' && (f as Feature).type === 'Feature');
  const t = (doc as Feature | null)?.type;
  return t === 'FeatureCollection' || t === 'Feature';
}

function features(doc: unknown): { list: Feature[]; image: string | null } {
  if (Array.isArray(doc)) return { list: doc as Feature[], image: null };
  const d = doc as { type: string; features?: unknown; properties?: Record<string, unknown> };
  if (d.type === 'Feature') return { list: [d as Feature], image: null };
  const image = IMAGE_KEYS.map((k) => d.properties?.[k]).find((v) => typeof v === 'string') as string | undefined;
  return { list: Array.isArray(d.features) ? (d.features as Feature[]) : [], image: image ?? null };
}

function className(p: Record<string, unknown>): string | null {
  const c = p.classification as { name?: unknown; names?: unknown } | undefined;
  if (c && typeof c.name === 'string' && c.name) return c.name;
  if (c && Array.isArray(c.names) && c.names.length) return c.names.map(String).join(': ');
  return null;
}

function position(v: unknown, why: () => never): Pt {
  if (!Array.isArray(v) || v.length < 2 || !Number.isFinite(v[0]) || !Number.isFinite(v[1])) why();
  return [(v as number[])[0], (v as number[])[1]];
}

function ring(v: unknown, why: (w: string) => never): Pt[] {
  if (!Array.isArray(v)) why('a ring that is not a list of positions');
  const pts = openRing((v as unknown[]).map((p) => position(p, () => why('a position that is not [x, y] numbers'))));
  if (pts.length < 3) why('a ring of fewer than three distinct positions');
  return pts;
}

function polygon(v: unknown, why: (w: string) => never): RegionShape {
  if (!Array.isArray(v) || v.length === 0) why('a Polygon without rings');
  const [outer, ...holes] = (v as unknown[]).map((r) => ring(r, why));
  return holes.length ? { kind: 'polygon', points: outer, holes } : rectangleAsBox(outer) ?? { kind: 'polygon', points: outer };
}

/** The shapes of a geometry; lines are counted in `tally` and give none. */
function shapes(g: Geometry, why: (w: string) => never, tally: SkipTally): RegionShape[] {
  const c = g.coordinates;
  const list = (): unknown[] => (Array.isArray(c) ? c : why(`a ${g.type} whose coordinates are not a list`));
  switch (g.type) {
    case 'Polygon':
      return [polygon(c, why)];
    case 'MultiPolygon':
      return list().map((p) => polygon(p, why));
    case 'Point': {
      const [x, y] = position(c, () => why('a Point that is not [x, y] numbers'));
      return [{ kind: 'point', x, y }];
    }
    case 'MultiPoint':
      return list().map((p) => {
        const [x, y] = position(p, () => why('a MultiPoint position that is not [x, y] numbers'));
        return { kind: 'point', x, y } as RegionShape;
      });
    case 'LineString':
    case 'MultiLineString':
      tally.add({ one: 'line', many: 'lines', why: 'QuPath lines and polylines have no area' });
      return [];
    case 'GeometryCollection':
      if (!Array.isArray(g.geometries)) why('a GeometryCollection without "geometries"');
      return g.geometries!.flatMap((x) => shapes(x, why, tally));
    default:
      return why(`a geometry of type ${JSON.stringify(g.type)}, which GeoJSON does not define`);
  }
}

/**
 * Reads a QuPath GeoJSON document. Features without an image name belong to `fileKey` (the file's own name, which
 * is matched to an image by its stem, or to the slide's QuPath tiles).
 */
export function parseQupath(doc: unknown, path: string, fileKey: string, tally: SkipTally): SourceEntry[] {
  const { list, image } = features(doc);
  const byImage = new Map<string, Region[]>();
  list.forEach((f, i) => {
    const why = (w: string): never => {
      throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} has an invalid feature (number ${i + 1}): ${w}.`);
    };
    if (!f || typeof f !== 'object' || f.type !== 'Feature') why('it is not a GeoJSON Feature');
    const p = (f.properties ?? {}) as Record<string, unknown>;
    const objectType = typeof p.objectType === 'string' ? p.objectType.toLowerCase() : 'annotation';
    if (!TAKEN_TYPES.has(objectType)) {
      tally.add({ one: `QuPath ${objectType} object`, many: `QuPath ${objectType} objects`, why: 'only annotations, detections and cells are regions' });
      return;
    }
    if (!f.geometry) {
      tally.add({ one: 'feature without a geometry', many: 'features without a geometry' });
      return;
    }
    const key = (IMAGE_KEYS.map((k) => p[k]).find((v) => typeof v === 'string') as string | undefined) ?? image ?? fileKey;
    const cls = className(p);
    const regions = shapes(f.geometry, why, tally).map((shape) => ({ shape, className: cls }));
    appendTo(byImage, key, regions);
  });
  // A named image is looked up by name, then as a slide (its QuPath tiles); the file's own name as a slide.
  return [...byImage].map(([key, regions]) => ({
    keys: key === fileKey ? [{ key, by: 'slide' as const }] : [{ key, by: 'name' as const }, { key, by: 'slide' as const }],
    regions,
  }));
}

const closed = (pts: Pt[]): Pt[] => [...pts, pts[0]];

/** A region's GeoJSON geometry (boxes as rectangles, rings closed); masks must be traced to polygons first. */
export function geoJsonGeometry(s: RegionShape): Geometry {
  if (s.kind === 'box') return { type: 'Polygon', coordinates: [closed([[s.x0, s.y0], [s.x1, s.y0], [s.x1, s.y1], [s.x0, s.y1]])] };
  if (s.kind === 'polygon') return { type: 'Polygon', coordinates: [s.points, ...(s.holes ?? [])].map(closed) };
  if (s.kind === 'point') return { type: 'Point', coordinates: [s.x, s.y] };
  throw new Error('geoJsonGeometry: trace masks to polygons before writing GeoJSON');
}

export interface GeoJsonFeatureIn {
  shape: RegionShape;
  className: string | null;
  name?: string;
  /** Written as properties.imageName when the file holds several images. */
  image?: string;
}

/** A QuPath-readable FeatureCollection of annotations. */
export function qupathFeatureCollection(items: readonly GeoJsonFeatureIn[]): object {
  return {
    type: 'FeatureCollection',
    features: items.map((it) => ({
      type: 'Feature',
      geometry: geoJsonGeometry(it.shape),
      properties: {
        objectType: 'annotation',
        ...(it.name ? { name: it.name } : {}),
        ...(it.className !== null ? { classification: { name: it.className } } : {}),
        ...(it.image !== undefined ? { imageName: it.image } : {}),
      },
    })),
  };
}
