/**
 * Which importer reads a regions path, told by content, not by extension: a JSON file by its structure (COCO,
 * COCO Camera Traps, QuPath GeoJSON, Label Studio, MegaDetector), an XML file by its root element (CVAT
 * `<annotations>`, ASAP `<ASAP_Annotations>`, Pascal VOC `<annotation>`); a folder by the files it holds (XML files
 * by their root, then GeoJSON, YOLO txt, mask PNGs).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { CamscopeError } from '../errors';
import { isCocoCameraTraps } from './cct';
import { isLabelStudio } from './labelstudio';
import { isMegaDetector } from './megadetector';
import { isGeoJson } from './qupath';
import { xmlRootName } from './xml';

export type RegionFormat = 'coco' | 'voc' | 'yolo' | 'masks' | 'qupath' | 'asap' | 'cvat' | 'labelstudio' | 'megadetector' | 'cct';

/** Each format's name as its users know it (import messages and summaries). */
export const REGION_FORMAT_NAMES: Record<RegionFormat, string> = {
  coco: 'COCO',
  voc: 'Pascal VOC',
  yolo: 'YOLO',
  masks: 'mask',
  qupath: 'QuPath GeoJSON',
  asap: 'ASAP XML',
  cvat: 'CVAT for images 1.1',
  labelstudio: 'Label Studio JSON',
  megadetector: 'MegaDetector output',
  cct: 'COCO Camera Traps',
};

const XML_ROOTS: Record<string, RegionFormat> = { annotation: 'voc', annotations: 'cvat', ASAP_Annotations: 'asap' };

export function walkFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => (e.isDirectory() ? walkFiles(join(dir, e.name)) : [join(dir, e.name)]));
}

const bad = (message: string): never => {
  throw new CamscopeError('INVALID_ARGUMENT', message);
};

/** Parses a regions file's text as JSON, or says in one sentence that it is not. */
export function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    return bad(`The regions file ${path} is not valid JSON (${e instanceof Error ? e.message : String(e)}).`);
  }
}

/** The JSON format of a parsed document. */
export function jsonFormat(doc: unknown, path: string): RegionFormat {
  if (Array.isArray(doc) && doc.length === 0) bad(`The regions file ${path} is an empty JSON list, so it holds no regions.`);
  if (isGeoJson(doc)) return 'qupath';
  if (isLabelStudio(doc)) return 'labelstudio';
  if (isMegaDetector(doc)) return 'megadetector';
  if (isCocoCameraTraps(doc)) return 'cct';
  const d = doc as { images?: unknown; annotations?: unknown } | null;
  if (d && !Array.isArray(d) && Array.isArray(d.images) && Array.isArray(d.annotations)) return 'coco';
  return bad(`The regions file ${path} is not COCO JSON: it needs "images" and "annotations" lists (nor is it QuPath GeoJSON, a Label Studio export or MegaDetector output).`);
}

/** The XML format of a file's text, by its root element. */
export function xmlFormat(text: string, path: string): RegionFormat {
  const root = xmlRootName(text);
  const format = root === null ? undefined : XML_ROOTS[root];
  if (format) return format;
  return bad(root === null
    ? `The regions file ${path} is not readable XML (no root element found).`
    : `The regions file ${path} is XML with the root element <${root}>, which is none of CVAT (<annotations>), ASAP (<ASAP_Annotations>) or Pascal VOC (<annotation>).`);
}

/** JSON or XML by the first character of the content. */
export function fileFormat(text: string, path: string): { format: RegionFormat; doc?: unknown } {
  const first = /\S/.exec(text.replace(/^\uFEFF/, ''))?.[0];
  if (first === '{' || first === '[') {
    const doc = parseJson(text, path);
    return { format: jsonFormat(doc, path), doc };
  }
  if (first === '<') return { format: xmlFormat(text, path) };
  return bad(`The regions file ${path} is neither JSON (COCO, QuPath GeoJSON, Label Studio, MegaDetector, COCO Camera Traps) nor XML (CVAT, ASAP, Pascal VOC); VOC, YOLO and mask files can also be read from a folder.`);
}

const isGeoJsonFile = (f: string): boolean => {
  const ext = extname(f).toLowerCase();
  if (ext === '.geojson') return true;
  if (ext !== '.json') return false;
  try {
    return isGeoJson(JSON.parse(readFileSync(f, 'utf8')));
  } catch {
    return false;
  }
};

/** The format of the files in a folder. */
export function folderFormat(dir: string): RegionFormat {
  const files = walkFiles(dir);
  const xml = files.filter((f) => extname(f).toLowerCase() === '.xml');
  if (xml.length) {
    const seen = new Map<RegionFormat, string>();
    for (const f of xml) {
      const format = xmlFormat(readFileSync(f, 'utf8'), f);
      if (!seen.has(format)) seen.set(format, relative(dir, f));
    }
    if (seen.size > 1) {
      const kinds = [...seen].map(([format, f]) => `${f} is ${REGION_FORMAT_NAMES[format]}`).join(', ');
      bad(`The regions folder ${dir} mixes XML formats (${kinds}); keep one format per folder.`);
    }
    return [...seen.keys()][0];
  }
  if (files.some(isGeoJsonFile)) return 'qupath';
  const exts = new Set(files.map((f) => extname(f).toLowerCase()));
  if (exts.has('.txt')) return 'yolo';
  if (exts.has('.png')) return 'masks';
  return bad(`The regions folder ${dir} holds no .xml (Pascal VOC, ASAP, CVAT), .geojson (QuPath), .txt (YOLO) or .png (mask) files.`);
}

/** Which importer reads PATH (a file by its content, a folder by the files it holds). */
export function detectRegionFormat(path: string): RegionFormat {
  if (!existsSync(path)) bad(`The regions path ${path} does not exist.`);
  if (statSync(path).isDirectory()) return folderFormat(path);
  return fileFormat(readFileSync(path, 'utf8'), path).format;
}
