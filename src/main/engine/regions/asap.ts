/**
 * ASAP XML (the Camelyon16/17 annotations): `<ASAP_Annotations><Annotations><Annotation Type PartOfGroup>` with
 * `<Coordinates><Coordinate Order X Y/>` in full-resolution slide pixels. Polygon → polygon; Rectangle → box (or
 * polygon when turned); Dot → point; PointSet → points; Spline → the polygon through its control points (ASAP draws
 * a smooth curve through them; the summary says so). The class is PartOfGroup ("None" = no class). One file per
 * slide, named after it; its regions go to the image of that stem or to the slide's QuPath tiles.
 */
import { CamscopeError } from '../errors';
import { openRing, rectangleAsBox } from './geometry';
import type { SourceEntry } from './match';
import type { SkipTally } from './tally';
import type { Region } from './types';
import { childNamed, childrenNamed, parseXml } from './xml';

type Pt = [number, number];

/** ASAP written on some locales uses a decimal comma ("10,5"). */
const number = (s: string | undefined): number => (s === undefined ? NaN : Number(s.includes('.') ? s : s.replace(',', '.')));

export function parseAsapXml(text: string, path: string, fileKey: string, tally: SkipTally, notes: SkipTally): SourceEntry[] {
  const root = parseXml(text, path);
  if (root.name !== 'ASAP_Annotations') throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} is not ASAP XML: its root element is <${root.name}>, not <ASAP_Annotations>.`);
  const regions: Region[] = [];
  const annotations = childNamed(root, 'Annotations');
  (annotations ? childrenNamed(annotations, 'Annotation') : []).forEach((a, i) => {
    const name = a.attrs.Name ? `"${a.attrs.Name}"` : `number ${i + 1}`;
    const bad = (why: string): never => {
      throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} has an invalid annotation ${name}: ${why}.`);
    };
    const coords = childNamed(a, 'Coordinates');
    const pts = (coords ? childrenNamed(coords, 'Coordinate') : [])
      .map((c) => ({ order: number(c.attrs.Order), p: [number(c.attrs.X), number(c.attrs.Y)] as Pt }))
      .sort((u, v) => u.order - v.order)
      .map((c) => c.p);
    if (pts.some(([x, y]) => !Number.isFinite(x) || !Number.isFinite(y))) bad('a Coordinate whose X or Y is not a number');
    const group = a.attrs.PartOfGroup;
    const className = group && group !== 'None' ? group : null;
    const type = (a.attrs.Type ?? 'Polygon').toLowerCase();
    const ring = openRing(pts);
    if (type === 'dot' || type === 'pointset') {
      if (!pts.length) bad('no Coordinate');
      for (const [x, y] of pts) regions.push({ shape: { kind: 'point', x, y }, className });
    } else if (type === 'polygon' || type === 'spline' || type === 'rectangle') {
      if (ring.length < 3) bad(`a ${a.attrs.Type} of fewer than three Coordinates`);
      if (type === 'spline') notes.add({ one: 'spline read as the polygon through its control points', many: 'splines read as the polygons through their control points' });
      const box = type === 'rectangle' ? rectangleAsBox(ring) : null;
      regions.push({ shape: box ?? { kind: 'polygon', points: ring }, className });
    } else {
      tally.add({ one: `${a.attrs.Type} annotation`, many: `${a.attrs.Type} annotations`, why: 'not a shape ASAP documents' });
    }
  });
  return regions.length ? [{ keys: [{ key: fileKey, by: 'slide' }], regions }] : [];
}
