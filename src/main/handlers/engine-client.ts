/**
 * What each channel of the shared contract does, free of Electron: the Electron app registers these handlers on
 * `ipcMain` (see ipc.ts and index.ts) and the web test bridge serves the same handlers over HTTP. Everything
 * platform-specific comes in through {@link HandlerDeps}: native dialogs, the event sink, the user-data folder.
 *
 * The handlers guard the engine: only paths the user chose reach it, job ids are unique, and the engine's state
 * (the open project, model and image folder) is mirrored here so a restarted worker gets it back after a crash.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type {
  AppSettings,
  ChannelName,
  DatasetListing,
  EventName,
  Events,
  ExecutionProviderName,
  ExportResult,
  ModelState,
  Precision,
  ProjectInfo,
  ProjectOpened,
  RecentProject,
  RequestOf,
  ResponseOf,
} from '../../shared/api';
import type { EngineHost, EngineJob } from '../engine-host/host';
import type { EngineOps, ExplainPartial, PredictPartial, ProjectContext } from '../workbench/ops';
import { AppError } from '../common/errors';
import { isOnnxFileName, isProjectFileName, type PathAllowList } from './access';
import { projectName, type UserDataStore } from './user-data';

/** Native dialogs (Electron) or their stand-in (the web bridge's test hook). Each resolves to null when cancelled. */
export interface Dialogs {
  openModel(): Promise<string | null>;
  openFolder(): Promise<string | null>;
  openProject(): Promise<string | null>;
  /** Where to save the project file (a .camscope path). */
  saveProject(defaultName: string): Promise<string | null>;
  /** A new folder for an export (it is created). */
  exportFolder(kind: 'figure' | 'report', defaultName: string): Promise<string | null>;
  /** Where to write the annotations' COCO JSON. */
  saveCoco(defaultName: string): Promise<string | null>;
  /** Expert regions to import: a COCO .json file, or a folder of Pascal VOC, YOLO or mask files. */
  openRegions(from: 'file' | 'folder'): Promise<string | null>;
  /**
   * Asks the user, in a dialog of the main process, whether to open what was dropped onto the window (true = open).
   * The renderer can claim that something was dropped; only this answer shows that a person really did it.
   */
  confirmDropped(path: string, kind: 'model' | 'folder' | 'project'): Promise<boolean>;
}

export type Emit = <E extends EventName>(event: E, payload: Events[E]) => void;

/** The desktop's file shell (Electron's `shell`), or the web bridge's recording stand-in. */
export interface FileShell {
  /** Opens a file or folder with its default app; resolves to an error text ('' when it worked), as Electron's does. */
  openPath(path: string): Promise<string>;
  showItemInFolder(path: string): void;
}

export type EngineLike = Pick<EngineHost<EngineOps>, 'call' | 'start' | 'warmUp'>;

export interface HandlerDeps {
  engine: EngineLike;
  allowList: PathAllowList;
  dialogs: Dialogs;
  emit: Emit;
  store: UserDataStore;
  app: { version: string; electron: string; shell: 'desktop' | 'web-bridge' };
  /** Where untitled projects live until they are saved. */
  untitledDir: string;
  onSettingsChanged?: (settings: AppSettings) => void;
  onRecentChanged?: (recent: RecentProject[]) => void;
  /** Opens exported files and shows them in their folder; without it those requests are refused. */
  shell?: FileShell;
}

export type Handler<C extends ChannelName> = (payload: RequestOf<C>) => Promise<ResponseOf<C>> | ResponseOf<C>;
export type Handlers = { [C in ChannelName]: Handler<C> };

const notChosen = (what: 'model' | 'folder' | 'project'): AppError =>
  new AppError(
    'NOT_ALLOWED',
    {
      model: 'camscope can only open models you picked with "Open model…" or dropped onto the window. Please choose the file again.',
      folder: 'camscope can only read image folders you picked with "Open image folder…" or dropped onto the window. Please choose the folder again.',
      project: 'camscope can only open projects you picked with "Open project…", dropped onto the window, or from the recent list. Please choose the file again.',
    }[what],
  );

interface Mirror {
  projectPath: string | null;
  model: { path: string; provider: ExecutionProviderName; precision: Precision; layer: string } | null;
  datasetRoot: string | null;
}

/**
 * Where Save Project As writes, given the save dialog's answer. A name with a project extension is used as it is
 * (the dialog asked before replacing it). Otherwise `.camscope` is added, and since the dialog never saw that name,
 * a file already there is refused rather than replaced.
 */
export async function saveAsDestination(chosen: string): Promise<string> {
  const answer = path.resolve(chosen);
  if (isProjectFileName(answer)) return answer;
  const dest = `${answer}.camscope`;
  if (await fs.lstat(dest).then(() => true, () => false)) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `camscope did not save the project, because ${dest} already exists and the save dialog never asked whether to replace it; choose Save Project As… again and pick that file or a new name.`,
    );
  }
  return dest;
}

/**
 * A model that could not be opened, in one sentence that names the file. The engine reports a damaged file with the
 * decoder's own words in brackets ("invalid wire type 7 at offset 16", "index out of range"), which mean nothing to a
 * user: those become what they mean. Other model errors get the file's name in front when they lack it.
 */
export function plainModelError(e: unknown, file: string): unknown {
  const code = (e as { code?: unknown })?.code;
  if (!(e instanceof Error) || code !== 'INVALID_MODEL') return e;
  const name = path.basename(file);
  if (/^This file is not a valid ONNX model/.test(e.message)) {
    const empty = /no computation graph/.test(e.message);
    return new AppError(
      'INVALID_MODEL',
      empty
        ? `${name} is not an ONNX model: it holds no network, so export the model from your framework again or choose another file.`
        : `${name} is not a valid ONNX model: the file is damaged, cut short or another kind of file, so export it again or choose another file.`,
      { cause: e },
    );
  }
  if (e.message.includes(name)) return e;
  return new AppError('INVALID_MODEL', `${name}: ${e.message}`, { cause: e });
}

/** The handlers plus what the shell tells them (a crashed engine). */
export class Workbench {
  private readonly deps: HandlerDeps;
  private readonly mirror: Mirror = { projectPath: null, model: null, datasetRoot: null };
  private syncedGeneration = 0;
  private syncing: Promise<void> | null = null;
  /** Running jobs by the renderer's id; `job` is null while the engine is still being prepared for it. */
  private readonly jobs = new Map<string, { job: EngineJob<unknown> | null; cancelled: boolean }>();
  private untitledCount = 0;
  /** A drop confirmation is on screen: a second one is refused, so a page cannot stack up dialogs. */
  private confirmingDrop = false;
  /**
   * Files and folders this app wrote in its exports (absolute paths): the only ones "Open" and "Show in folder" act
   * on, so a page cannot make main open an arbitrary path.
   */
  private readonly written = new Set<string>();

  private noteWritten(result: ExportResult | null): ExportResult | null {
    if (result) {
      this.written.add(path.resolve(result.dir));
      for (const f of result.files) this.written.add(path.resolve(result.dir, f));
    }
    return result;
  }

  /** A path of {@link written}, or a refusal naming it. */
  private exported(p: string): string {
    const abs = path.resolve(p);
    if (!this.written.has(abs)) {
      throw new AppError('NOT_ALLOWED', `camscope opens only files it has just exported, and ${path.basename(abs)} is not one of them.`);
    }
    if (!this.deps.shell) throw new AppError('NOT_READY', 'This version of camscope cannot open files in other apps.');
    return abs;
  }

  constructor(deps: HandlerDeps) {
    this.deps = deps;
  }

  /**
   * Test hook (the web bridge's /__test/reset, once the engine was stopped): nothing is open any more, and the next
   * request starts the engine like a first start (a new untitled project, no "restarted" notice). Each end-to-end
   * spec file starts from a fresh app this way instead of inheriting the previous file's project and annotations.
   */
  forgetForTest(): void {
    this.mirror.projectPath = null;
    this.mirror.model = null;
    this.mirror.datasetRoot = null;
    this.syncedGeneration = 0;
  }

  /** Called by the engine host when the worker died: the renderer is told; the next call restores the state. */
  engineCrashed(message: string): void {
    this.deps.emit('engine:status', { state: 'crashed', message });
  }

  private untitledPath(): string {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    return path.join(this.deps.untitledDir, `untitled-${stamp}-${process.pid}-${++this.untitledCount}.camscope`);
  }

  /** Untitled projects nobody saved are kept for a while (in case the app crashed), then removed. */
  private async removeOldUntitled(maxAgeDays = 14): Promise<void> {
    const cutoff = Date.now() - maxAgeDays * 86_400_000;
    const names = await fs.readdir(this.deps.untitledDir).catch(() => [] as string[]);
    for (const name of names) {
      if (!/^untitled-.*\.camscope$/.test(name)) continue;
      const file = path.join(this.deps.untitledDir, name);
      const stat = await fs.stat(file).catch(() => null);
      if (stat && stat.mtimeMs < cutoff) await fs.rm(file, { force: true }).catch(() => {});
    }
  }

  /**
   * Makes sure the worker has the open project, model and folder: a fresh worker (first start, or after a crash)
   * gets them replayed before any other request.
   */
  private async sync(): Promise<void> {
    while (this.syncing) await this.syncing;
    const generation = this.deps.engine.warmUp();
    if (generation === this.syncedGeneration) return;
    const replay = async (): Promise<void> => {
      const { engine } = this.deps;
      const restarted = this.syncedGeneration !== 0;
      const lost: string[] = [];
      if (!this.mirror.projectPath) {
        await fs.mkdir(this.deps.untitledDir, { recursive: true });
        await this.removeOldUntitled();
        this.mirror.projectPath = this.untitledPath();
      }
      try {
        await engine.call('openProject', { path: this.mirror.projectPath });
      } catch (e) {
        lost.push(`the project (${(e as Error).message})`);
        this.mirror.projectPath = this.untitledPath();
        await engine.call('openProject', { path: this.mirror.projectPath });
      }
      if (this.mirror.model) {
        try {
          await engine.call('loadModel', this.mirror.model);
        } catch (e) {
          lost.push(`the model (${(e as Error).message})`);
          this.mirror.model = null;
        }
      }
      if (this.mirror.datasetRoot) {
        try {
          await engine.call('openDataset', { root: this.mirror.datasetRoot });
        } catch (e) {
          lost.push(`the image folder (${(e as Error).message})`);
          this.mirror.datasetRoot = null;
        }
      }
      this.syncedGeneration = generation;
      if (restarted) {
        this.deps.emit('engine:status', {
          state: 'recovered',
          message: lost.length
            ? `The analysis engine was restarted, but camscope could not reopen ${lost.join(' and ')}.`
            : 'The analysis engine was restarted and your model, images and project were reopened.',
        });
      }
    };
    this.syncing = replay().finally(() => {
      this.syncing = null;
    });
    await this.syncing;
  }

  private async call<K extends keyof EngineOps & string>(op: K, args: EngineOps[K]['args']): Promise<EngineOps[K]['result']> {
    await this.sync();
    return this.deps.engine.call(op, args);
  }

  /** Runs a job under the renderer's id, forwarding its partial results as events. */
  private async job<K extends keyof EngineOps & string>(
    jobId: string,
    op: K,
    args: EngineOps[K]['args'],
    onPartial: (value: EngineOps[K] extends { partial: infer P } ? P : never) => void,
  ): Promise<EngineOps[K]['result']> {
    if (this.jobs.has(jobId)) throw new AppError('BUSY', `A job with the id "${jobId}" is already running.`);
    const entry: { job: EngineJob<unknown> | null; cancelled: boolean } = { job: null, cancelled: false };
    this.jobs.set(jobId, entry);
    try {
      await this.sync();
      if (entry.cancelled) throw new AppError('CANCELLED', 'The job was cancelled.');
      const job = this.deps.engine.start(op, args, { onPartial });
      entry.job = job as EngineJob<unknown>;
      return await job.result;
    } finally {
      if (this.jobs.get(jobId) === entry) this.jobs.delete(jobId);
    }
  }

  /** Forwards a job's progress as `job:progress`; anything else goes to `other`. */
  private progressOrElse<T extends object>(jobId: string, value: T | Omit<Events['job:progress'], 'jobId'>, other: (v: T) => void): void {
    if ('stage' in value) this.deps.emit('job:progress', { ...value, jobId });
    else other(value);
  }

  private async contextPatch(patch: Partial<ProjectContext>): Promise<void> {
    try {
      await this.call('setProjectContext', patch);
    } catch (e) {
      console.warn('[workbench] could not record the project context', e);
    }
  }

  private async projectInfo(): Promise<ProjectInfo> {
    const stats = await this.call('projectStats', {});
    const p = this.mirror.projectPath;
    const untitled = !p || path.resolve(p).startsWith(path.resolve(this.deps.untitledDir) + path.sep);
    return {
      path: untitled ? null : p,
      name: untitled ? 'Untitled project' : projectName(p!),
      modelPath: this.mirror.model?.path ?? null,
      datasetRoot: this.mirror.datasetRoot,
      ...stats,
    };
  }

  private recentChanged(list: RecentProject[]): void {
    this.deps.onRecentChanged?.(list);
  }

  private async loadModel(args: { path: string; provider?: ExecutionProviderName; precision?: Precision; layer?: string }): Promise<ModelState> {
    const settings = this.deps.store.settings();
    const provider = args.provider ?? settings.provider;
    const precision = args.precision ?? settings.precision;
    const model = { path: args.path, provider, precision, layer: args.layer ?? 'auto' };
    const state = await this.call('loadModel', model).catch((e: unknown) => {
      throw plainModelError(e, args.path);
    });
    this.mirror.model = model;
    await this.contextPatch({ modelPath: model.path, provider, precision, layer: model.layer });
    return state;
  }

  private async openDataset(root: string): Promise<DatasetListing> {
    const listing = await this.call('openDataset', { root });
    this.mirror.datasetRoot = listing.root;
    await this.contextPatch({ datasetRoot: listing.root });
    return listing;
  }

  private async openProject(file: string): Promise<ProjectOpened> {
    const abs = path.resolve(file);
    const stat = await fs.stat(abs).catch(() => null);
    if (!stat?.isFile()) {
      this.recentChanged(this.deps.store.removeRecent(abs));
      throw new AppError('INVALID_ARGUMENT', `The project file ${abs} is no longer there. It may have been moved or deleted.`);
    }
    const { context } = await this.call('openProject', { path: abs });
    this.mirror.projectPath = abs;
    this.deps.allowList.add(abs);
    const warnings: string[] = [];
    let model: ModelState | null = null;
    let dataset: DatasetListing | null = null;
    if (context.modelPath) {
      const modelStat = await fs.stat(context.modelPath).catch(() => null);
      if (modelStat?.isFile()) {
        this.deps.allowList.add(context.modelPath);
        try {
          model = await this.loadModel({
            path: context.modelPath,
            provider: context.provider ?? undefined,
            precision: context.precision ?? undefined,
            layer: context.layer ?? undefined,
          });
        } catch (e) {
          warnings.push(`The project's model could not be opened: ${(e as Error).message}`);
        }
      } else {
        warnings.push(`The project's model ${context.modelPath} was not found. Open it again with "Open model…".`);
      }
    } else if (this.mirror.model) {
      const { path: modelPath, provider, precision, layer } = this.mirror.model;
      await this.contextPatch({ modelPath, provider, precision, layer });
    }
    if (context.datasetRoot) {
      const rootStat = await fs.stat(context.datasetRoot).catch(() => null);
      if (rootStat?.isDirectory()) {
        this.deps.allowList.addFolder(context.datasetRoot);
        try {
          dataset = await this.openDataset(context.datasetRoot);
        } catch (e) {
          warnings.push(`The project's image folder could not be read: ${(e as Error).message}`);
        }
      } else {
        warnings.push(`The project's image folder ${context.datasetRoot} was not found. Open it again with "Open image folder…".`);
      }
    } else if (this.mirror.datasetRoot) {
      await this.contextPatch({ datasetRoot: this.mirror.datasetRoot });
    }
    this.recentChanged(this.deps.store.touchRecent(abs));
    return { project: await this.projectInfo(), model, dataset, warnings };
  }

  /** Asks for a new export folder; refuses an existing file of that name. */
  private async exportDir(kind: 'figure' | 'report'): Promise<string | null> {
    const chosen = await this.deps.dialogs.exportFolder(kind, kind === 'figure' ? 'camscope-figure' : 'camscope-report');
    if (!chosen) return null;
    const dir = path.resolve(chosen);
    const stat = await fs.stat(dir).catch(() => null);
    if (stat && !stat.isDirectory()) {
      throw new AppError('INVALID_ARGUMENT', `${dir} is a file. Choose a new folder name for the export.`);
    }
    return dir;
  }

  handlers(): Handlers {
    const { deps } = this;
    return {
      'app:version': () => ({ version: deps.app.version, electron: deps.app.electron, node: process.versions.node, shell: deps.app.shell }),
      'settings:get': () => deps.store.settings(),
      'settings:set': (patch) => {
        const next = deps.store.updateSettings(patch);
        deps.onSettingsChanged?.(next);
        return next;
      },
      'methods:list': () => this.call('methods', {}),

      'model:inspect': ({ path: p }) => {
        if (!deps.allowList.has(p)) throw notChosen('model');
        return this.call('inspect', { path: p }).catch((e: unknown) => {
          throw plainModelError(e, p);
        });
      },
      'demo:inspect': async () => {
        const inspection = await this.call('inspectDemo', {});
        // The demo model may be re-opened by path later (e.g. to explain an image with it).
        deps.allowList.add(inspection.path);
        return inspection;
      },
      'dialog:openModel': async () => {
        const chosen = await deps.dialogs.openModel();
        return chosen ? { path: deps.allowList.add(chosen) } : null;
      },
      'dialog:openFolder': async () => {
        const chosen = await deps.dialogs.openFolder();
        return chosen ? { path: deps.allowList.addFolder(chosen) } : null;
      },
      'dialog:openProject': async () => {
        const chosen = await deps.dialogs.openProject();
        return chosen ? { path: deps.allowList.add(chosen) } : null;
      },
      /**
       * Main cannot see drops: the path arrives from the renderer, which a compromised page could fake (allow-listing
       * `/`). So a path that is not already allowed is allow-listed only after the user confirms it in a native
       * dialog of main's own, which page script cannot answer. Cancelled: null, nothing allowed.
       */
      'drop:register': async ({ path: dropped }) => {
        const p = path.resolve(dropped);
        const stat = await fs.stat(p).catch(() => null);
        if (!stat) {
          throw new AppError('INVALID_ARGUMENT', 'camscope could not find that on disk. Try opening it from the File menu instead.');
        }
        const kind = stat.isDirectory()
          ? ('folder' as const)
          : stat.isFile() && isOnnxFileName(p)
            ? ('model' as const)
            : stat.isFile() && isProjectFileName(p)
              ? ('project' as const)
              : null;
        if (!kind) {
          throw new AppError(
            'INVALID_ARGUMENT',
            'camscope opens ONNX models (.onnx), folders of images and camscope projects (.camscope). Drop one of those.',
          );
        }
        const allowed = kind === 'folder' ? deps.allowList.hasFolder(p) : deps.allowList.has(p);
        if (!allowed) {
          if (this.confirmingDrop) throw new AppError('BUSY', 'camscope is already asking about something you dropped; answer that question first.');
          this.confirmingDrop = true;
          try {
            if (!(await deps.dialogs.confirmDropped(p, kind))) return null;
          } finally {
            this.confirmingDrop = false;
          }
        }
        return { path: kind === 'folder' ? deps.allowList.addFolder(p) : deps.allowList.add(p), kind };
      },
      'model:load': (args) => {
        if (!deps.allowList.has(args.path)) throw notChosen('model');
        return this.loadModel(args);
      },
      'demo:open': async () => {
        const demo = await this.call('demoPaths', {});
        deps.allowList.add(demo.model);
        deps.allowList.addFolder(demo.images);
        const model = await this.loadModel({ path: demo.model, layer: 'auto' });
        const dataset = await this.openDataset(demo.images);
        return { model, dataset };
      },
      'dataset:open': ({ root }) => {
        if (!deps.allowList.hasFolder(root)) throw notChosen('folder');
        return this.openDataset(root);
      },
      'dataset:thumbnails': ({ indices }) => this.call('thumbnails', { indices }),
      'predictions:run': ({ jobId }) =>
        this.job(jobId, 'predict', {}, (v) =>
          this.progressOrElse<PredictPartial>(jobId, v, (batch) => deps.emit('predictions:batch', { jobId, ...batch })),
        ),
      'image:explain': ({ jobId, ...args }) =>
        this.job(jobId, 'explain', args, (v) =>
          this.progressOrElse<ExplainPartial>(jobId, v, (p) => {
            if (p.kind === 'image') {
              const { kind: _k, ...rest } = p;
              deps.emit('explain:image', { jobId, ...rest });
            } else {
              const { kind: _k, ...rest } = p;
              deps.emit('explain:map', { jobId, ...rest });
            }
          }),
        ),
      'image:faithfulness': ({ jobId, ...args }) =>
        this.job(jobId, 'faithfulness', args, (v) => this.progressOrElse(jobId, v, () => {})),
      'model:sweepLayers': ({ jobId, ...args }) => this.job(jobId, 'sweepLayers', args, (v) => this.progressOrElse(jobId, v, () => {})),
      'sanity:run': async ({ jobId, ...args }) => {
        // Main picks the folder (the renderer never sends a path): a new one under the app's user-data folder.
        const stamp = new Date().toISOString().replace(/[:.]/g, '-');
        const dir = path.join(deps.store.dir, 'sanity-checks', `${stamp}-${args.mode}-${jobId}`);
        const result = await this.job(jobId, 'sanity', { dir, ...args }, (v) => this.progressOrElse(jobId, v, () => {}));
        this.noteWritten({ dir: result.dir, files: result.files });
        return result;
      },
      'job:cancel': ({ jobId }) => {
        const entry = this.jobs.get(jobId);
        if (!entry) return { cancelled: false };
        this.jobs.delete(jobId);
        entry.cancelled = true;
        entry.job?.cancel();
        return { cancelled: true };
      },

      'project:current': () => this.projectInfo(),
      'project:open': ({ path: p }) => {
        if (!deps.allowList.has(p) && !deps.store.isRecent(p)) throw notChosen('project');
        return this.openProject(p);
      },
      'project:saveAs': async () => {
        const current = await this.projectInfo();
        const chosen = await deps.dialogs.saveProject(current.path ? current.name : 'My camscope project');
        if (!chosen) return null;
        const dest = await saveAsDestination(chosen);
        await this.call('saveProjectAs', { dest });
        this.mirror.projectPath = dest;
        deps.allowList.add(dest);
        this.recentChanged(deps.store.touchRecent(dest));
        const info = await this.projectInfo();
        deps.emit('project:changed', info);
        return info;
      },
      'project:recent': () => deps.store.recentProjects(),

      'annotations:list': ({ image }) => this.call('listAnnotations', image === undefined ? {} : { image }),
      'annotations:add': (a) => this.call('addAnnotation', a),
      'annotations:update': (patch) => this.call('updateAnnotation', patch),
      'annotations:delete': ({ id }) => this.call('deleteAnnotation', { id }),
      'annotations:exportCoco': async () => {
        const chosen = await deps.dialogs.saveCoco('annotations.coco.json');
        if (!chosen) return null;
        const written = await this.call('exportCoco', { dest: path.resolve(chosen) });
        this.written.add(path.resolve(written.path));
        return written;
      },

      'regions:import': async ({ from }) => {
        // The path comes from main's own dialog; the renderer only says which kind of dialog to show.
        const chosen = await deps.dialogs.openRegions(from);
        if (!chosen) return null;
        return this.call('importRegions', { path: path.resolve(chosen) });
      },
      'regions:agreement': (args) => this.call('regionAgreement', args),

      'evaluation:run': ({ jobId, ...args }) => this.job(jobId, 'evaluate', args, (v) => this.progressOrElse(jobId, v, () => {})),
      'evaluation:list': () => this.call('listEvaluations', {}),
      'cache:usage': () => this.call('cacheUsage', {}),
      'cache:clear': () => this.call('clearCache', {}),
      'classes:get': () => this.call('classNames', {}),
      'classes:set': ({ names }) => this.call('setClassNames', { names }),
      'evaluation:get': ({ id }) => this.call('getEvaluation', { id }),

      'export:figure': async ({ jobId, ...args }) => {
        const dir = await this.exportDir('figure');
        if (!dir) return null;
        return this.noteWritten(await this.job(jobId, 'exportFigure', { dir, ...args }, (v) => this.progressOrElse(jobId, v, () => {})));
      },
      'export:report': async ({ jobId, ...args }) => {
        const dir = await this.exportDir('report');
        if (!dir) return null;
        return this.noteWritten(await this.job(jobId, 'exportReport', { dir, ...args }, (v) => this.progressOrElse(jobId, v, () => {})));
      },
      'export:open': async ({ path: p }) => {
        const abs = this.exported(p);
        const problem = await deps.shell!.openPath(abs);
        if (problem) throw new AppError('INTERNAL', `${path.basename(abs)} could not be opened: ${problem.replace(/\.$/, '')}.`);
        return { opened: true as const };
      },
      'export:showInFolder': ({ path: p }) => {
        deps.shell!.showItemInFolder(this.exported(p));
        return { shown: true as const };
      },
    };
  }
}

/** The handlers for every channel, and the workbench behind them. */
export function createHandlers(deps: HandlerDeps): { handlers: Handlers; workbench: Workbench } {
  const workbench = new Workbench(deps);
  return { handlers: workbench.handlers(), workbench };
}
