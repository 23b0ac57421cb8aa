/**
 * results.json under real kills: `camscope explain` is SIGKILLed at random moments of a run over 300 images; each
 * time, results.json is valid JSON whose images are the first ones of the run, in order, with a summary that counts
 * them. (Speed over long runs is measured by `npm run bench:explain`, not here.)
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoImagesDir, demoModelPath } from '../../src/main/engine/demo';
import { demoFiles } from './demo-subset';

const ROOT = join(__dirname, '..', '..');

describe('results.json after a kill', () => {
  it('is valid JSON holding the first images of the run, in order, after each of 6 SIGKILLs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'camscope-results-kill-'));
    const images = join(dir, 'images');
    mkdirSync(images);
    const names: string[] = [];
    for (let copy = 0; copy < 3; copy++) {
      for (const f of demoFiles()) {
        const name = `${copy}-${f}`;
        copyFileSync(join(demoImagesDir(), f), join(images, name));
        names.push(join(images, name));
      }
    }
    names.sort((a, b) => a.localeCompare(b));
    let sawPartial = 0;
    for (let k = 0; k < 6; k++) {
      const out = join(dir, `out-${k}`);
      const results = join(out, 'results.json');
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main/cli/main.ts'), 'explain', '--model', demoModelPath(), '--methods', 'gradcam', '--out', out, images], {
        cwd: ROOT,
        stdio: 'ignore',
      });
      const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
      const start = Date.now();
      while (!existsSync(results) && Date.now() - start < 60_000) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, Math.random() * 2500));
      child.kill('SIGKILL');
      const signal = await exited;
      const doc = JSON.parse(readFileSync(results, 'utf8'));
      expect(doc.images.map((i: { file: string }) => i.file)).toEqual(names.slice(0, doc.images.length));
      expect(doc.summary).toMatchObject({ images: 300, explained: doc.images.length, failed: 0 });
      expect(doc.images.length).toBeGreaterThan(0);
      if (signal === 'SIGKILL' && doc.images.length < 300) sawPartial++;
      // No temporary file is mistaken for the results.
      rmSync(out, { recursive: true, force: true });
    }
    expect(sawPartial).toBeGreaterThanOrEqual(3);
  }, 180_000);
});
