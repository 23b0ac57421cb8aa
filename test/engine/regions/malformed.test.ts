/**
 * Malformed region sources: each gives one sentence naming the file (and nothing is taken from it), and content,
 * not the extension, decides the format.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectRegionFormat, loadRegions } from '../../../src/main/engine/regions/load';

const FIX = join(__dirname, '..', '..', 'fixtures', 'regions-formats');
const DATASET = ['cam/a.jpg'];
const dir = mkdtempSync(join(tmpdir(), 'camscope-malformed-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
/** The error's message: one sentence (one final full stop, none inside but in numbers and names), naming the file. */
function sentence(f: () => unknown, path: string): string {
  let message = '';
  try {
    f();
  } catch (e) {
    message = e instanceof Error ? e.message : String(e);
  }
  expect(message, 'no error').not.toBe('');
  expect(message).toContain(path);
  expect(message.endsWith('.')).toBe(true);
  expect(message.replace(path, 'PATH').replace(/\d\.\d/g, '').split(/\.\s/)).toHaveLength(1);
  return message;
}
const feature = (geometry: object) => JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', geometry, properties: { objectType: 'annotation' } }] });
const cvat = (inner: string) => `<annotations><version>1.1</version><image id="0" name="cam/a.jpg" width="4" height="4">${inner}</image></annotations>`;

describe('content decides the format', () => {
  it('reads a GeoJSON file named .json, a CVAT file named .txt and a Label Studio export named .data', () => {
    const geo = file('qupath-export.json', feature({ type: 'Point', coordinates: [1, 1] }));
    expect(detectRegionFormat(geo)).toBe('qupath');
    const xml = file('a.txt', cvat('<points label="x" points="1,1"/>'));
    expect(detectRegionFormat(xml)).toBe('cvat');
    expect(loadRegions(xml, DATASET).images.get('cam/a.jpg')).toEqual([{ shape: { kind: 'point', x: 1, y: 1 }, className: 'x' }]);
    const ls = file('export.data', JSON.stringify([{ data: { image: 'a.jpg' }, annotations: [] }]));
    expect(detectRegionFormat(ls)).toBe('labelstudio');
  });

  it('reads a single Pascal VOC file and a folder of ASAP files', () => {
    const voc = file('a.xml', '<annotation><filename>a.jpg</filename><object><name>deer</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox></object></annotation>');
    expect(loadRegions(voc, DATASET).images.get('cam/a.jpg')).toEqual([{ shape: { kind: 'box', x0: 0, y0: 0, x1: 2, y1: 2 }, className: 'deer' }]);
    const asapDir = join(dir, 'asap');
    mkdirSync(asapDir);
    writeFileSync(join(asapDir, 'a.xml'), '<ASAP_Annotations><Annotations><Annotation Type="Dot" PartOfGroup="None"><Coordinates><Coordinate Order="0" X="1" Y="2"/></Coordinates></Annotation></Annotations></ASAP_Annotations>');
    expect(loadRegions(asapDir, DATASET).images.get('cam/a.jpg')).toEqual([{ shape: { kind: 'point', x: 1, y: 2 }, className: null }]);
  });
});

describe('malformed sources: one sentence naming the file', () => {
  const cases: [string, string, RegExp][] = [
    ['empty.json', '[]', /is an empty JSON list, so it holds no regions/],
    ['other.json', '{"type": "Topology"}', /is not COCO JSON: it needs "images" and "annotations" lists \(nor is it QuPath GeoJSON/],
    ['other.xml', '<gpx><trk/></gpx>', /is XML with the root element <gpx>, which is none of CVAT/],
    ['broken.xml', '<annotations><image name="a.jpg"><box></annotations>', /is not well-formed XML \(line 1: <\/annotations> closes <box>\)/],
    ['plain.txt', 'hello', /is neither JSON .* nor XML/],
    ['ring.geojson', feature({ type: 'Polygon', coordinates: [[[0, 0], [1, 1], [0, 0]]] }), /has an invalid feature \(number 1\): a ring of fewer than three distinct positions/],
    ['circle.geojson', feature({ type: 'Circle', coordinates: [0, 0] }), /has an invalid feature \(number 1\): a geometry of type "Circle", which GeoJSON does not define/],
    ['xy.geojson', feature({ type: 'Point', coordinates: ['a', 1] }), /a Point that is not \[x, y\] numbers/],
    ['asap-bad.xml', '<ASAP_Annotations><Annotations><Annotation Name="A" Type="Polygon"><Coordinates><Coordinate Order="0" X="abc" Y="1"/></Coordinates></Annotation></Annotations></ASAP_Annotations>', /has an invalid annotation "A": a Coordinate whose X or Y is not a number/],
    ['video.xml', '', /is CVAT for video \(it has <track> elements\); export the task as "CVAT for images 1\.1" instead/],
    ['mask.xml', cvat('<mask label="x" rle="0, 20" left="0" top="0" width="2" height="2"/>'), /has a <mask> whose rle runs exceed its 2x2 box \(image cam\/a\.jpg\)/],
    ['box.xml', cvat('<box label="x" xtl="a" ytl="0" xbr="1" ybr="1"/>'), /has a <box> whose xtl is not a number \(image cam\/a\.jpg\)/],
    ['ls-rot.json', JSON.stringify([{ data: { image: 'a.jpg' }, annotations: [{ result: [{ type: 'rectanglelabels', value: { x: 1, y: 1, width: 1, height: 1, rotation: 30 } }] }] }]), /has a rectanglelabels result without original_width and original_height \(task 1, a\.jpg\)/],
    ['ls-brush.json', JSON.stringify([{ data: { image: 'a.jpg' }, annotations: [{ result: [{ type: 'brushlabels', original_width: 2, original_height: 1, value: { format: 'rle', rle: [0, 0, 0, 8, 7] } }] }] }]), /has a brush result whose RLE is damaged: the brush RLE ends before its last value/],
    ['md.json', JSON.stringify({ detection_categories: { 1: 'animal' }, images: [{ file: 'a.jpg', detections: [{ category: '1', conf: 0.9, bbox: [0, 0, 1] }] }] }), /has a detection whose bbox is not \[x, y, width, height\] numbers \(image a\.jpg\)/],
    ['cct.json', JSON.stringify({ images: [{ id: 1, file_name: 'a.jpg', location: 'x' }], annotations: [{ image_id: 2, category_id: 1, bbox: [0, 0, 1, 1] }], categories: [] }), /has an annotation for image id 2, which is not in its "images" list/],
  ];
  for (const [name, text, pattern] of cases) {
    it(name, () => {
      const path = name === 'video.xml' ? join(FIX, 'cvat', 'video.xml') : file(name, text);
      expect(sentence(() => loadRegions(path, DATASET), path)).toMatch(pattern);
    });
  }

  it('a folder mixing XML formats', () => {
    const mixed = join(dir, 'mixed');
    mkdirSync(mixed);
    writeFileSync(join(mixed, 'a.xml'), '<annotation></annotation>');
    writeFileSync(join(mixed, 'b.xml'), '<ASAP_Annotations></ASAP_Annotations>');
    expect(sentence(() => loadRegions(mixed, DATASET), mixed)).toMatch(/mixes XML formats \(a\.xml is Pascal VOC, b\.xml is ASAP XML\); keep one format per folder/);
  });
});
