/** Locates ../shared (read-only references beside the checkout). Tests that need it skip cleanly without it. */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const SHARED_DIR = resolve(process.env.CAMSCOPE_SHARED ?? join(__dirname, '..', '..', '..', 'shared'));
export const RESNET18 = join(SHARED_DIR, 'models', 'resnet18_catsdogs.onnx');
export const CATSDOGS = join(SHARED_DIR, 'data', 'catsdogs');
export const REFERENCE_DIR = join(SHARED_DIR, 'reference', 'resnet18');
export const hasShared = existsSync(RESNET18) && existsSync(join(REFERENCE_DIR, 'reference.json'));
export const sharedSkipReason = `../shared not found at ${SHARED_DIR}: reference tests skipped`;

export interface Reference {
  files: string[];
  classes: string[];
  per_image: {
    Y_logit: number[];
    Y_prob: number[];
    pred: number[];
    label: number[];
    [method: string]: unknown;
  };
  table: Record<'prob' | 'logit', Record<string, Record<string, number>>>;
}

export function loadReference(): Reference {
  return JSON.parse(readFileSync(join(REFERENCE_DIR, 'reference.json'), 'utf8')) as Reference;
}

/** `cat/00002.jpg` → maps/<dir>/cat_00002.png */
export function referenceMapPath(methodDir: string, file: string): string {
  return join(REFERENCE_DIR, 'maps', methodDir, file.replace('/', '_').replace(/\.jpg$/, '.png'));
}
