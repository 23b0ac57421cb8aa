/**
 * The project database: one real SQLite file (WebAssembly build, so nothing needs rebuilding for Electron) holding
 * evaluation runs with their per-image results, written as they are computed, and the user's annotations.
 */
import sqlite from 'node-sqlite3-wasm';
import { CamscopeError, errorMessage } from '../errors';
import type { EvaluationSettings, ImageRecord } from './types';

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS evaluations (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  settings TEXT NOT NULL,
  created TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'running',
  elapsed_seconds REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS eval_images (
  eval_id INTEGER NOT NULL REFERENCES evaluations(id),
  idx INTEGER NOT NULL,
  file TEXT NOT NULL,
  record TEXT,
  error TEXT,
  PRIMARY KEY (eval_id, file)
);
CREATE TABLE IF NOT EXISTS annotations (
  id INTEGER PRIMARY KEY,
  image TEXT NOT NULL,
  kind TEXT NOT NULL,
  label TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  geometry TEXT NOT NULL,
  created TEXT NOT NULL
);
`;

export interface EvaluationRow {
  id: number;
  key: string;
  settings: EvaluationSettings;
  status: 'running' | 'complete' | 'cancelled';
  elapsedSeconds: number;
}

export class ProjectDb {
  private readonly db: sqlite.Database;

  constructor(readonly path: string) {
    try {
      this.db = new sqlite.Database(path);
      this.db.exec(SCHEMA);
      const v = this.db.get('SELECT value FROM meta WHERE key = ?', ['schema_version']) as { value: string } | null;
      if (!v) this.db.run('INSERT INTO meta (key, value) VALUES (?, ?)', ['schema_version', String(SCHEMA_VERSION)]);
      else if (Number(v.value) > SCHEMA_VERSION) throw new Error(`it was written by a newer camscope (schema ${v.value})`);
    } catch (e) {
      throw new CamscopeError('INVALID_ARGUMENT', `Cannot open the project file ${path}: ${errorMessage(e)}`, { cause: e });
    }
  }

  /** The run with these result-determining settings, created if new. */
  evaluation(key: string, settings: EvaluationSettings): EvaluationRow {
    const existing = this.db.get('SELECT * FROM evaluations WHERE key = ?', [key]) as Record<string, unknown> | null;
    if (!existing) {
      this.db.run('INSERT INTO evaluations (key, settings, created) VALUES (?, ?, ?)', [key, JSON.stringify(settings), settings.created]);
      return this.evaluation(key, settings);
    }
    return {
      id: Number(existing.id),
      key,
      settings: JSON.parse(String(existing.settings)) as EvaluationSettings,
      status: existing.status as EvaluationRow['status'],
      elapsedSeconds: Number(existing.elapsed_seconds),
    };
  }

  /** Files already finished (or failed) in a run. */
  doneFiles(evalId: number): Set<string> {
    return new Set((this.db.all('SELECT file FROM eval_images WHERE eval_id = ?', [evalId]) as { file: string }[]).map((r) => r.file));
  }

  /** Stores one image's result; a plain INSERT, so computing an image twice is an error rather than a silent overwrite. */
  addImage(evalId: number, idx: number, file: string, result: { record: ImageRecord } | { error: string }, elapsedSeconds: number): void {
    this.db.exec('BEGIN');
    try {
      this.db.run('INSERT INTO eval_images (eval_id, idx, file, record, error) VALUES (?, ?, ?, ?, ?)', [
        evalId, idx, file, 'record' in result ? JSON.stringify(result.record) : null, 'error' in result ? result.error : null,
      ]);
      this.db.run('UPDATE evaluations SET elapsed_seconds = ? WHERE id = ?', [elapsedSeconds, evalId]);
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  images(evalId: number): { idx: number; file: string; record: ImageRecord | null; error: string | null }[] {
    return (this.db.all('SELECT idx, file, record, error FROM eval_images WHERE eval_id = ? ORDER BY idx', [evalId]) as Record<string, unknown>[]).map((r) => ({
      idx: Number(r.idx),
      file: String(r.file),
      record: r.record ? (JSON.parse(String(r.record)) as ImageRecord) : null,
      error: r.error === null ? null : String(r.error),
    }));
  }

  setStatus(evalId: number, status: EvaluationRow['status'], elapsedSeconds: number): void {
    this.db.run('UPDATE evaluations SET status = ?, elapsed_seconds = ? WHERE id = ?', [status, elapsedSeconds, evalId]);
  }

  evaluations(): EvaluationRow[] {
    return (this.db.all('SELECT * FROM evaluations ORDER BY id') as Record<string, unknown>[]).map((r) => ({
      id: Number(r.id),
      key: String(r.key),
      settings: JSON.parse(String(r.settings)) as EvaluationSettings,
      status: r.status as EvaluationRow['status'],
      elapsedSeconds: Number(r.elapsed_seconds),
    }));
  }

  close(): void {
    this.db.close();
  }

  // --- Annotations (added for the desktop workbench) and the project context they refer to ---

  /** The user's annotations, oldest first; only those of one image (dataset-relative path) when given. */
  annotations(image?: string): AnnotationRow[] {
    const rows = (image === undefined
      ? this.db.all('SELECT * FROM annotations ORDER BY id')
      : this.db.all('SELECT * FROM annotations WHERE image = ? ORDER BY id', [image])) as Record<string, unknown>[];
    return rows.map(annotationRow);
  }

  annotation(id: number): AnnotationRow | null {
    const row = this.db.get('SELECT * FROM annotations WHERE id = ?', [id]) as Record<string, unknown> | null;
    return row ? annotationRow(row) : null;
  }

  /** Stores a new annotation; `geometry` is the caller's JSON text (shape vertices, image size). */
  addAnnotation(a: { image: string; kind: string; label: string; note: string; geometry: string }): AnnotationRow {
    this.db.run('INSERT INTO annotations (image, kind, label, note, geometry, created) VALUES (?, ?, ?, ?, ?, ?)', [
      a.image, a.kind, a.label, a.note, a.geometry, new Date().toISOString(),
    ]);
    const { id } = this.db.get('SELECT last_insert_rowid() AS id') as { id: number };
    return this.annotation(Number(id))!;
  }

  /** Changes an annotation's label, note or geometry; null when there is no such annotation. */
  updateAnnotation(id: number, patch: { label?: string; note?: string; geometry?: string }): AnnotationRow | null {
    const current = this.annotation(id);
    if (!current) return null;
    this.db.run('UPDATE annotations SET label = ?, note = ?, geometry = ? WHERE id = ?', [
      patch.label ?? current.label, patch.note ?? current.note, patch.geometry ?? current.geometry, id,
    ]);
    return this.annotation(id);
  }

  deleteAnnotation(id: number): boolean {
    const existed = this.annotation(id) !== null;
    this.db.run('DELETE FROM annotations WHERE id = ?', [id]);
    return existed;
  }

  annotationCount(): number {
    return Number((this.db.get('SELECT COUNT(*) AS n FROM annotations') as { n: number }).n);
  }

  /** A project-level setting (e.g. the model and image folder the annotations refer to); null when unset. */
  getMeta(key: string): string | null {
    const row = this.db.get('SELECT value FROM meta WHERE key = ?', [key]) as { value: string } | null;
    return row ? String(row.value) : null;
  }

  setMeta(key: string, value: string | null): void {
    if (value === null) this.db.run('DELETE FROM meta WHERE key = ?', [key]);
    else this.db.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', [key, value]);
  }
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
