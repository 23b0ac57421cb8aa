/**
 * `camscope regions export` (cli/regions-export.ts): converting a region source, and exporting the salient regions
 * of the maps a real `camscope explain` run wrote — read back, they are exactly the map's pixels ≥ the threshold.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { regionsExportCommand } from '../../src/main/cli/regions-export';
import { runCli } from '../../src/main/cli/run';
import { demoImagesDir, demoModelPath } from '../../src/main/engine/demo';
import { readMapPng, writeMapPng } from '../../src/main/engine/image/decode';
import { regionsInFrame } from '../../src/main/engine/regions/frame';
import { loadRegions } from '../../src/main/engine/regions/load';
import { capture } from '../helpers/cli-capture';

const FIX = join(__dirname, '..', 'fixtures', 'regions-formats', 'same-box');


describe('camscope regions export', () => {
  it('--from converts a source (CVAT → QuPath GeoJSON) and says what it took', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'camscope-rx-'));
    const out = join(dir, 'a.geojson');
    const c = capture();
    expect(await runCli(['regions', 'export', '--format', 'qupath', '--from', join(FIX, 'cvat.xml'), '--out', out], c.io)).toBe(0);
    expect(c.stderr()).toContain('camscope: Took 1 region on 1 image from CVAT for images 1.1 (deer 1).');
    expect(c.stdout()).toContain(`Wrote 1 region on 1 image to ${out} (qupath).`);
    const back = loadRegions(out, ['cam/a.jpg']);
    expect([...back.images]).toEqual([['cam/a.jpg', [{ shape: { kind: 'box', x0: 14, y0: 5, x1: 26, y1: 15 }, className: 'deer' }]]]);
  });

  it('--results exports each map’s salient region in original pixels, and overlays at the original size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'camscope-rx-'));
    // A 40×20 photo and an explain output for a model that resizes its shorter side to 8 and crops the centre.
    mkdirSync(join(dir, 'photos'));
    const photo = join(dir, 'photos', 'a.png');
    await sharp({ create: { width: 40, height: 20, channels: 3, background: '#808080' } }).png().toFile(photo);
    const results = join(dir, 'explained');
    mkdirSync(join(results, 'a'), { recursive: true });
    const map = new Float32Array(64);
    for (const k of [2 * 8 + 2, 2 * 8 + 3, 3 * 8 + 2, 5 * 8 + 6]) map[k] = 0.8;
    map[4 * 8 + 4] = 0.3;
    await writeMapPng(join(results, 'a', 'gradcam.png'), map, 8, 8);
    writeFileSync(join(results, 'results.json'), JSON.stringify({
      settings: { preprocessing: { inputSize: [8, 8], resize: 'shorter-side-crop' } },
      images: [{ file: photo, stem: 'a', ok: true, target: { classIndex: 0, className: 'deer' }, methods: { gradcam: { map: 'a/gradcam.png', overlay: 'a/gradcam-overlay.png' } } }],
    }));
    const out = join(dir, 'salient.xml');
    const c = capture();
    expect(await regionsExportCommand(['--format', 'cvat', '--results', results, '--dataset', join(dir, 'photos'), '--threshold', '0.5', '--overlays', join(dir, 'ov'), '--out', out], c.io)).toBe(0);
    expect(c.stderr()).toContain('took 2 salient regions (map ≥ 0.5) from 1 map on 1 image.');
    const xml = readFileSync(out, 'utf8');
    expect(xml).toContain('<image id="0" name="a.png" width="40" height="20">');
    // The L of three pixels at frame (2–3, 2) and (2, 3): original x = (i + 4)/0.4, y = j/0.4.
    expect(xml).toContain('points="15,5;20,5;20,7.5;17.5,7.5;17.5,10;15,10"');
    const back = loadRegions(out, ['a.png']);
    const frame = await regionsInFrame(back.images.get('a.png')!, 40, 20, { inputSize: [8, 8], resize: 'shorter-side-crop' });
    expect([...frame.mask]).toEqual([...map].map((v) => (v >= 0.5 ? 1 : 0)));
    const ov = await sharp(join(dir, 'ov', 'a', 'gradcam-overlay-original.png')).metadata();
    expect([ov.width, ov.height, ov.channels]).toEqual([40, 20, 4]);
  });

  it('reads the maps a real camscope explain run writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'camscope-rx-'));
    const image = join(demoImagesDir(), '000_ankle-boot.png');
    const explained = join(dir, 'explained');
    expect(await runCli(['explain', '--model', demoModelPath(), '--methods', 'gradcam', '--out', explained, image], capture().io)).toBe(0);
    const out = join(dir, 'salient.json');
    const c = capture();
    expect(await regionsExportCommand(['--format', 'coco', '--results', explained, '--threshold', '0.5', '--out', out], c.io)).toBe(0);
    const back = loadRegions(out, null);
    const [name, regions] = [...back.images][0];
    expect(name.endsWith('000_ankle-boot.png')).toBe(true);
    const { map, width, height } = await readMapPng(join(explained, '000_ankle-boot', 'gradcam.png'));
    const frame = await regionsInFrame(regions, 28, 28, { inputSize: [height, width], resize: 'stretch' });
    expect([...frame.mask]).toEqual([...map].map((v) => (v >= 0.5 ? 1 : 0)));
  }, 60_000);

  it('refuses bad usage in one line', async () => {
    const c = capture();
    expect(await regionsExportCommand(['--format', 'svg', '--from', 'x', '--out', 'y'], c.io)).toBe(2);
    expect(c.stderr()).toContain('--format must be one of qupath, cvat, coco.');
    const c2 = capture();
    expect(await regionsExportCommand(['--format', 'coco', '--out', 'y'], c2.io)).toBe(2);
    expect(c2.stderr()).toContain('Give either --from PATH (a regions source) or --results DIR');
    const c3 = capture();
    expect(await regionsExportCommand(['--format', 'coco', '--from', join(FIX, 'megadetector.json'), '--out', join(tmpdir(), 'x.json')], c3.io)).toBe(2);
    expect(c3.stderr()).toContain('camscope: error: The image cam/a.jpg has coordinates in fractions of its size, which COCO JSON needs the image\'s size for; give --dataset DIR so camscope can read it.');
  });
});
