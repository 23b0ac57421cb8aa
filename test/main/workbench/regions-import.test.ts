/**
 * Importing expert regions into the project (workbench/regions.ts) from the committed fixtures under
 * test/fixtures/regions (an imaginary dataset of 8×4 images cat/1.jpg and dog/2.jpg; real 8×4 JPEGs are written
 * by useRegionProject so the import can read their sizes). Expected coordinates are worked out by hand from the fixture files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/main/engine/evaluate/project-db';
import { regionsInFrame } from '../../../src/main/engine/regions/frame';
import { loadRegions } from '../../../src/main/engine/regions/load';
import { fromRow } from '../../../src/main/workbench/annotations';
import { evaluationRegionsOf, importRegions, projectFolderRegions } from '../../../src/main/workbench/regions';
import { useRegionProject } from '../../helpers/region-project';

const FIXTURES = path.resolve(__dirname, '../../fixtures/regions');
const FILES = ['cat/1.jpg', 'dog/2.jpg'];
// A frame the size of the images (stretch = identity), so frame pixels are the images' pixels.
const PROFILE = { inputSize: [4, 8] as [number, number], resize: 'stretch' as const };

const project = useRegionProject({ prefix: 'camscope-regions-', files: FILES, width: 8, height: 4 });
const { target, withDb } = project;

/** The union mask and points of an image's regions in the 8×4 frame. */
async function pixels(regions: Parameters<typeof regionsInFrame>[0] | undefined) {
  const f = await regionsInFrame(regions ?? [], 8, 4, PROFILE);
  return { mask: Array.from(f.mask), points: f.points };
}

const shapes = (db: ProjectDb) => db.annotations().map(fromRow).map((a) => ({ image: a.image, kind: a.kind, label: a.label, points: a.points }));

describe('importing expert regions into the project', () => {
  it('COCO: boxes, polygons and points become labelled annotations, RLE masks go to region_masks; the unmatched image is named', async () => {
    const r = await withDb((db) => importRegions(db, path.join(FIXTURES, 'coco.json'), target()));
    expect(r).toMatchObject({ format: 'coco', source: 'coco.json', images: 2, annotations: 5, masks: 2, regions: 7, replaced: 0, unmatched: ['missing/7.jpg'] });
    expect(r.message).toBe('Imported 7 regions for 2 images from coco.json (COCO); 1 entry matches no image of the open folder and was left out (missing/7.jpg).');
    await withDb((db) => {
      expect(shapes(db)).toEqual([
        { image: 'cat/1.jpg', kind: 'rect', label: 'cat', points: [[2, 1], [5, 3]] },
        { image: 'cat/1.jpg', kind: 'polygon', label: 'dog', points: [[3.8, 0], [8, 0], [8, 4]] },
        { image: 'cat/1.jpg', kind: 'polygon', label: 'dog', points: [[0, 0], [1, 0], [1, 1], [0, 1]] },
        { image: 'dog/2.jpg', kind: 'point', label: 'cat', points: [[5, 1]] },
        { image: 'dog/2.jpg', kind: 'rect', label: 'cat', points: [[6, 2], [8, 4]] },
      ]);
      const a = db.annotations().map(fromRow)[0];
      expect(a.note).toBe('Imported from coco.json');
      expect(a.imageSize).toEqual({ width: 8, height: 4 });
      expect(a.dataset).toBe(project.root);
      const masks = db.regionMasks();
      expect(masks.map((m) => [m.image, m.label, m.width, m.height, m.source, m.dataset])).toEqual([
        ['dog/2.jpg', 'dog', 2, 3, 'coco.json', project.root],
        ['dog/2.jpg', 'dog', 2, 3, 'coco.json', project.root],
      ]);
    });
  });

  it('Pascal VOC: boxes by relative path and by <filename>, 1-based inclusive corners as pixels', async () => {
    const r = await withDb((db) => importRegions(db, path.join(FIXTURES, 'voc'), target()));
    expect(r).toMatchObject({ format: 'voc', source: 'voc/', images: 2, annotations: 3, masks: 0, unmatched: [] });
    expect(r.message).toBe('Imported 3 regions for 2 images from voc/ (Pascal VOC).');
    await withDb((db) => expect(shapes(db)).toEqual([
      { image: 'cat/1.jpg', kind: 'rect', label: 'cat', points: [[2, 1], [5, 3]] },
      { image: 'cat/1.jpg', kind: 'rect', label: 'dog & co', points: [[7, 0], [8, 4]] },
      { image: 'dog/2.jpg', kind: 'rect', label: 'dog', points: [[0, 0], [8, 4]] },
    ]));
  });

  it('YOLO: fractions of the image become pixels (box and polygon), class names from classes.txt', async () => {
    const r = await withDb((db) => importRegions(db, path.join(FIXTURES, 'yolo'), target()));
    expect(r).toMatchObject({ format: 'yolo', images: 2, annotations: 2, masks: 0, unmatched: [] });
    await withDb((db) => expect(shapes(db)).toEqual([
      // 0 0.5 0.5 0.25 0.5: centre (4, 2), size 2×2 on an 8×4 image.
      { image: 'cat/1.jpg', kind: 'rect', label: 'cat', points: [[3, 1], [5, 3]] },
      // 1 0.475 0 1 0 1 1: (3.8, 0), (8, 0), (8, 4).
      { image: 'dog/2.jpg', kind: 'polygon', label: 'dog', points: [[3.8, 0], [8, 0], [8, 4]] },
    ]));
  });

  it('masks: stored in the project and read back as the same pixels (a half-size mask stretched onto its image)', async () => {
    const r = await withDb((db) => importRegions(db, path.join(FIXTURES, 'masks'), target()));
    expect(r).toMatchObject({ format: 'masks', source: 'masks/', images: 2, annotations: 0, masks: 2, unmatched: [] });
    const stored = await withDb((db) => projectFolderRegions(db, project.root, FILES));
    // cat/1.png: value 200 at x 5–7, y 1–2.
    const cat = Array.from({ length: 32 }, (_, i) => (i % 8 >= 5 && Math.floor(i / 8) >= 1 && Math.floor(i / 8) <= 2 ? 1 : 0));
    expect((await pixels(stored.images.get('cat/1.jpg'))).mask).toEqual(cat);
    // dog/2.png: 4×2, one red pixel at (3, 0) = original pixels x 6–7, y 0–1.
    const dog = Array.from({ length: 32 }, (_, i) => (i % 8 >= 6 && Math.floor(i / 8) <= 1 ? 1 : 0));
    expect((await pixels(stored.images.get('dog/2.jpg'))).mask).toEqual(dog);
  });

  it('every format: the project gives the evaluation the same pixels and points as reading the source directly', async () => {
    for (const source of ['coco.json', 'voc', 'yolo', 'masks']) {
      fs.rmSync(project.dbPath, { force: true });
      fs.rmSync(`${project.dbPath}-wal`, { force: true });
      await withDb((db) => importRegions(db, path.join(FIXTURES, source), target()));
      const direct = loadRegions(path.join(FIXTURES, source), FILES);
      const spec = await withDb((db) => evaluationRegionsOf(db, project.root, FILES));
      expect(spec, source).toBeDefined();
      expect(spec!.regionClass).toBe('all');
      expect([...spec!.regions.images.keys()].sort(), source).toEqual([...direct.images.keys()].sort());
      for (const f of FILES) expect(await pixels(spec!.regions.images.get(f)), `${source} ${f}`).toEqual(await pixels(direct.images.get(f)));
    }
  });

  it('persists in the project file, replaces an earlier import of the same source and keeps the user’s own annotations', async () => {
    await withDb((db) => {
      db.addAnnotation({ image: 'cat/1.jpg', kind: 'point', label: 'ear', note: 'mine', geometry: JSON.stringify({ points: [[1, 1]], imageSize: { width: 8, height: 4 } }) });
    });
    await withDb((db) => importRegions(db, path.join(FIXTURES, 'coco.json'), target()));
    const again = await withDb((db) => importRegions(db, path.join(FIXTURES, 'coco.json'), target()));
    expect(again.replaced).toBe(5);
    // A new connection to the file (the project reopened) sees one import and the user's point.
    await withDb((db) => {
      expect(db.annotations().map((a) => a.note).sort()).toEqual(['Imported from coco.json', 'Imported from coco.json', 'Imported from coco.json', 'Imported from coco.json', 'Imported from coco.json', 'mine']);
      expect(db.regionMasks()).toHaveLength(2);
    });
    // Another image folder does not see regions imported for this one.
    const other = await withDb((db) => evaluationRegionsOf(db, path.join(project.tmp, 'elsewhere'), FILES));
    expect(other?.regions.images.get('cat/1.jpg')).toHaveLength(1); // only the user's own annotation (no folder recorded)
  });

  it('nothing matching: one sentence naming what did not match, nothing stored', async () => {
    const r = await withDb((db) => importRegions(db, path.join(FIXTURES, 'coco.json'), { ...target(), files: ['bird/3.jpg'] }));
    expect(r.images).toBe(0);
    expect(r.message).toBe('No region in coco.json matches an image of the open folder, so nothing was imported; 3 entries match no image of the open folder and were left out (cat/1.jpg, dog/2.jpg, missing/7.jpg).');
    await withDb((db) => {
      expect(db.annotations()).toEqual([]);
      expect(db.regionMasks()).toEqual([]);
    });
  });

  it('an unreadable source is one sentence naming the file', async () => {
    const bad = path.join(project.tmp, 'bad.json');
    fs.writeFileSync(bad, '{ not json');
    await expect(withDb((db) => importRegions(db, bad, target()))).rejects.toThrow(new RegExp(`^The regions file ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON`));
  });
});
