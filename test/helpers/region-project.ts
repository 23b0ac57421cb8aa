/**
 * A throw-away image folder and project file for the region-import tests: before each test, grey JPEGs of the
 * given size are written under <tmp>/images (real files, so the import reads their sizes) and a project path is
 * chosen beside them; after each test the folder is removed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach } from 'vitest';
import { ProjectDb } from '../../src/main/engine/evaluate/project-db';

export interface RegionProject {
  /** The test's temporary folder. */
  readonly tmp: string;
  /** The image folder (the dataset root). */
  readonly root: string;
  /** The project file (not created until a test opens it). */
  readonly dbPath: string;
  /** What importRegions imports into: the images, with their sizes read from the files. */
  target(): { root: string; files: string[]; sizeOf: (file: string) => Promise<{ width: number; height: number }> };
  /** Runs fn on a fresh connection to the project file and closes it, as a reopened project would. */
  withDb<T>(fn: (db: ProjectDb) => Promise<T> | T): Promise<T>;
}

export function useRegionProject(opts: { prefix: string; files: string[]; width: number; height: number }): RegionProject {
  let tmp = '';
  const root = () => path.join(tmp, 'images');
  const dbPath = () => path.join(tmp, 'p.camscope');
  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), opts.prefix));
    for (const f of opts.files) {
      const file = path.join(tmp, 'images', f);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await sharp({ create: { width: opts.width, height: opts.height, channels: 3, background: '#808080' } }).jpeg().toFile(file);
    }
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  return {
    get tmp() {
      return tmp;
    },
    get root() {
      return root();
    },
    get dbPath() {
      return dbPath();
    },
    target() {
      const dir = root();
      return {
        root: dir,
        files: opts.files,
        sizeOf: async (f: string) => {
          const m = await sharp(path.join(dir, f)).metadata();
          return { width: m.width!, height: m.height! };
        },
      };
    },
    async withDb(fn) {
      const db = new ProjectDb(dbPath());
      try {
        return await fn(db);
      } finally {
        db.close();
      }
    },
  };
}
