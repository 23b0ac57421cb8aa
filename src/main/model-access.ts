/**
 * Which model files the renderer may ask the engine to open: only those the user chose (file dialog or
 * drag-and-drop) and the demo model. Keeps a compromised page from reading arbitrary files through the engine.
 */
import path from 'node:path';

export class ModelAllowList {
  private readonly paths = new Set<string>();
  private readonly platform: NodeJS.Platform;

  constructor(platform: NodeJS.Platform = process.platform) {
    this.platform = platform;
  }

  private key(p: string): string {
    const resolved = path.resolve(p);
    // Windows and (by default) macOS file systems are case-insensitive.
    return this.platform === 'win32' || this.platform === 'darwin' ? resolved.toLowerCase() : resolved;
  }

  /** Records a user-chosen path; returns it resolved to an absolute path. */
  add(p: string): string {
    this.paths.add(this.key(p));
    return path.resolve(p);
  }

  has(p: string): boolean {
    return this.paths.has(this.key(p));
  }
}

export function isOnnxFileName(p: string): boolean {
  return path.extname(p).toLowerCase() === '.onnx';
}
