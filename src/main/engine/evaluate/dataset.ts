/**
 * Datasets for evaluation: a folder in ImageFolder layout (one sub-folder per class) or a folder plus a labels CSV
 * (`file,label`), optionally sampled with a seed. DICOM files are found by their content (with or without .dcm);
 * each frame of a multi-frame file is an item of its own, `file#N` (from 1).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { CamscopeError } from '../errors';
import { IMAGE_EXTENSIONS } from '../image/decode';
import { dicomListing, isDicomFile } from '../image/dicom';
import { mulberry32 } from '../tensor/random';

export interface DatasetItem {
  /** Path relative to the root, '/'-separated. */
  file: string;
  path: string;
  /** Class index in the model's outputs, or null when unknown (the first label of a multi-label item). */
  label: number | null;
  labelName: string | null;
  /** Multi-label items: every label's class index (names that match no class are left out). */
  labels?: number[];
}

/** Several labels in one CSV field, e.g. "pneumonia;effusion" or "cat|dog". */
const MULTI_LABEL = /[;|]/;

export interface Dataset {
  root: string;
  labels: string | null;
  layout: 'imagefolder' | 'csv';
  items: DatasetItem[];
  /** How label names were mapped to class indices. */
  labelMapping: 'class-names' | 'sorted-order' | 'indices' | 'none';
  /** With 'sorted-order': the label names in class order (torchvision ImageFolder's classes), to name the classes. */
  classNames?: string[];
  /** Plain-language notes on what the listing skipped (folders named like images). */
  warnings?: string[];
}

/** The warning for a folder whose name ends like an image file's (`x.jpg/`), which the listings skip. */
export function imageNamedFolderWarning(shown: string): string {
  return `Skipped ${shown}: it is a folder named like an image file, so it was not searched; rename it if it holds images you want.`;
}

/** Is this directory entry a folder whose name ends like an image file's? */
export function isImageNamedFolder(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
}

/** Files no listing sniffs for DICOM content (to keep folders of sidecars and notes quick to list). */
const NEVER_DICOM = new Set(['.csv', '.txt', '.json', '.md', '.xml', '.html', '.py', '.onnx', '.zip', '.gz', '.npy', '.npz', '.pdf', '.db', '.sqlite']);

/** The paths a file contributes: itself, or one `file#N` per frame of a multi-frame DICOM file; none for non-images. */
function imagePaths(path: string, name: string, root: string, warnings: string[]): string[] {
  const ext = extname(name).toLowerCase();
  if (IMAGE_EXTENSIONS.includes(ext)) return [path];
  if (NEVER_DICOM.has(ext) || !isDicomFile(path)) return [];
  const listing = dicomListing(path);
  if ('skip' in listing) {
    warnings.push(`Skipped ${relative(root, path).split(sep).join('/')}: ${listing.skip}.`);
    return [];
  }
  return listing.frames === 1 ? [path] : Array.from({ length: listing.frames }, (_, i) => `${path}#${i + 1}`);
}

/**
 * Image files under `dir`, sorted, recursively (the frames of a multi-frame DICOM file in frame order). A folder
 * named like an image (`x.jpg/`, e.g. left by a copy or a glob) is skipped with a warning in `warnings` instead of
 * being taken for an image or searched, and so are DICOM files that hold no image (DICOMDIR, reports).
 */
export function listImageFiles(dir: string, root: string, warnings: string[]): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (!isImageNamedFolder(e.name)) return listImageFiles(path, root, warnings);
        warnings.push(imageNamedFolderWarning(relative(root, path).split(sep).join('/')));
        return [];
      }
      return imagePaths(path, e.name, root, warnings);
    });
}

/** A small RFC 4180 CSV reader (quoted fields, escaped quotes, CRLF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  return rows;
}

/**
 * Maps label names to class indices: by class name when every name is one; else by sorted order when there are
 * exactly as many names as classes (torchvision ImageFolder's convention); else by integer value; else unknown.
 */
function labelMapper(names: string[], classes: string[]): { map: (name: string) => number | null; how: Dataset['labelMapping']; names?: string[] } {
  const unique = [...new Set(names)].sort();
  const lower = classes.map((c) => c.toLowerCase());
  if (unique.every((n) => lower.includes(n.toLowerCase()))) return { map: (n) => lower.indexOf(n.toLowerCase()), how: 'class-names' };
  if (unique.every((n) => /^\d+$/.test(n) && Number(n) < classes.length)) return { map: (n) => Number(n), how: 'indices' };
  if (unique.length === classes.length) return { map: (n) => unique.indexOf(n), how: 'sorted-order', names: unique };
  return { map: () => null, how: 'none' };
}

export function loadDataset(root: string, classes: string[], labelsCsv?: string): Dataset {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new CamscopeError('INVALID_ARGUMENT', `Dataset folder not found: ${root}`);
  if (labelsCsv) {
    if (!existsSync(labelsCsv)) throw new CamscopeError('INVALID_ARGUMENT', `Labels file not found: ${labelsCsv}`);
    const rows = parseCsv(readFileSync(labelsCsv, 'utf8'));
    const header = rows[0]?.map((h) => h.trim().toLowerCase()) ?? [];
    const fi = header.indexOf('file');
    const li = header.indexOf('label');
    if (fi < 0 || li < 0) throw new CamscopeError('INVALID_ARGUMENT', `The labels file ${labelsCsv} needs a header row with "file" and "label" columns.`);
    const body = rows.slice(1);
    const namesOf = (field: string): string[] => field.split(MULTI_LABEL).map((n) => n.trim()).filter(Boolean);
    const multi = body.some((r) => MULTI_LABEL.test(r[li] ?? ''));
    const mapper = labelMapper(multi ? body.flatMap((r) => namesOf(r[li] ?? '')) : body.map((r) => r[li] ?? ''), classes);
    const items = body.map((r): DatasetItem => {
      const file = (r[fi] ?? '').replace(/\\/g, '/');
      if (!multi) return { file, path: join(root, file), label: mapper.map(r[li] ?? ''), labelName: r[li] ?? null };
      const labels = namesOf(r[li] ?? '').map(mapper.map).filter((l): l is number => l !== null);
      return { file, path: join(root, file), label: labels[0] ?? null, labelName: r[li] ?? null, labels };
    });
    if (items.length === 0) throw new CamscopeError('INVALID_ARGUMENT', `The labels file ${labelsCsv} lists no images.`);
    return { root, labels: labelsCsv, layout: 'csv', items, labelMapping: mapper.how, ...(mapper.names ? { classNames: mapper.names } : {}) };
  }
  const warnings: string[] = [];
  const files = listImageFiles(root, root, warnings);
  if (files.length === 0) throw new CamscopeError('INVALID_ARGUMENT', `No images found in ${root}.`);
  const rel = files.map((f) => relative(root, f).split(sep).join('/'));
  const folderOf = (r: string): string | null => (r.includes('/') ? r.split('/')[0] : null);
  const names = rel.map(folderOf).filter((n): n is string => n !== null);
  const mapper: ReturnType<typeof labelMapper> = names.length === rel.length ? labelMapper(names, classes) : { map: () => null, how: 'none' };
  const items = rel.map((file, i) => {
    const name = folderOf(file);
    return { file, path: files[i], label: name === null ? null : mapper.map(name), labelName: name };
  });
  return { root, labels: null, layout: 'imagefolder', items, labelMapping: mapper.how, warnings, ...(mapper.names ? { classNames: mapper.names } : {}) };
}

/** A seeded random sample of n items (Fisher–Yates with mulberry32), returned in dataset order. */
export function sampleItems<T>(items: T[], n: number | null, seed: number): T[] {
  if (n === null || n >= items.length) return items;
  const idx = items.map((_, i) => i);
  const rand = mulberry32(seed);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, n).sort((a, b) => a - b).map((i) => items[i]);
}
