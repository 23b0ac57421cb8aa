/**
 * `camscope evaluate --regions-threshold T` (cli/regions.ts): MegaDetector detections below T are left out, T is
 * recorded in the regions' source (which the report shows and the run's key includes), and the import's summary
 * goes to stderr.
 */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluationRegions, regionArgs } from '../../src/main/cli/regions';
import { demoImagesDir } from '../../src/main/engine/demo';

const args = (values: Record<string, string>) => regionArgs((k) => values[k]);

describe('--regions-threshold', () => {
  it('defaults to 0.2 and refuses a value outside 0…1', () => {
    expect(args({}).regionsThreshold).toBe(0.2);
    expect(args({ 'regions-threshold': '0.6' }).regionsThreshold).toBe(0.6);
    expect(() => args({ 'regions-threshold': '2' })).toThrow('--regions-threshold must be a confidence from 0 to 1, not "2".');
  });

  it('leaves detections below it out, records it in the source and says so on stderr', () => {
    const root = mkdtempSync(join(tmpdir(), 'camscope-mdthr-'));
    mkdirSync(join(root, 'ds', 'cam'), { recursive: true });
    copyFileSync(join(demoImagesDir(), '000_ankle-boot.png'), join(root, 'ds', 'cam', 'a.png'));
    writeFileSync(join(root, 'md.json'), JSON.stringify({
      detection_categories: { 1: 'animal' },
      images: [{ file: 'cam/a.png', detections: [{ category: '1', conf: 0.9, bbox: [0, 0, 0.5, 0.5] }, { category: '1', conf: 0.4, bbox: [0.5, 0.5, 0.5, 0.5] }] }],
    }));
    const warned: string[] = [];
    const spec = evaluationRegions(args({ regions: join(root, 'md.json'), 'regions-threshold': '0.5' }), { root: join(root, 'ds'), classes: ['cam'] }, join(root, 'none.camscope'), (m) => warned.push(m))!;
    expect(spec.regions.images.get('cam/a.png')).toHaveLength(1);
    expect(spec.regions.source).toBe(`megadetector:${join(root, 'md.json')} (confidence ≥ 0.5)`);
    expect(warned).toEqual(['Took 1 region on 1 image from MegaDetector output (animal 1) at confidence ≥ 0.5; skipped 1 detection (confidence below 0.5).']);
    const lower = evaluationRegions(args({ regions: join(root, 'md.json'), 'regions-threshold': '0.3' }), { root: join(root, 'ds'), classes: ['cam'] }, join(root, 'none.camscope'), () => {})!;
    expect(lower.regions.images.get('cam/a.png')).toHaveLength(2);
    expect(lower.regions.fingerprint).not.toBe(spec.regions.fingerprint);
  });
});
