/**
 * A small XML reader for region files (CVAT, ASAP, Pascal VOC): elements, attributes and text, nothing more. No
 * DTDs or external entities are read (a region file never needs them, and they are a classic attack on XML parsers).
 */
import { CamscopeError } from '../errors';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (not its children's), entities decoded. */
  text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e] ?? m;
  });
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const NAME = /[^\s/>=]+/y;
const ATTR = /\s*([^\s/>=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;

/** Parses an XML document; throws a one-sentence error naming `path` (with the line) when it is not well-formed. */
export function parseXml(xml: string, path: string): XmlElement {
  const fail = (at: number, why: string): never => {
    const line = xml.slice(0, at).split('\n').length;
    throw new CamscopeError('INVALID_ARGUMENT', `The regions file ${path} is not well-formed XML (line ${line}: ${why}).`);
  };
  const root: XmlElement = { name: '', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  let i = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const top = stack[stack.length - 1];
    if (lt < 0) {
      top.text += decodeEntities(xml.slice(i));
      break;
    }
    if (lt > i) top.text += decodeEntities(xml.slice(i, lt));
    const skipTo = (end: string, from: number): number => {
      const k = xml.indexOf(end, from);
      if (k < 0) fail(lt, `an unclosed "${xml.slice(lt, lt + 9)}"`);
      return k + end.length;
    };
    if (xml.startsWith('<?', lt)) i = skipTo('?>', lt + 2);
    else if (xml.startsWith('<!--', lt)) i = skipTo('-->', lt + 4);
    else if (xml.startsWith('<![CDATA[', lt)) {
      const end = skipTo(']]>', lt + 9);
      top.text += xml.slice(lt + 9, end - 3);
      i = end;
    } else if (xml.startsWith('<!', lt)) {
      if (stack.length > 1) fail(lt, 'a declaration inside an element');
      const bracket = xml.indexOf('[', lt);
      const close = xml.indexOf('>', lt);
      i = bracket >= 0 && bracket < close ? skipTo(']>', bracket) : skipTo('>', lt);
    } else if (xml[lt + 1] === '/') {
      const close = skipTo('>', lt);
      const name = xml.slice(lt + 2, close - 1).trim();
      if (stack.length === 1 || top.name !== name) fail(lt, `</${name}> closes ${stack.length === 1 ? 'nothing' : `<${top.name}>`}`);
      stack.pop();
      i = close;
    } else {
      NAME.lastIndex = lt + 1;
      const m = NAME.exec(xml);
      if (!m) fail(lt, 'a "<" that starts no element');
      const el: XmlElement = { name: m![0], attrs: {}, children: [], text: '' };
      let k = NAME.lastIndex;
      for (;;) {
        ATTR.lastIndex = k;
        const a = ATTR.exec(xml);
        if (!a) break;
        el.attrs[a[1]] = decodeEntities(a[2] ?? a[3]);
        k = ATTR.lastIndex;
      }
      while (k < xml.length && /\s/.test(xml[k])) k++;
      if (stack.length === 1 && root.children.length) fail(lt, 'a second root element');
      top.children.push(el);
      if (xml.startsWith('/>', k)) i = k + 2;
      else if (xml[k] === '>') {
        stack.push(el);
        i = k + 1;
      } else fail(k, `an unreadable attribute in <${el.name}>`);
    }
  }
  if (stack.length > 1) fail(xml.length, `<${stack[stack.length - 1].name}> is never closed`);
  if (!root.children.length) fail(0, 'no element');
  return root.children[0];
}

export const childrenNamed = (el: XmlElement, name: string): XmlElement[] => el.children.filter((c) => c.name === name);
export const childNamed = (el: XmlElement, name: string): XmlElement | undefined => el.children.find((c) => c.name === name);

/** The root element's name without parsing the whole file (for telling formats apart). */
export function xmlRootName(xml: string): string | null {
  const m = /^(?:\uFEFF)?\s*(?:<\?[\s\S]*?\?>\s*|<!--[\s\S]*?-->\s*|<!DOCTYPE[^>[]*(?:\[[\s\S]*?\])?\s*>\s*)*<([^\s/>!?]+)/.exec(xml);
  return m ? m[1] : null;
}
