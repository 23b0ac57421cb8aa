/**
 * What the engine process has open: the model (with the arguments it was loaded with), the image folder and the
 * project file, and whether an evaluation runs. Every service reads it; a change of what is open is announced as an
 * event, and index.ts wires each event to the caches it makes stale, so no service reaches into another's cache.
 */
import type { ExecutionProviderName, IpcErrorCode, Precision } from '../../shared/api';
import { CamscopeError } from '../engine/errors';
import type { Dataset } from '../engine/evaluate/dataset';
import { ProjectDb } from '../engine/evaluate/project-db';
import type { Classifier } from '../engine/model/classifier';

/** How a model was asked to load (kept to reopen it at other layers and for the sanity check). */
export interface LoadArgs {
  path: string;
  provider: ExecutionProviderName;
  precision: Precision;
  layer: string;
  /** The intensity mapping the user chose for DICOM and 16-bit images (null or absent: the sidecar's, else camscope's default). */
  intensity?: string | null;
}

export interface OpenModel {
  classifier: Classifier;
  args: LoadArgs;
}

/**
 * model: another model was swapped in. dataset: a folder was opened. project: a project file was opened.
 * classes: the open model took the folder's class names (its predictions' names changed).
 */
export type StateEvent = 'model' | 'dataset' | 'project' | 'classes';

/**
 * An error with one of the shell's codes (NOT_READY, BUSY). It travels like the engine's own errors: the worker
 * runtime passes the code and message of anything named CamscopeError through unchanged.
 */
export function workbenchError(code: IpcErrorCode, message: string): Error {
  return Object.assign(new Error(message), { name: 'CamscopeError', code });
}

export function notReady(what: 'model' | 'dataset' | 'project'): Error {
  const text = {
    model: 'Open a model first (File → Open Model…, or try the demo).',
    dataset: 'Open an image folder first (File → Open Image Folder…, or try the demo).',
    project: 'No project is open.',
  }[what];
  return workbenchError('NOT_READY', text);
}

export class WorkbenchState {
  /** Set while an evaluation runs: a second one, and saving the project elsewhere, wait for it. */
  evaluating = false;
  private open: OpenModel | null = null;
  private folder: Dataset | null = null;
  private project: string | null = null;
  private readonly listeners: Record<StateEvent, (() => void)[]> = { model: [], dataset: [], project: [], classes: [] };

  get model(): OpenModel | null {
    return this.open;
  }

  get classifier(): Classifier | null {
    return this.open?.classifier ?? null;
  }

  get dataset(): Dataset | null {
    return this.folder;
  }

  get projectPath(): string | null {
    return this.project;
  }

  /** Listeners run in the order they were added, synchronously, when the event is emitted. */
  on(event: StateEvent, fn: () => void): void {
    this.listeners[event].push(fn);
  }

  emit(event: StateEvent): void {
    for (const fn of this.listeners[event]) fn();
  }

  /** Swaps in a newly loaded model (emits `model`); the caller releases the previous one. */
  setModel(classifier: Classifier, args: LoadArgs): void {
    this.open = { classifier, args };
    this.emit('model');
  }

  /** A folder was opened (emits `dataset`). */
  setDataset(dataset: Dataset): void {
    this.folder = dataset;
    this.emit('dataset');
  }

  /** The open folder read again, its labels matched to a new model's classes: the same images, so no event. */
  rereadDataset(dataset: Dataset): void {
    this.folder = dataset;
  }

  /** A project file was opened (emits `project`). */
  setProject(path: string): void {
    this.project = path;
    this.emit('project');
  }

  requireModel(): Classifier {
    if (!this.open) throw notReady('model');
    return this.open.classifier;
  }

  requireDataset(): Dataset {
    if (!this.folder) throw notReady('dataset');
    return this.folder;
  }

  requireProject(): string {
    if (!this.project) throw notReady('project');
    return this.project;
  }

  item(index: number): Dataset['items'][number] {
    const d = this.requireDataset();
    const item = d.items[index];
    if (!item) throw new CamscopeError('INVALID_ARGUMENT', `There is no image number ${index} in this folder (it has ${d.items.length}).`);
    return item;
  }

  /** Runs `fn` on the open project's database, closing it afterwards. */
  withDb<T>(fn: (db: ProjectDb) => T): T {
    const db = new ProjectDb(this.requireProject());
    try {
      return fn(db);
    } finally {
      db.close();
    }
  }

  /** What the in-memory caches of passes and maps are keyed by, besides the image. */
  modelKey(): string {
    const c = this.requireModel();
    // The requested precision, not the one in use: that changes once (fp16 → fp32) while the first scoring graph opens.
    // The intensity mapping too: a DICOM's pixels, and so its predictions and maps, depend on it.
    return `${c.inspection.fingerprint}|${c.layer.name}|${c.provider}|${c.requestedPrecision}|${c.profile.intensity ?? 'default'}`;
  }
}
