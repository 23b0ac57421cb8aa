/**
 * Importing the new region formats into the project (workbench/regions.ts): the summary of what was taken and
 * skipped, QuPath polygons with holes stored as masks with the same pixels, a re-import replacing the first, and a
 * malformed file storing nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { regionsInFrame } from '../../../src/main/engine/regions/frame';
import { loadRegions } from '../../../src/main/engine/regions/load';
import { importRegions, projectFolderRegions } from '../../../src/main/workbench/regions';
import { useRegionProject } from '../../helpers/region-project';

const FIX = path.resolve(__dirname, '../../fixtures/regions-formats');
const FILES = ['cam/a.jpg', 'cam/b.jpg'];
const PROFILE = { inputSize: [8, 8] as [number, number], resize: 'shorter-side-crop' as const };

const project = useRegionProject({ prefix: 'camscope-regions-formats-', files: FILES, width: 40, height: 20 });
const { target, withDb } = project;

describe('importing the experts’ own formats', () => {
  it('QuPath GeoJSON: holes become masks of the same pixels; the summary says what was taken and skipped', async () => {
    const source = path.join(FIX, 'qupath', 'features.geojson');
    const r = await withDb((db) => importRegions(db, source, target()));
    expect(r).toMatchObject({ format: 'qupath', source: 'features.geojson', images: 2, regions: 7, annotations: 6, masks: 1, unmatched: ['elsewhere/z.jpg'] });
    expect(r.summary).toBe('Took 7 regions on 2 images from QuPath GeoJSON (Mitosis 2, Stroma 2, no class 1, Tumor 1, …); skipped 1 line (QuPath lines and polylines have no area), 1 QuPath tile object (only annotations, detections and cells are regions), 1 feature without a geometry, 1 image not in the dataset.');
    const stored = await withDb((db) => projectFolderRegions(db, project.root, FILES));
    const direct = loadRegions(source, FILES);
    for (const f of FILES) {
      const a = await regionsInFrame(stored.images.get(f)!, 40, 20, { inputSize: [20, 40], resize: 'stretch' });
      const b = await regionsInFrame(direct.images.get(f)!, 40, 20, { inputSize: [20, 40], resize: 'stretch' });
      expect([...a.mask], f).toEqual([...b.mask]);
      expect(a.points, f).toEqual(b.points);
    }
    // Importing it again replaces the first import.
    const again = await withDb((db) => importRegions(db, source, target()));
    expect(again.replaced).toBe(6);
    await withDb((db) => {
      expect(db.annotations()).toHaveLength(6);
      expect(db.regionMasks()).toHaveLength(1);
    });
  });

  it('CVAT, Label Studio, MegaDetector, COCO Camera Traps and ASAP files keep their file name as the source', async () => {
    for (const [file, format, regions] of [['same-box/cvat.xml', 'cvat', 1], ['labelstudio/export.json', 'labelstudio', 7], ['megadetector/md.json', 'megadetector', 2], ['cct/cct.json', 'cct', 1], ['same-box/asap/a.xml', 'asap', 1]] as const) {
      const r = await withDb((db) => importRegions(db, path.join(FIX, file), target()));
      expect(r, file).toMatchObject({ format, source: path.basename(file), regions });
      expect(r.summary, file).toMatch(/^Took \d+ regions? on \d images? from /);
    }
    // MegaDetector's fractions are stored in pixels: (0.1, 0.1)–(0.3, 0.3) of 40×20.
    await withDb((db) => {
      const md = db.annotations().filter((a) => a.note === 'Imported from md.json');
      expect(JSON.parse(md[0].geometry).points.map((p: number[]) => p.map((v) => Math.round(v * 1e9) / 1e9))).toEqual([[4, 2], [12, 6]]);
    });
  });

  it('a malformed file stores nothing and says why in one sentence', async () => {
    const bad = path.join(project.tmp, 'bad.geojson');
    fs.writeFileSync(bad, JSON.stringify({ type: 'FeatureCollection', features: [
      { type: 'Feature', geometry: { type: 'Point', coordinates: [1, 1] }, properties: {} },
      { type: 'Feature', geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 1]]] }, properties: {} },
    ] }));
    await expect(withDb((db) => importRegions(db, bad, target()))).rejects.toThrow(`The regions file ${bad} has an invalid feature (number 2): a ring of fewer than three distinct positions.`);
    await withDb((db) => {
      expect(db.annotations()).toEqual([]);
      expect(db.regionMasks()).toEqual([]);
    });
  });

  it('a QuPath folder is a folder source ("folder/"), and its regions localize as read directly', async () => {
    const r = await withDb((db) => importRegions(db, path.join(FIX, 'qupath', 'folder'), target()));
    expect(r).toMatchObject({ format: 'qupath', source: 'folder/', regions: 1 });
    const stored = await withDb((db) => projectFolderRegions(db, project.root, FILES));
    const frame = await regionsInFrame(stored.images.get('cam/a.jpg')!, 40, 20, PROFILE);
    expect(frame.area).toBe(16);
  });
});
