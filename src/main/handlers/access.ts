/**
 * Which files and folders the renderer may ask the engine to read: only those the user chose (a file dialog,
 * drag-and-drop, a recent project) and the embedded demo. Keeps a compromised page from reading arbitrary files
 * through the engine.
 */
import path from 'node:path';

export class PathAllowList {
  private readonly files = new Set<string>();
  private readonly folders = new Set<string>();
  private readonly platform: NodeJS.Platform;

  constructor(platform: NodeJS.Platform = process.platform) {
    this.platform = platform;
  }

  private key(p: string): string {
    const resolved = path.resolve(p);
    // Windows and (by default) macOS file systems are case-insensitive.
    return this.platform === 'win32' || this.platform === 'darwin' ? resolved.toLowerCase() : resolved;
  }

  /** Records a user-chosen file; returns it resolved to an absolute path. */
  add(p: string): string {
    this.files.add(this.key(p));
    return path.resolve(p);
  }

  has(p: string): boolean {
    return this.files.has(this.key(p));
  }

  /** Records a user-chosen folder (its images may be read); returns it resolved to an absolute path. */
  addFolder(p: string): string {
    this.folders.add(this.key(p));
    return path.resolve(p);
  }

  hasFolder(p: string): boolean {
    return this.folders.has(this.key(p));
  }
}

/** The old name, from when only model files were allow-listed. */
export { PathAllowList as ModelAllowList };

export function isOnnxFileName(p: string): boolean {
  return path.extname(p).toLowerCase() === '.onnx';
}

export const PROJECT_EXTENSIONS = ['.camscope', '.sqlite', '.sqlite3', '.db'];

export function isProjectFileName(p: string): boolean {
  return PROJECT_EXTENSIONS.includes(path.extname(p).toLowerCase());
}
