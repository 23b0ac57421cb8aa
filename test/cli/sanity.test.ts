/** `camscope sanity` on the command line: outputs, random-class mode, usage errors. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli/run';
import { demoImagesDir, demoModelPath } from '../../src/main/engine/demo';
import { readMapPng } from '../../src/main/engine/image/decode';
import { spearman } from '../../src/main/engine/sanity/similarity';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } }, stdout: () => out.join(''), stderr: () => err.join('') };
}

describe('camscope sanity', () => {
  it('random-class: writes sanity.json, the figure and the 16-bit maps the numbers come from', async () => {
    const out = mkdtempSync(join(tmpdir(), 'camscope-sanity-cli-'));
    const c = capture();
    const code = await runCli(['sanity', '--model', demoModelPath(), '--methods', 'gradcam', '--mode', 'random-class', '--sample', '3', '--seed', '4', '--out', out, demoImagesDir()], c.io);
    expect(c.stderr()).toContain('sanity check (random-class, seed 4) of gradcam on 3 image(s)');
    expect(code).toBe(0);
    expect(c.stdout()).toMatch(/gradcam: (passes|FAILS) \(-?\d\.\d{3}\) — maps are class-sensitive/);
    const j = JSON.parse(readFileSync(join(out, 'sanity.json'), 'utf8'));
    expect(j.settings).toMatchObject({ mode: 'random-class', seed: 4, images: 3, methods: ['gradcam'] });
    expect(j.images).toHaveLength(3);
    for (const im of j.images) {
      const dir = join(out, 'maps', im.stem, 'gradcam');
      const a = await readMapPng(join(dir, '00.png'));
      const b = await readMapPng(join(dir, '01.png'));
      // The stored numbers are the maps' as written.
      const s = spearman(a.map, b.map);
      if (s === null) expect(im.methods.gradcam.spearman[1]).toBeNull();
      else expect(im.methods.gradcam.spearman[1]).toBeCloseTo(s, 12);
    }
    expect((await sharp(join(out, 'sanity.png')).metadata()).format).toBe('png');
    expect(readFileSync(join(out, 'sanity.svg'), 'utf8')).toContain('<svg');
    expect(existsSync(join(out, 'models'))).toBe(false);
  }, 120_000);

  it('refuses bad options with a usage error', async () => {
    const c = capture();
    expect(await runCli(['sanity', '--model', demoModelPath(), '--mode', 'sideways', '--out', '/tmp/x', demoImagesDir()], c.io)).toBe(2);
    expect(c.stderr()).toContain('--mode must be one of cascading, independent, random-class');
    const d = capture();
    expect(await runCli(['sanity', '--model', demoModelPath(), '--out', '/tmp/x'], d.io)).toBe(2);
    expect(d.stderr()).toContain('Name at least one image or folder');
  });
});
