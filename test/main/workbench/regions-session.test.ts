/**
 * App evaluations against expert regions, through the real workbench session on the demo model: the project's
 * annotations and an imported COCO mask give the evaluation its localization block, and each image's values equal
 * the engine's localization functions applied to the same maps (recomputed in a session with no cache) and to the
 * regions rasterized from hand-written shapes. Map cards' agreement (regions:agreement) gives the same numbers.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOCALIZATION, localize, localizationRow } from '../../../src/main/engine/metrics/localization';
import { regionsInFrame } from '../../../src/main/engine/regions/frame';
import type { Region } from '../../../src/main/engine/regions/types';
import { createWorkbench, type Workbench } from '../../../src/main/workbench/index';
import type { JobContext } from '../../../src/main/workbench/ops';

const demoModel = fileURLToPath(new URL('../../../resources/demo/fashion-cnn.onnx', import.meta.url));
const demoImages = fileURLToPath(new URL('../../../resources/demo/images', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'camscope-regions-session-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ctx = (): JobContext => ({ signal: new AbortController().signal, partial: () => {} });
// The demo model sees its 28×28 images stretched to 28×28: frame pixels are the images' pixels.
const PROFILE = { inputSize: [28, 28] as [number, number], resize: 'stretch' as const };
const SIZE = { width: 28, height: 28 };

/** 8 demo images with their labels, in a folder of our own. */
function smallDataset(): string {
  const root = join(tmp, 'images');
  cpSync(demoImages, root, { recursive: true, filter: (src) => !/\d{3}_/.test(src) || /\/00[0-7]_/.test(src) });
  const rows = readFileSync(join(demoImages, 'labels.csv'), 'utf8').trim().split('\n');
  writeFileSync(join(root, 'labels.csv'), [rows[0], ...rows.slice(1).filter((r) => /^00[0-7]_/.test(r))].join('\n') + '\n');
  return root;
}

async function openSession(project: string, root: string): Promise<Workbench> {
  const s = createWorkbench();
  s.project.openProject(project);
  await s.model.loadModel({ path: demoModel, provider: 'cpu', precision: 'fp32', layer: 'auto' });
  s.dataset.openDataset(root);
  return s;
}

async function mapsOf(s: Workbench, image: number, methods: string[]): Promise<Record<string, Float32Array>> {
  const maps: Record<string, Float32Array> = {};
  await s.explanations.explain({ image, classIndex: null, methods }, {
    signal: new AbortController().signal,
    partial: (p) => {
      const m = p as { kind?: string; method: string; map: Float32Array; preview?: unknown };
      if (m.kind === 'map' && !m.preview) maps[m.method] = m.map;
    },
  });
  return maps;
}

describe('app evaluation with expert regions', () => {
  it('yields the localization block, with per-image values equal to the engine functions on the same maps', async () => {
    const root = smallDataset();
    const project = join(tmp, 'study.camscope');
    const s = await openSession(project, root);
    const files = s.dataset.listing().items.map((i) => i.file);
    const [a, b, c, d] = files;
    // Hand-written shapes (original pixels) and, independently, the Region each one should be.
    s.annotations.addAnnotation({ image: a, kind: 'rect', label: 'collar', note: '', points: [[15, 20], [3, 2]], imageSize: SIZE });
    s.annotations.addAnnotation({ image: b, kind: 'polygon', label: 'sleeve', note: '', points: [[2, 2], [20, 4], [10, 25]], imageSize: SIZE });
    s.annotations.addAnnotation({ image: c, kind: 'point', label: 'heel', note: '', points: [[14.5, 9.5]], imageSize: SIZE });
    // An imported COCO mask (RLE, column-major): columns 10–19 of every row.
    const coco = join(tmp, 'regions.json');
    writeFileSync(coco, JSON.stringify({
      images: [{ id: 1, file_name: d, width: 28, height: 28 }, { id: 2, file_name: 'elsewhere/x.png', width: 28, height: 28 }],
      categories: [{ id: 1, name: 'shoe' }],
      annotations: [
        { id: 1, image_id: 1, category_id: 1, iscrowd: 1, segmentation: { size: [28, 28], counts: [280, 280, 224] } },
        { id: 2, image_id: 2, category_id: 1, bbox: [0, 0, 5, 5] },
      ],
    }));
    const imported = await s.regions.importRegions(coco);
    expect(imported).toMatchObject({ format: 'coco', regions: 1, images: 1, masks: 1, annotations: 0, unmatched: ['elsewhere/x.png'] });
    const expected: Record<string, Region[]> = {
      [a]: [{ shape: { kind: 'box', x0: 3, y0: 2, x1: 15, y1: 20 }, className: 'collar' }],
      [b]: [{ shape: { kind: 'polygon', points: [[2, 2], [20, 4], [10, 25]] }, className: 'sleeve' }],
      [c]: [{ shape: { kind: 'point', x: 14.5, y: 9.5 }, className: 'heel' }],
      [d]: [{ shape: { kind: 'box', x0: 10, y0: 0, x1: 20, y1: 28 }, className: 'shoe' }],
    };

    const methods = ['gradcam', 'random'];
    const summary = await s.evaluations.evaluate({ methods, sample: null, seed: 0, score: 'prob' }, ctx());
    const detail = s.evaluations.getEvaluation(summary.id);
    expect(detail.settings.localization).toMatchObject({ source: 'project annotations and masks', regionClass: 'all', ...DEFAULT_LOCALIZATION });
    expect(detail.records).toHaveLength(8);
    for (const m of methods) {
      expect(detail.table.rows[m].images_with_regions).toBe(4);
      expect(detail.table.rows[m].images_with_region_pixels).toBe(3);
    }

    // The same maps, recomputed exactly in a session whose project holds no cache.
    const fresh = await openSession(join(tmp, 'uncached.camscope'), root);
    const perImage: Record<string, { v: ReturnType<typeof localize>; flat: boolean }[]> = { gradcam: [], random: [] };
    for (const record of detail.records) {
      const regions = expected[record.file];
      if (!regions) {
        for (const m of methods) expect(record.methods[m].energy_in_region, record.file).toBeUndefined();
        continue;
      }
      const maps = await mapsOf(fresh, files.indexOf(record.file), methods);
      const frame = await regionsInFrame(regions, 28, 28, PROFILE);
      for (const m of methods) {
        const want = localize(maps[m], frame, DEFAULT_LOCALIZATION);
        const got = record.methods[m];
        expect(got.pointing_hit, `${record.file} ${m}`).toBe(want.pointing_hit);
        for (const k of ['energy_in_region', 'rank_accuracy', 'iou'] as const) {
          if (want[k] === null) expect(got[k], `${record.file} ${m} ${k}`).toBeNull();
          else expect(got[k], `${record.file} ${m} ${k}`).toBeCloseTo(want[k]!, 6);
        }
        perImage[m].push({ v: want, flat: record.methods[m].flat });
      }
    }
    // The point-only image has a pointing value and nothing else.
    const pointOnly = detail.records.find((r) => r.file === c)!;
    expect(typeof pointOnly.methods.gradcam.pointing_hit).toBe('boolean');
    expect(pointOnly.methods.gradcam.energy_in_region).toBeNull();
    // The block's means are the engine's summary of those values.
    for (const m of methods) {
      const want = localizationRow(perImage[m]);
      const row = detail.table.rows[m];
      expect(row.pointing_game_pct).toBeCloseTo(want.pointing_game_pct!, 6);
      expect(row.energy_pointing_game).toBeCloseTo(want.energy_pointing_game!, 6);
      expect(row.iou).toBeCloseTo(want.iou!, 6);
    }

    // A map card's agreement says the same as the evaluation (its map comes from the project's cache, stored in
    // 16-bit steps, hence 3 decimals).
    const agreement = await s.regions.regionAgreement({ image: files.indexOf(a), classIndex: null, methods: ['gradcam', 'layercam'] });
    const recordA = detail.records.find((r) => r.file === a)!;
    expect(agreement?.regions).toBe(1);
    expect(agreement?.methods.map((m) => m.method)).toEqual(['gradcam']); // layercam was never computed: left out
    expect(agreement!.methods[0].energy_in_region).toBeCloseTo(recordA.methods.gradcam.energy_in_region!, 3);
    expect(agreement!.methods[0].pointing_hit).toBe(recordA.methods.gradcam.pointing_hit);
    // Whether the peak pixel itself is in the box (x 3–14, y 2–19), from the map's first maximum in row-major order.
    const mapA = (await mapsOf(s, files.indexOf(a), ['gradcam'])).gradcam;
    let k = 0;
    for (let i = 1; i < mapA.length; i++) if (mapA[i] > mapA[k]) k = i;
    const [px, py] = [k % 28, Math.floor(k / 28)];
    expect(agreement!.methods[0].peak_in_region).toBe(px >= 3 && px < 15 && py >= 2 && py < 20);
    expect(agreement!.methods[0].pointingTolerance).toBe(15);
    // An image without regions has no agreement, nor does any image in a project without regions.
    expect(await fresh.regions.regionAgreement({ image: files.indexOf(a), classIndex: null, methods: ['gradcam'] })).toBeNull();
    expect(await s.regions.regionAgreement({ image: files.indexOf(files[5]), classIndex: null, methods: ['gradcam'] })).toBeNull();
  }, 120_000);
});
