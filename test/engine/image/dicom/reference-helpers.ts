/** Shared by the DICOM tests: where the fixtures are, and a decoded file's modality values in the references' form. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDicom } from '../../../../src/main/engine/image/dicom';
import { modalityFunction } from '../../../../src/main/engine/image/intensity';

export const FIXTURES = join(import.meta.dirname, '../../../fixtures/dicom');
export const GENERATED = join(FIXTURES, 'generated');

/** pydicom's test files, from the installed package (never copied into the repository); null when absent. */
export const PYDICOM_FILES: string | null = (() => {
  try {
    const dir = execFileSync('/usr/bin/python3', ['-c', 'import pydicom.data, os; print(os.path.dirname(pydicom.data.__file__))'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const files = join(dir, 'test_files');
    return existsSync(files) ? files : null;
  } catch {
    return null;
  }
})();

export interface Reference {
  file: string;
  source: 'pydicom' | 'generated';
  transferSyntax: string;
  lossy: boolean;
  photometric: string;
  shape: number[];
  kind: 'int' | 'float';
  sha256: string;
  samples: [number, number][];
  min: number;
  max: number;
  mean: number;
  blockMeans: number[][];
  windows: [number, number][];
  mappings?: Record<string, { sha256: string; samples: [number, number][] }>;
}

export function references(): Reference[] {
  const dir = join(FIXTURES, 'reference');
  return readdirSync(dir).sort().map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Reference);
}

export function referencePath(ref: Pick<Reference, 'file' | 'source'>): string | null {
  if (ref.source === 'generated') return join(GENERATED, ref.file);
  return PYDICOM_FILES ? join(PYDICOM_FILES, ref.file) : null;
}

/** Every frame's modality-LUT-applied values, frames × rows × columns × samples, and the sha256 of their canonical bytes. */
export async function decodeAll(path: string, kind: 'int' | 'float'): Promise<{ shape: number[]; values: Float64Array; sha256: string }> {
  const image = openDicom(path, 100e6);
  try {
    const { frames, width, height } = image.info;
    let values: Float64Array | null = null;
    let channels = 1;
    for (let f = 1; f <= frames; f++) {
      const s = await image.readFrame(f);
      channels = s.channels;
      const per = width * height * channels;
      values ??= new Float64Array(frames * per);
      const m = modalityFunction(s);
      for (let i = 0; i < per; i++) values[(f - 1) * per + i] = m(s.samples[i]);
    }
    const bytes = kind === 'int' ? new Uint8Array(BigInt64Array.from(values!, (v) => BigInt(v)).buffer) : new Uint8Array(values!.buffer);
    return { shape: [frames, height, width, channels], values: values!, sha256: createHash('sha256').update(bytes).digest('hex') };
  } finally {
    image.close();
  }
}

/** Means of 16×16 tiles of frame 0, per channel, as the reference script computes them. */
export function blockMeans(values: Float64Array, shape: number[], block = 16): number[][] {
  const [, rows, cols, channels] = shape;
  const out: number[][] = [];
  for (let y = 0; y < rows; y += block) {
    for (let x = 0; x < cols; x += block) {
      const sums = new Array<number>(channels).fill(0);
      let n = 0;
      for (let yy = y; yy < Math.min(rows, y + block); yy++) {
        for (let xx = x; xx < Math.min(cols, x + block); xx++) {
          for (let c = 0; c < channels; c++) sums[c] += values[(yy * cols + xx) * channels + c];
          n++;
        }
      }
      out.push(sums.map((s) => s / n));
    }
  }
  return out;
}
