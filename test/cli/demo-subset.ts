/** Test datasets made of the embedded demo images (Fashion-MNIST, 28×28 PNG) and their labels CSV. */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoImagesDir } from '../../src/main/engine/demo';

/** The demo image file names, sorted. */
export function demoFiles(): string[] {
  return readdirSync(demoImagesDir()).filter((f) => f.endsWith('.png')).sort();
}

/** Writes a labels CSV for these demo files (as named in the dataset folder). */
export function writeDemoLabels(path: string, files: string[]): void {
  const rows = readFileSync(join(demoImagesDir(), 'labels.csv'), 'utf8').trim().split('\n');
  const label = new Map(rows.slice(1).map((r) => r.split(',') as [string, string]));
  writeFileSync(path, ['file,label', ...files.map((f) => `${f},${label.get(f)}`)].join('\n') + '\n');
}

/** A dataset folder under dir with the first n demo images, and its labels CSV. */
export function demoSubset(dir: string, n: number): { dataset: string; labels: string; files: string[] } {
  const dataset = join(dir, 'images');
  mkdirSync(dataset, { recursive: true });
  const files = demoFiles().slice(0, n);
  for (const f of files) copyFileSync(join(demoImagesDir(), f), join(dataset, f));
  const labels = join(dir, 'labels.csv');
  writeDemoLabels(labels, files);
  return { dataset, labels, files };
}
