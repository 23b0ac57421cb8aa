/** `camscope evaluate` with expert regions (--regions COCO, and the project's annotations) and the random reference. */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli/run';
import { Classifier, explainImages, parseMethodList } from '../../src/main/engine';
import { demoImagesDir, demoModelPath } from '../../src/main/engine/demo';
import { ProjectDb } from '../../src/main/engine/evaluate/project-db';
import { localize } from '../../src/main/engine/metrics/localization';
import { regionsInFrame } from '../../src/main/engine/regions/frame';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } }, stdout: () => out.join(''), stderr: () => err.join('') };
}

const FILES = ['000_ankle-boot.png', '001_pullover.png', '002_trouser.png'];

function dataset(): string {
  const root = mkdtempSync(join(tmpdir(), 'camscope-loc-'));
  mkdirSync(join(root, 'ds', 'items'), { recursive: true });
  for (const f of FILES) copyFileSync(join(demoImagesDir(), f), join(root, 'ds', 'items', f));
  return root;
}

describe('camscope evaluate with regions', () => {
  it('adds the localization block from --regions, equal to the metrics on the maps, with random as a reference', async () => {
    const root = dataset();
    // 28x28 images stretched to 28x28: boxes in original pixels are frame pixels. The third image has only a point.
    const coco = {
      images: FILES.map((f, i) => ({ id: i + 1, file_name: `items/${f}`, width: 28, height: 28 })),
      categories: [{ id: 1, name: 'thing' }],
      annotations: [
        { id: 1, image_id: 1, category_id: 1, bbox: [4, 6, 18, 14] },
        { id: 2, image_id: 2, category_id: 1, bbox: [0, 0, 10, 28] },
        { id: 3, image_id: 3, category_id: 1, bbox: [14, 14, 0, 0], segmentation: [], keypoints: [14, 14, 2] },
      ],
    };
    writeFileSync(join(root, 'regions.json'), JSON.stringify(coco));
    const out = join(root, 'out');
    const c = capture();
    const code = await runCli(['evaluate', '--model', demoModelPath(), '--dataset', join(root, 'ds'), '--methods', 'gradcam,layercam,random',
      '--steps', '0', '--figure', '0', '--regions', join(root, 'regions.json'), '--pointing-tolerance', '3', '--iou-threshold', '0.4', '--out', out], c.io);
    expect(c.stderr()).toContain('localization against 3 image(s)');
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.settings.localization).toMatchObject({ regionClass: 'all', pointingTolerance: 3, iouThreshold: 0.4 });
    for (const m of ['gradcam', 'layercam', 'random']) {
      expect(report.table[m].images_with_regions).toBe(3);
      expect(report.table[m].images_with_region_pixels).toBe(2);
    }
    expect(report.table.random.win_pct).toBeNull();
    expect(report.table.gradcam.win_pct + report.table.layercam.win_pct).toBeCloseTo(100, 9);

    // The same numbers from the maps, computed here.
    const classifier = await Classifier.load(demoModelPath());
    try {
      const files = FILES.map((f) => join(root, 'ds', 'items', f));
      let i = 0;
      const hits: Record<string, number[]> = { gradcam: [], layercam: [], random: [] };
      for await (const r of explainImages(classifier, files, { methods: parseMethodList('gradcam,layercam,random') })) {
        if (!r.ok) throw new Error(r.error.message);
        const a = coco.annotations[i];
        const region = a.keypoints ? { shape: { kind: 'point' as const, x: 14, y: 14 }, className: 'thing' } : { shape: { kind: 'box' as const, x0: a.bbox[0], y0: a.bbox[1], x1: a.bbox[0] + a.bbox[2], y1: a.bbox[1] + a.bbox[3] }, className: 'thing' };
        const frame = await regionsInFrame([region], 28, 28, classifier.profile);
        for (const m of r.maps) {
          const v = localize(m.result.map, frame, { pointingTolerance: 3, iouThreshold: 0.4 });
          const got = report.images[i].methods[m.method];
          expect(got.pointing_hit).toBe(v.pointing_hit);
          for (const k of ['energy_in_region', 'rank_accuracy', 'iou'] as const) expect(got[k]).toBe(v[k]);
          hits[m.method].push(v.pointing_hit ? 1 : 0);
        }
        i++;
      }
      for (const m of Object.keys(hits)) expect(report.table[m].pointing_game_pct).toBeCloseTo((100 * hits[m].reduce((a, b) => a + b, 0)) / 3, 9);
    } finally {
      await classifier.release();
    }
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('Localization (expert regions)');
    expect(html).toContain('Random (reference)');
    expect(readFileSync(join(out, 'report.csv'), 'utf8').split('\r\n')[0]).toContain('gradcam_pointing_hit');
  }, 120_000);

  it("uses the project's annotations when no --regions is given, and refuses bad options", async () => {
    const root = dataset();
    const project = join(root, 'p.camscope');
    const db = new ProjectDb(project);
    db.addAnnotation({ image: `items/${FILES[0]}`, kind: 'rect', label: 'boot', note: '', geometry: JSON.stringify({ points: [[2, 2], [20, 20]], imageSize: { width: 28, height: 28 } }) });
    db.close();
    const out = join(root, 'out');
    const c = capture();
    expect(await runCli(['evaluate', '--model', demoModelPath(), '--dataset', join(root, 'ds'), '--methods', 'gradcam', '--steps', '0', '--figure', '0', '--project', project, '--out', out], c.io)).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.settings.localization.source).toBe('project annotations');
    expect(report.table.gradcam.images_with_regions).toBe(1);
    // --region-class target: the label "boot" is not the explained class's name, so no image keeps a region.
    const c2 = capture();
    expect(await runCli(['evaluate', '--model', demoModelPath(), '--dataset', join(root, 'ds'), '--methods', 'gradcam', '--steps', '0', '--figure', '0', '--project', project, '--region-class', 'target', '--out', join(root, 'out2')], c2.io)).toBe(0);
    expect(JSON.parse(readFileSync(join(root, 'out2', 'report.json'), 'utf8')).table.gradcam.images_with_regions).toBeUndefined();
    const bad = capture();
    expect(await runCli(['evaluate', '--model', demoModelPath(), '--dataset', join(root, 'ds'), '--out', out, '--iou-threshold', '2'], bad.io)).toBe(2);
    expect(bad.stderr()).toContain('--iou-threshold must be a number from 0 to 1');
  }, 120_000);
});
