/**
 * YOLO txt regions: one .txt per image (same relative path and stem), a line per object: `class cx cy w h` (a box)
 * or `class x1 y1 x2 y2 …` (a polygon, YOLO segmentation), all in units of the image's width and height; class
 * names one per line in classes.txt, obj.names or the folder's single *.names file.
 */
import { CamscopeError } from '../errors';
import type { Region } from './types';

export const YOLO_CLASS_FILES = ['classes.txt', 'obj.names'];

export function parseYoloTxt(text: string, path: string, classNames: string[] | null): Region[] {
  const regions: Region[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const f = line.trim().split(/\s+/).filter(Boolean);
    if (f.length === 0 || f[0].startsWith('#')) return;
    const v = f.map(Number);
    const bad = (why: string): never => {
      throw new CamscopeError('INVALID_ARGUMENT', `Line ${i + 1} of the YOLO file ${path} ${why}.`);
    };
    if (!v.every(Number.isFinite)) bad('has a value that is not a number');
    if (!Number.isInteger(v[0]) || v[0] < 0) bad('does not start with a class index');
    if (classNames && v[0] >= classNames.length) bad(`has class ${v[0]}, but the class names file lists ${classNames.length}`);
    const className = classNames ? classNames[v[0]] : String(v[0]);
    if (f.length === 5) {
      const [, cx, cy, w, h] = v;
      if (w < 0 || h < 0) bad('has a negative width or height');
      regions.push({ shape: { kind: 'box', x0: cx - w / 2, y0: cy - h / 2, x1: cx + w / 2, y1: cy + h / 2 }, className, relative: true });
    } else if (f.length >= 7 && f.length % 2 === 1) {
      const pts = Array.from({ length: (f.length - 1) / 2 }, (_, k) => [v[1 + 2 * k], v[2 + 2 * k]] as [number, number]);
      regions.push({ shape: { kind: 'polygon', points: pts }, className, relative: true });
    } else {
      bad('is neither "class cx cy w h" nor "class x1 y1 x2 y2 x3 y3 …"');
    }
  });
  return regions;
}

export function parseClassNames(text: string): string[] {
  return text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
}
