/**
 * Expert regions (ground truth for localization): boxes, polygons, points and masks per image, in the original
 * image's pixel coordinates (x right, y down, (0, 0) the top-left corner of the top-left pixel), optionally with a
 * class name. YOLO boxes arrive in units of the image's size and are scaled when the image's size is known.
 */
export type RegionShape =
  | { kind: 'box'; x0: number; y0: number; x1: number; y1: number }
  /** A closed outline; `holes` (QuPath and contour exports) are cut out of it (even-odd over all rings). */
  | { kind: 'polygon'; points: [number, number][]; holes?: [number, number][][] }
  | { kind: 'point'; x: number; y: number }
  /** Non-zero pixels are in the region; `data` is width·height values (row-major). Its size may differ from the image's. */
  | { kind: 'mask'; width: number; height: number; data: Uint8Array }
  /** A mask PNG read when needed (masks are not all kept in memory). */
  | { kind: 'mask-file'; path: string };

export interface Region {
  shape: RegionShape;
  /** Class name (category, VOC object name, YOLO class, annotation label); null when the source has none. */
  className: string | null;
  /** Coordinates in units of the image's width and height (YOLO) instead of pixels. */
  relative?: boolean;
}

/** Regions per image, keyed by the image's path relative to the dataset root with '/' separators. */
export interface RegionSet {
  /** Where they came from, e.g. `coco:regions.json`, `project annotations`. */
  source: string;
  /** sha256 of the source's content (files read in sorted order), so evaluation runs know when regions changed. */
  fingerprint: string;
  images: Map<string, Region[]>;
}

/** Keeps all regions, or only those whose class name equals the explained class (`--region-class target`). */
export type RegionClassFilter = 'all' | 'target';

export function filterRegions(regions: Region[], filter: RegionClassFilter, targetClass: string): Region[] {
  return filter === 'all' ? regions : regions.filter((r) => r.className === targetClass);
}
