/**
 * Pascal VOC XML regions: one XML file per image (same relative path and stem as the image), each <object> with a
 * <name> and a <bndbox>. VOC coordinates are 1-based inclusive pixel indices, so xmin..xmax covers the original
 * pixels xmin − 1 … xmax − 1, i.e. the box [xmin − 1, xmax) × [ymin − 1, ymax) in camscope's coordinates.
 */
import { CamscopeError } from '../errors';
import type { SkipTally } from './tally';
import type { Region } from './types';

const tag = (xml: string, name: string): string | null => {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? m[1].trim() : null;
};

function unescape(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** The regions of one VOC XML file, and its <filename> (null when absent). */
export function parseVocXml(xml: string, path: string, tally?: SkipTally): { filename: string | null; regions: Region[] } {
  if (!/<annotation[\s>]/.test(xml)) throw new CamscopeError('INVALID_ARGUMENT', `The VOC file ${path} has no <annotation> element.`);
  const regions: Region[] = [];
  for (const m of xml.matchAll(/<object(?:\s[^>]*)?>([\s\S]*?)<\/object>/g)) {
    const obj = m[1];
    const name = tag(obj, 'name');
    const box = tag(obj, 'bndbox');
    if (box === null) {
      // Objects without a box (e.g. only a segmentation reference) give no region.
      tally?.add({ one: 'object without a <bndbox>', many: 'objects without a <bndbox>' });
      continue;
    }
    const v = ['xmin', 'ymin', 'xmax', 'ymax'].map((k) => Number(tag(box, k)));
    if (!v.every(Number.isFinite) || v[2] < v[0] || v[3] < v[1]) {
      throw new CamscopeError('INVALID_ARGUMENT', `The VOC file ${path} has an object whose <bndbox> is not xmin ≤ xmax, ymin ≤ ymax numbers.`);
    }
    regions.push({ shape: { kind: 'box', x0: v[0] - 1, y0: v[1] - 1, x1: v[2], y1: v[3] }, className: name === null ? null : unescape(name) });
  }
  const filename = tag(xml, 'filename');
  return { filename: filename === null ? null : unescape(filename), regions };
}
