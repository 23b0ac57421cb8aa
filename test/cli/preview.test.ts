/** `camscope explain --preview-every N`: preview PNGs and results.json entries; approximate methods in results. */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli/run';
import { demoImagesDir, demoModelPath } from '../../src/main/engine/demo';
import { readMapPng } from '../../src/main/engine/image/decode';

function capture() {
  const err: string[] = [];
  return { io: { stdout: { write: () => true }, stderr: { write: (s: string) => err.push(s) } }, stderr: () => err.join('') };
}

const dir = mkdtempSync(join(tmpdir(), 'camscope-preview-'));
const image = join(demoImagesDir(), readdirSync(demoImagesDir()).filter((f) => f.endsWith('.png')).sort()[0]);
const stem = readdirSync(demoImagesDir()).filter((f) => f.endsWith('.png')).sort()[0].replace(/\.png$/, '');

describe('camscope explain --preview-every', () => {
  it('writes <method>.preview-<k>.png after every N masked passes and lists them in results.json', async () => {
    const out = join(dir, 'with');
    const c = capture();
    const code = await runCli(['explain', '--model', demoModelPath(), '--methods', 'scorecam++,gradcam,scorecam++@noscore,scorecam@topk=8', '--preview-every', '16', '--batch', '64', '--out', out, image], c.io);
    expect(code, c.stderr()).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    const methods = results.images[0].methods;
    const pp = methods['scorecam++'];
    expect(pp.forwardPasses).toBeGreaterThan(16);
    // Frames at 0, 16, 32, … below the exact map's pass count; the exact map itself is scorecam++.png.
    const expected = Array.from({ length: Math.ceil(pp.forwardPasses / 16) }, (_, k) => k * 16);
    expect(pp.previews.map((p: { passes: number }) => p.passes)).toEqual(expected);
    pp.previews.forEach((p: { passes: number; ms: number; map: string }, k: number) => {
      expect(p.map).toBe(`${stem}/scorecam++.preview-${k}.png`);
      expect(existsSync(join(out, p.map))).toBe(true);
      if (k) expect(p.ms).toBeGreaterThanOrEqual(pp.previews[k - 1].ms);
    });
    // Preview 0 is the score-free map, which the approximate method scorecam++@noscore computes on its own.
    const first = await readMapPng(join(out, pp.previews[0].map));
    const free = await readMapPng(join(out, methods['scorecam++@noscore'].map));
    let worst = 0;
    for (let i = 0; i < free.map.length; i++) worst = Math.max(worst, Math.abs(first.map[i] - free.map[i]));
    expect(worst).toBeLessThanOrEqual(2 / 65535);
    // How far the exact map is from the score-free one.
    const exact = await readMapPng(join(out, pp.map));
    let d = 0;
    for (let i = 0; i < exact.map.length; i++) d = Math.max(d, Math.abs(exact.map[i] - free.map[i]));
    expect(pp.scoreFree.maxAbsDiff).toBeCloseTo(d, 3);
    expect(pp.scoreFree.pearson).toBeGreaterThan(-1);
    // Gradient methods have no previews; the approximations are labelled in the settings.
    expect(methods.gradcam.previews).toBeUndefined();
    expect(methods['scorecam@topk=8'].forwardPasses).toBe(8);
    expect(results.settings.methods.find((m: { id: string }) => m.id === 'scorecam@topk=8')).toMatchObject({ approximation: 'topk', topK: 8 });
  });

  it('writes no previews without the option, and the maps are the same', async () => {
    const out = join(dir, 'without');
    expect(await runCli(['explain', '--model', demoModelPath(), '--methods', 'scorecam++', '--out', out, image], capture().io)).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.images[0].methods['scorecam++'].previews).toBeUndefined();
    expect(readdirSync(join(out, stem)).some((f) => f.includes('preview'))).toBe(false);
    const a = await readMapPng(join(out, stem, 'scorecam++.png'));
    const b = await readMapPng(join(dir, 'with', stem, 'scorecam++.png'));
    let worst = 0;
    for (let i = 0; i < a.map.length; i++) worst = Math.max(worst, Math.abs(a.map[i] - b.map[i]));
    expect(worst).toBeLessThanOrEqual(1 / 65535);
  });

  it('refuses a preview interval below 1', async () => {
    const c = capture();
    expect(await runCli(['explain', '--model', demoModelPath(), '--preview-every', '0', '--out', join(dir, 'never'), image], c.io)).toBe(2);
    expect(c.stderr()).toContain('--preview-every must be a whole number from 1');
  });
});
