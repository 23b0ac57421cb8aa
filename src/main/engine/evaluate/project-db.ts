/**
 * The project database: one real SQLite file (WebAssembly build, so nothing needs rebuilding for Electron) holding
 * evaluation runs with their per-image results, written as they are computed, and the user's annotations.
 *
 * Crash safety. The file is used by one process at a time (see ./project-lock: a second one waits briefly, then is
 * told who holds it), in SQLite's write-ahead-log mode with exclusive locking: a commit appends to `<file>-wal`,
 * which is replayed on the next open, so a process killed at any moment — even mid-commit — leaves every committed
 * record and a file the next run opens without help. (The rollback journal of the default mode cannot be replayed
 * by this SQLite build: its lock is a `<file>.lock` folder, and it mistakes its own lock for another process's.)
 * Within one process every ProjectDb of a file shares one connection.
 *
 * Every failure a user can meet is one sentence naming the file and what to do: a file that is not a camscope
 * project (it is refused before anything is written to it), a damaged file, a read-only file, a full disk.
 */
import fs from 'node:fs';
import { dirname, resolve } from 'node:path';
import sqlite from 'node-sqlite3-wasm';
import { CamscopeError, errorMessage } from '../errors';
import { ProjectLock } from './project-lock';
import type { EvaluationSettings, ImageRecord } from './types';

/** 2: eval_images.content (each image's size and times when it was computed), write-ahead log. */
const SCHEMA_VERSION = 2;
/** "cams", in the header of every project file written since schema 2. */
const APPLICATION_ID = 0x63616d73;

const TABLES: Record<string, string> = {
  meta: 'CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
  evaluations: `CREATE TABLE IF NOT EXISTS evaluations (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  settings TEXT NOT NULL,
  created TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'running',
  elapsed_seconds REAL NOT NULL DEFAULT 0
)`,
  eval_images: `CREATE TABLE IF NOT EXISTS eval_images (
  eval_id INTEGER NOT NULL REFERENCES evaluations(id),
  idx INTEGER NOT NULL,
  file TEXT NOT NULL,
  record TEXT,
  error TEXT,
  content TEXT,
  PRIMARY KEY (eval_id, file)
)`,
  results_cache: `CREATE TABLE IF NOT EXISTS results_cache (
  key TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  bytes BLOB NOT NULL,
  created TEXT NOT NULL
)`,
  annotations: `CREATE TABLE IF NOT EXISTS annotations (
  id INTEGER PRIMARY KEY,
  image TEXT NOT NULL,
  kind TEXT NOT NULL,
  label TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  geometry TEXT NOT NULL,
  created TEXT NOT NULL
)`,
  // Imported expert masks (boxes, polygons and points are imported as annotations, which the user can edit; a mask
  // has no vertices to edit, so it is kept here). data: zlib-deflated width·height bytes, 1 = in the region.
  region_masks: `CREATE TABLE IF NOT EXISTS region_masks (
  id INTEGER PRIMARY KEY,
  image TEXT NOT NULL,
  dataset TEXT,
  label TEXT NOT NULL,
  source TEXT NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  data BLOB NOT NULL,
  created TEXT NOT NULL
)`,
};

/** Columns camscope reads from each table (eval_images.content is added to schema-1 files when they are opened). */
const REQUIRED_COLUMNS: Record<string, string[]> = {
  meta: ['key', 'value'],
  evaluations: ['id', 'key', 'settings', 'created', 'status', 'elapsed_seconds'],
  eval_images: ['eval_id', 'idx', 'file', 'record', 'error'],
  annotations: ['id', 'image', 'kind', 'label', 'note', 'geometry', 'created'],
  results_cache: ['key', 'kind', 'bytes', 'created'],
  region_masks: ['id', 'image', 'dataset', 'label', 'source', 'width', 'height', 'data', 'created'],
};

const SQLITE_MAGIC = 'SQLite format 3\0';

export interface EvaluationRow {
  id: number;
  key: string;
  settings: EvaluationSettings;
  status: 'running' | 'complete' | 'cancelled';
  elapsedSeconds: number;
}

export interface ImageRow {
  idx: number;
  file: string;
  record: ImageRecord | null;
  error: string | null;
  /** The image's identity when it was computed (size and times, see run.ts); null in runs of older versions. */
  content: string | null;
}

export interface ProjectDbOptions {
  /** How long to wait for another process that holds the project before refusing (default 3 s). */
  waitMs?: number;
}

/** One open file, shared by every ProjectDb of it in this thread. */
interface Connection {
  db: sqlite.Database;
  lock: ProjectLock;
  refs: number;
  /** Evaluation runs being computed in this thread (a second computation of one run is refused). */
  running: Set<number>;
}

const connections = new Map<string, Connection>();

process.once('exit', () => {
  // A process that ends without closing its projects leaves no note behind (a killed one leaves a stale note).
  for (const c of connections.values()) {
    try {
      c.db.close();
    } catch {
      // the WAL is replayed on the next open
    }
    c.lock.release();
  }
});

/** Why a write failed, in words: a full disk is told apart from other I/O errors by trying to write beside the file. */
function diskFull(path: string): boolean {
  const probe = `${path}.space-check`;
  let fd: number | null = null;
  try {
    fd = fs.openSync(probe, 'w');
    fs.writeSync(fd, new Uint8Array(64 * 1024));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return true;
  } finally {
    if (fd !== null) fs.closeSync(fd);
    try {
      fs.unlinkSync(probe);
    } catch {
      // never created
    }
  }
  try {
    const s = fs.statfsSync(dirname(path));
    return s.bavail * s.bsize < 64 * 1024;
  } catch {
    return false;
  }
}

function readOnlyError(path: string, cause?: unknown): CamscopeError {
  return new CamscopeError('INVALID_ARGUMENT', `The project file ${path} is read-only; make it writable or choose another project file.`, { cause });
}

function notAProject(path: string, why: string): CamscopeError {
  return new CamscopeError('INVALID_ARGUMENT', `The file ${path} is not a camscope project (${why}); it was left untouched — choose a new file name or another project file.`);
}

/** A SQLite failure as one sentence naming the file and what to do. */
export function projectError(path: string, e: unknown): CamscopeError {
  if (e instanceof CamscopeError) return e;
  const message = errorMessage(e);
  if (/disk I\/O error|database or disk is full|SQLITE_FULL|SQLITE_IOERR/i.test(message)) {
    if (diskFull(path)) {
      return new CamscopeError('INVALID_ARGUMENT', `The disk holding the project file ${path} is full; free some space and run again — everything finished so far is kept.`, { cause: e });
    }
    return new CamscopeError('INVALID_ARGUMENT', `Cannot write the project file ${path} (disk I/O error); check the disk, then run again — everything finished so far is kept.`, { cause: e });
  }
  if (/not a database|malformed|corrupt/i.test(message)) {
    return new CamscopeError('INVALID_ARGUMENT', `The project file ${path} is damaged (${message}); restore it from a backup or choose another project file.`, { cause: e });
  }
  if (/readonly|read-only/i.test(message)) return readOnlyError(path, e);
  if (/database is locked|SQLITE_BUSY/i.test(message)) {
    return new CamscopeError('INVALID_ARGUMENT', `The project file ${path} is locked by a program other than camscope; close that program and try again.`, { cause: e });
  }
  if (/unable to open|Could not open/i.test(message)) {
    return new CamscopeError('INVALID_ARGUMENT', `Cannot open the project file ${path}; check that its folder exists and that you may write to it.`, { cause: e });
  }
  return new CamscopeError('INVALID_ARGUMENT', `Cannot use the project file ${path} (${message}); restore it from a backup or choose another project file.`, { cause: e });
}

/** Refuses what is plainly not a project, before taking any lock or opening anything: a folder, a read-only file, a file that is not SQLite. */
function checkFile(path: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // a new project
    throw projectError(path, e);
  }
  if (stat.isDirectory()) throw new CamscopeError('INVALID_ARGUMENT', `${path} is a folder, not a camscope project file; choose a file.`);
  let fd: number;
  try {
    fd = fs.openSync(path, 'r+');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw readOnlyError(path, e);
    throw new CamscopeError('INVALID_ARGUMENT', `Cannot open the project file ${path} (${errorMessage(e)}); check the file and try again.`, { cause: e });
  }
  try {
    if (stat.size === 0) return;
    const head = Buffer.alloc(16);
    const n = fs.readSync(fd, head, 0, 16, 0);
    if (n < 16 || head.toString('latin1') !== SQLITE_MAGIC) throw notAProject(path, 'it is not a database');
  } finally {
    fs.closeSync(fd);
  }
}

function openConnection(path: string, waitMs: number): Connection {
  checkFile(path);
  const lock = ProjectLock.acquire(path, waitMs);
  let db: sqlite.Database | null = null;
  try {
    db = new sqlite.Database(path);
    // Before anything reads the file: exclusive locking is what lets the write-ahead log work without shared memory.
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    prepareSchema(db, path);
    return { db, lock, refs: 1, running: new Set() };
  } catch (e) {
    try {
      db?.close();
    } catch {
      // nothing was written that needs closing cleanly
    }
    lock.release();
    throw projectError(path, e);
  }
}

/** Checks that the file is a camscope project (or empty) before writing anything, then creates or upgrades its tables. */
function prepareSchema(db: sqlite.Database, path: string): void {
  const tables = (db.all("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") as { name: string }[]).map((t) => t.name);
  const appId = Number((db.get('PRAGMA application_id') as { application_id: number }).application_id);
  if (appId !== 0 && appId !== APPLICATION_ID) throw notAProject(path, 'it is the database of another program');
  const foreign = tables.filter((t) => !(t in TABLES));
  if (foreign.length && appId !== APPLICATION_ID) throw notAProject(path, `it is the database of another program, with tables ${foreign.slice(0, 3).join(', ')}`);
  for (const t of tables.filter((t) => t in TABLES)) {
    const columns = new Set((db.all(`PRAGMA table_info(${t})`) as { name: string }[]).map((c) => c.name));
    const missing = REQUIRED_COLUMNS[t].filter((c) => !columns.has(c));
    if (missing.length) throw notAProject(path, `its table ${t} has no column ${missing[0]}`);
  }
  const version = tables.includes('meta') ? (db.get('SELECT value FROM meta WHERE key = ?', ['schema_version']) as { value: string } | null) : null;
  if (version && Number(version.value) > SCHEMA_VERSION) {
    throw new CamscopeError('INVALID_ARGUMENT', `The project file ${path} was written by a newer camscope (schema ${version.value}); open it with that version or choose another project file.`);
  }
  // A camscope project (or an empty file) from here on: only now is anything written.
  const mode = (db.get('PRAGMA journal_mode = WAL') as { journal_mode: string }).journal_mode;
  if (mode !== 'wal') throw new Error(`cannot switch to write-ahead logging (journal mode ${mode})`);
  db.exec('PRAGMA synchronous = FULL');
  const hasContent = tables.includes('eval_images') && (db.all('PRAGMA table_info(eval_images)') as { name: string }[]).some((c) => c.name === 'content');
  if (version && Number(version.value) === SCHEMA_VERSION && appId === APPLICATION_ID && hasContent && tables.length === Object.keys(TABLES).length) return;
  transaction(db, () => {
    for (const sql of Object.values(TABLES)) db.exec(sql);
    if (tables.includes('eval_images') && !hasContent) db.exec('ALTER TABLE eval_images ADD COLUMN content TEXT');
    db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
    db.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', ['schema_version', String(SCHEMA_VERSION)]);
  });
}

/** Runs fn in one transaction; a failed COMMIT that SQLite already rolled back is not rolled back twice. */
function transaction<T>(db: sqlite.Database, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const out = fn();
    db.exec('COMMIT');
    return out;
  } catch (e) {
    if (db.inTransaction) {
      try {
        db.exec('ROLLBACK');
      } catch {
        // the original error says more
      }
    }
    throw e;
  }
}

function parseSettings(path: string, id: unknown, text: unknown): EvaluationSettings {
  try {
    return JSON.parse(String(text)) as EvaluationSettings;
  } catch (e) {
    throw new CamscopeError('INVALID_ARGUMENT', `The project file ${path} is damaged (the settings of evaluation ${String(id)} are unreadable); restore it from a backup or choose another project file.`, { cause: e });
  }
}

/** What a record that is not JSON turns into: a failed image, computed again when its run resumes. */
export const DAMAGED_RECORD = 'Its stored result in the project file is damaged; it is computed again when the evaluation runs again.';

export class ProjectDb {
  readonly path: string;
  private connection: Connection | null;

  /**
   * Opens (creating if new) the project at `path`. Refuses, in one sentence, a file that is not a camscope project
   * (untouched), a damaged or read-only file, and a project another process holds (after waiting `waitMs`).
   */
  constructor(path: string, options: ProjectDbOptions = {}) {
    this.path = path;
    const key = resolve(path);
    const shared = connections.get(key);
    if (shared) {
      shared.refs++;
      this.connection = shared;
    } else {
      this.connection = openConnection(key, options.waitMs ?? 3000);
      connections.set(key, this.connection);
    }
  }

  private get db(): sqlite.Database {
    if (!this.connection) throw new CamscopeError('INVALID_ARGUMENT', `The project file ${this.path} is already closed.`);
    return this.connection.db;
  }

  /** Runs fn with SQLite errors turned into one sentence about this file. */
  private use<T>(fn: (db: sqlite.Database) => T): T {
    const db = this.db;
    try {
      return fn(db);
    } catch (e) {
      throw projectError(this.path, e);
    }
  }

  private write<T>(fn: (db: sqlite.Database) => T): T {
    return this.use((db) => transaction(db, () => fn(db)));
  }

  /** The run with these result-determining settings, created if new. */
  evaluation(key: string, settings: EvaluationSettings): EvaluationRow {
    return this.write((db) => {
      let existing = db.get('SELECT * FROM evaluations WHERE key = ?', [key]) as Record<string, unknown> | null;
      if (!existing) {
        db.run('INSERT INTO evaluations (key, settings, created) VALUES (?, ?, ?)', [key, JSON.stringify(settings), settings.created]);
        existing = db.get('SELECT * FROM evaluations WHERE key = ?', [key]) as Record<string, unknown>;
      }
      return {
        id: Number(existing.id),
        key,
        settings: parseSettings(this.path, existing.id, existing.settings),
        status: existing.status as EvaluationRow['status'],
        elapsedSeconds: Number(existing.elapsed_seconds),
      };
    });
  }

  /**
   * Marks a run as being computed by this process until `release` is called; a second computation of the same run
   * (in this process — other processes cannot open the project meanwhile) is refused rather than mixed into it.
   */
  claimRun(evalId: number): () => void {
    const c = this.connection!;
    if (c.running.has(evalId)) {
      throw new CamscopeError('INVALID_ARGUMENT', `This evaluation is already running on the project file ${this.path}; wait for it to finish or cancel it.`);
    }
    c.running.add(evalId);
    return () => c.running.delete(evalId);
  }

  /** Files already finished (or failed) in a run. */
  doneFiles(evalId: number): Set<string> {
    return new Set(this.use((db) => db.all('SELECT file FROM eval_images WHERE eval_id = ?', [evalId]) as { file: string }[]).map((r) => r.file));
  }

  /** Stores one image's result; a plain INSERT, so computing an image twice is an error rather than a silent overwrite. */
  addImage(evalId: number, idx: number, file: string, result: { record: ImageRecord } | { error: string }, elapsedSeconds: number, content: string | null = null): void {
    this.write((db) => {
      db.run('INSERT INTO eval_images (eval_id, idx, file, record, error, content) VALUES (?, ?, ?, ?, ?, ?)', [
        evalId, idx, file, 'record' in result ? JSON.stringify(result.record) : null, 'error' in result ? result.error : null, content,
      ]);
      db.run('UPDATE evaluations SET elapsed_seconds = ? WHERE id = ?', [elapsedSeconds, evalId]);
    });
  }

  /**
   * Brings a resumed run up to date with its dataset in one transaction: drops the results of images to compute
   * again (changed, failed, removed from the dataset), moves kept ones to their current positions, and rewrites
   * kept records (e.g. with changed labels) and the run's settings.
   */
  reconcile(evalId: number, plan: { drop: string[]; keep: { file: string; idx: number; content: string | null; record?: ImageRecord }[]; settings?: EvaluationSettings }): void {
    if (!plan.drop.length && !plan.keep.length && !plan.settings) return;
    this.write((db) => {
      for (const file of plan.drop) db.run('DELETE FROM eval_images WHERE eval_id = ? AND file = ?', [evalId, file]);
      for (const k of plan.keep) {
        if (k.record) db.run('UPDATE eval_images SET idx = ?, content = ?, record = ? WHERE eval_id = ? AND file = ?', [k.idx, k.content, JSON.stringify(k.record), evalId, k.file]);
        else db.run('UPDATE eval_images SET idx = ?, content = ? WHERE eval_id = ? AND file = ?', [k.idx, k.content, evalId, k.file]);
      }
      if (plan.settings) db.run('UPDATE evaluations SET settings = ? WHERE id = ?', [JSON.stringify(plan.settings), evalId]);
    });
  }

  /** A run's images in dataset order; a stored record that is not JSON comes back as a failed image (see DAMAGED_RECORD). */
  images(evalId: number): ImageRow[] {
    const rows = this.use((db) => db.all('SELECT idx, file, record, error, content FROM eval_images WHERE eval_id = ? ORDER BY idx', [evalId]) as Record<string, unknown>[]);
    return rows.map((r) => {
      let record: ImageRecord | null = null;
      let error = r.error === null ? null : String(r.error);
      if (r.record !== null) {
        try {
          record = JSON.parse(String(r.record)) as ImageRecord;
          if (record === null || typeof record !== 'object' || typeof record.methods !== 'object') throw new Error('not a record');
        } catch {
          record = null;
          error = DAMAGED_RECORD;
        }
      }
      return { idx: Number(r.idx), file: String(r.file), record, error, content: r.content === null || r.content === undefined ? null : String(r.content) };
    });
  }

  setStatus(evalId: number, status: EvaluationRow['status'], elapsedSeconds: number): void {
    this.write((db) => db.run('UPDATE evaluations SET status = ?, elapsed_seconds = ? WHERE id = ?', [status, elapsedSeconds, evalId]));
  }

  evaluations(): EvaluationRow[] {
    return this.use((db) => db.all('SELECT * FROM evaluations ORDER BY id') as Record<string, unknown>[]).map((r) => ({
      id: Number(r.id),
      key: String(r.key),
      settings: parseSettings(this.path, r.id, r.settings),
      status: r.status as EvaluationRow['status'],
      elapsedSeconds: Number(r.elapsed_seconds),
    }));
  }

  /** Closes this handle; the file itself is closed (and its note of use removed) when the last handle in the thread closes. */
  close(): void {
    const c = this.connection;
    if (!c) return;
    this.connection = null;
    if (--c.refs > 0) return;
    connections.delete(resolve(this.path));
    try {
      c.db.close();
    } catch {
      // A checkpoint that could not finish (full disk): the log is replayed on the next open.
    } finally {
      c.lock.release();
    }
  }

  // --- Annotations (added for the desktop workbench) and the project context they refer to ---

  /** The user's annotations, oldest first; only those of one image (dataset-relative path) when given. */
  annotations(image?: string): AnnotationRow[] {
    const rows = this.use((db) => (image === undefined
      ? db.all('SELECT * FROM annotations ORDER BY id')
      : db.all('SELECT * FROM annotations WHERE image = ? ORDER BY id', [image])) as Record<string, unknown>[]);
    return rows.map(annotationRow);
  }

  annotation(id: number): AnnotationRow | null {
    const row = this.use((db) => db.get('SELECT * FROM annotations WHERE id = ?', [id]) as Record<string, unknown> | null);
    return row ? annotationRow(row) : null;
  }

  /** Stores a new annotation; `geometry` is the caller's JSON text (shape vertices, image size). */
  addAnnotation(a: { image: string; kind: string; label: string; note: string; geometry: string }): AnnotationRow {
    const id = this.write((db) => db.run('INSERT INTO annotations (image, kind, label, note, geometry, created) VALUES (?, ?, ?, ?, ?, ?)', [
      a.image, a.kind, a.label, a.note, a.geometry, new Date().toISOString(),
    ]).lastInsertRowid);
    return this.annotation(Number(id))!;
  }

  /** Changes an annotation's label, note or geometry; null when there is no such annotation. */
  updateAnnotation(id: number, patch: { label?: string; note?: string; geometry?: string }): AnnotationRow | null {
    const current = this.annotation(id);
    if (!current) return null;
    this.write((db) => db.run('UPDATE annotations SET label = ?, note = ?, geometry = ? WHERE id = ?', [
      patch.label ?? current.label, patch.note ?? current.note, patch.geometry ?? current.geometry, id,
    ]));
    return this.annotation(id);
  }

  deleteAnnotation(id: number): boolean {
    const existed = this.annotation(id) !== null;
    this.write((db) => db.run('DELETE FROM annotations WHERE id = ?', [id]));
    return existed;
  }

  /** Stores many annotations in one transaction (an import); returns how many. */
  addAnnotations(rows: readonly { image: string; kind: string; label: string; note: string; geometry: string }[]): number {
    const created = new Date().toISOString();
    this.write((db) => {
      for (const a of rows) db.run('INSERT INTO annotations (image, kind, label, note, geometry, created) VALUES (?, ?, ?, ?, ?, ?)', [a.image, a.kind, a.label, a.note, a.geometry, created]);
    });
    return rows.length;
  }

  /** Deletes annotations by id in one transaction. */
  deleteAnnotations(ids: readonly number[]): void {
    if (!ids.length) return;
    this.write((db) => {
      for (const id of ids) db.run('DELETE FROM annotations WHERE id = ?', [id]);
    });
  }

  /** Imported expert masks, oldest first (data still deflated); only those of one image when given. */
  regionMasks(image?: string): RegionMaskRow[] {
    const rows = this.use((db) => (image === undefined
      ? db.all('SELECT * FROM region_masks ORDER BY id')
      : db.all('SELECT * FROM region_masks WHERE image = ? ORDER BY id', [image])) as Record<string, unknown>[]);
    return rows.map((r) => ({
      id: Number(r.id),
      image: String(r.image),
      dataset: r.dataset === null ? null : String(r.dataset),
      label: String(r.label),
      source: String(r.source),
      width: Number(r.width),
      height: Number(r.height),
      data: new Uint8Array(r.data as Uint8Array),
      created: String(r.created),
    }));
  }

  /** Replaces the masks of one import (same source name and image folder) with `rows`, in one transaction. */
  replaceRegionMasks(source: string, dataset: string | null, rows: readonly Omit<RegionMaskRow, 'id' | 'created' | 'source' | 'dataset'>[]): void {
    const created = new Date().toISOString();
    this.write((db) => {
      db.run('DELETE FROM region_masks WHERE source = ? AND dataset IS ?', [source, dataset]);
      for (const m of rows) db.run('INSERT INTO region_masks (image, dataset, label, source, width, height, data, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [m.image, dataset, m.label, source, m.width, m.height, m.data, created]);
    });
  }

  annotationCount(): number {
    return Number(this.use((db) => db.get('SELECT COUNT(*) AS n FROM annotations') as { n: number }).n);
  }

  /** A project-level setting (e.g. the model and image folder the annotations refer to); null when unset. */
  // ---- result cache (predictions, maps, per-image metric values; see engine/cache/results.ts) ----------

  cacheGet(key: string): Uint8Array | null {
    return this.use((db) => {
      const row = db.get('SELECT bytes FROM results_cache WHERE key = ?', [key]) as { bytes: Uint8Array } | null;
      return row ? new Uint8Array(row.bytes) : null;
    });
  }

  /** Stores entries in one transaction (a key already there is replaced). */
  cachePut(entries: readonly { key: string; kind: string; bytes: Uint8Array }[]): void {
    if (!entries.length) return;
    const created = new Date().toISOString();
    this.write((db) => {
      for (const e of entries) {
        db.run('INSERT INTO results_cache (key, kind, bytes, created) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET kind = excluded.kind, bytes = excluded.bytes, created = excluded.created', [e.key, e.kind, e.bytes, created]);
      }
    });
  }

  /** What the cache holds, per kind. */
  cacheUsage(): Record<string, CacheUsage> {
    return this.use((db) => {
      const rows = db.all('SELECT kind, COUNT(*) AS entries, COALESCE(SUM(LENGTH(bytes)), 0) AS bytes FROM results_cache GROUP BY kind') as { kind: string; entries: number; bytes: number }[];
      return Object.fromEntries(rows.map((r) => [r.kind, { entries: Number(r.entries), bytes: Number(r.bytes) }]));
    });
  }

  /** Empties the cache and gives the space back to the disk. */
  cacheClear(): void {
    this.write((db) => db.run('DELETE FROM results_cache'));
    this.use((db) => db.exec('VACUUM'));
  }

  getMeta(key: string): string | null {
    const row = this.use((db) => db.get('SELECT value FROM meta WHERE key = ?', [key]) as { value: string } | null);
    return row ? String(row.value) : null;
  }

  setMeta(key: string, value: string | null): void {
    this.write((db) => {
      if (value === null) db.run('DELETE FROM meta WHERE key = ?', [key]);
      else db.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', [key, value]);
    });
  }
}

/** One kind of cached result, counted. */
export interface CacheUsage {
  entries: number;
  bytes: number;
}

/** An imported expert mask; `data` is deflated (zlib) width·height bytes, 1 = in the region. */
export interface RegionMaskRow {
  id: number;
  image: string;
  /** The image folder it was imported for (as annotations' geometry records it); null when unknown. */
  dataset: string | null;
  label: string;
  /** The imported file or folder's name, e.g. `masks/`. */
  source: string;
  width: number;
  height: number;
  data: Uint8Array;
  created: string;
}

export interface AnnotationRow {
  id: number;
  image: string;
  kind: string;
  label: string;
  note: string;
  geometry: string;
  created: string;
}

function annotationRow(r: Record<string, unknown>): AnnotationRow {
  return {
    id: Number(r.id),
    image: String(r.image),
    kind: String(r.kind),
    label: String(r.label),
    note: String(r.note),
    geometry: String(r.geometry),
    created: String(r.created),
  };
}
