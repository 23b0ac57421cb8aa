/** The embedded default: a small Fashion-MNIST CNN and 100 sample images shipped under resources/demo. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CamscopeError } from './errors';

const MODEL_FILE = 'fashion-cnn.onnx';

/**
 * Finds resources/demo: CAMSCOPE_RESOURCES when set (the packaged app sets it to its resources folder), else the
 * nearest resources/demo above this module (source tree, built out/ tree).
 */
export function demoDir(): string {
  const override = process.env.CAMSCOPE_RESOURCES;
  if (override && existsSync(join(override, 'demo', MODEL_FILE))) return join(override, 'demo');
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'resources', 'demo');
    if (existsSync(join(candidate, MODEL_FILE))) return candidate;
    const parent = resolve(dir, '..');
    if (parent === dir) throw new CamscopeError('INVALID_ARGUMENT', 'The embedded demo model was not found (resources/demo is missing from this installation).');
    dir = parent;
  }
}

export function demoModelPath(): string {
  return join(demoDir(), MODEL_FILE);
}

export function demoImagesDir(): string {
  return join(demoDir(), 'images');
}
