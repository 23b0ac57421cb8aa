/**
 * The workbench's top-level state and the flows that span screens: opening a model, an image folder, a project or
 * the demo; menu commands and dropped files; annotations of the project; notices and toasts. One instance for the
 * window (`app`), holding the per-screen states.
 */
import type {
  Annotation,
  AppSettings,
  AppVersionInfo,
  DatasetListing,
  EngineStatus,
  ExecutionProviderName,
  MenuCommand,
  MethodDescriptor,
  ModelPrecision,
  ModelState,
  NewAnnotation,
  Precision,
  ProjectInfo,
  RecentProject,
  Theme,
} from '../api';
import { errorText, getApi } from '../api';
import { BrowserState } from './browser.svelte';
import { ComparisonState } from './comparison.svelte';
import { EvaluationState } from './evaluation.svelte';
import { ImageViewState } from './image.svelte';
import { SanityState } from './sanity.svelte';
import { SweepState } from './sweep.svelte';

export type Screen = 'start' | 'model' | 'browser' | 'image' | 'annotations' | 'evaluation' | 'sanity' | 'comparison' | 'guide';
export type Modal = 'exportFigure' | 'exportReport' | null;

export interface Toast {
  id: number;
  kind: 'info' | 'success' | 'error';
  title: string;
  detail?: string;
  /** One button on the toast (e.g. Undo after a delete). */
  action?: { label: string; run: () => void };
}

/** One undoable annotation edit. */
interface HistoryStep {
  label: string;
  undo: () => Promise<void>;
  redo: () => Promise<void>;
}

let toastId = 0;

export class AppState {
  screen = $state<Screen>('start');
  modal = $state<Modal>(null);
  version = $state.raw<AppVersionInfo | null>(null);
  settings = $state.raw<AppSettings>({ theme: 'system', provider: 'cpu', precision: 'fp32' });
  model = $state.raw<ModelState | null>(null);
  project = $state.raw<ProjectInfo | null>(null);
  recent = $state.raw<RecentProject[]>([]);
  methods = $state.raw<MethodDescriptor[]>([]);
  annotations = $state.raw<Annotation[]>([]);

  /** What the app is busy with, in words (null when idle). */
  busy = $state<string | null>(null);
  error = $state<string | null>(null);
  warnings = $state.raw<string[]>([]);
  engine = $state.raw<EngineStatus | null>(null);
  toasts = $state.raw<Toast[]>([]);
  dragging = $state(false);
  connected = $state(true);

  readonly browser = new BrowserState();
  readonly viewer = new ImageViewState();
  readonly evaluation = new EvaluationState();
  readonly sweep = new SweepState();
  readonly sanity = new SanityState();
  readonly comparison = new ComparisonState();

  readonly dataset = $derived(this.browser.dataset);
  readonly classes = $derived(this.model?.inspection.profile.classes ?? []);
  readonly methodNames = $derived(Object.fromEntries(this.methods.map((m) => [m.id, m.displayName])) as Record<string, string>);
  readonly isBridge = $derived(this.version?.shell === 'web-bridge');

  constructor() {
    this.viewer.onPrecision = (p) => this.notePrecision(p);
  }

  /** `selected` with method `id` switched on or off, kept in the model's method order (the rule every method picker follows). */
  toggleMethod(selected: string[], id: string): string[] {
    return selected.includes(id) ? selected.filter((m) => m !== id) : this.methods.map((m) => m.id).filter((m) => m === id || selected.includes(m));
  }

  /** Connects to the shell, subscribes to its events and loads settings, recent projects and the project. */
  async init(): Promise<void> {
    let api;
    try {
      api = getApi();
    } catch (e) {
      this.connected = false;
      this.error = errorText(e);
      return;
    }
    api.on('menu:command', (c) => void this.onMenu(c));
    api.on('predictions:batch', (b) => this.browser.onPredictionBatch(b));
    api.on('explain:image', (e) => this.viewer.onImage(e));
    api.on('explain:map', (e) => this.viewer.onMap(e));
    api.on('compare:row', (e) => this.comparison.onRow(e));
    api.on('job:progress', (p) => {
      if (p.stage === 'predict') this.browser.onPredictionProgress(p.jobId, p);
      else if (p.stage === 'evaluate') this.evaluation.onProgress(p);
      else if (p.stage === 'export') {
        // The fraction counts masked passes within slow maps, so the bar and the time left move from the first seconds.
        this.exportProgress = p.total ? (p.fraction ?? p.done / p.total) : null;
        this.exportEta = p.etaSeconds ?? null;
      }
      else if (p.stage === 'sweep') this.sweep.onProgress(p);
      else if (p.stage === 'sanity') this.sanity.onProgress(p);
      else if (p.stage === 'compare') this.comparison.onProgress(p);
      else if (p.stage === 'compare-image') return;
      else this.viewer.onProgress(p);
    });
    api.on('engine:status', (s) => this.onEngineStatus(s));
    api.on('project:changed', (p) => {
      this.project = p;
      void this.refreshRecent();
    });
    try {
      const [version, settings, recent] = await Promise.all([
        api.invoke('app:version'),
        api.invoke('settings:get'),
        api.invoke('project:recent'),
      ]);
      this.version = version;
      this.settings = settings;
      this.recent = recent;
      this.applyTheme(settings.theme);
    } catch (e) {
      this.error = errorText(e);
    }
  }

  exportProgress = $state<number | null>(null);
  /** Seconds left of the running export (null while estimating). */
  exportEta = $state<number | null>(null);

  // ---- notices ----

  toast(kind: Toast['kind'], title: string, detail?: string, action?: Toast['action']): void {
    const id = ++toastId;
    this.toasts = [...this.toasts, { id, kind, title, detail, action }];
    setTimeout(() => this.dismiss(id), kind === 'error' || action ? 9_000 : 5_000);
  }

  dismiss(id: number): void {
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }

  private onEngineStatus(s: EngineStatus): void {
    this.engine = s;
    if (s.state === 'recovered') {
      this.toast('info', 'The analysis engine was restarted', s.message);
      this.engine = null;
      // Work that was under way when the engine stopped: start it again.
      if (this.browser.dataset && this.model && (this.browser.predRunning || this.browser.predProgress?.done !== this.browser.dataset.items.length)) {
        void this.browser.runPredictions();
      }
    }
  }

  /** Runs a user action: shows what is happening, and any failure in plain language. */
  async run<T>(label: string, work: () => Promise<T>): Promise<T | undefined> {
    this.busy = label;
    this.error = null;
    try {
      return await work();
    } catch (e) {
      this.error = errorText(e);
      this.toast('error', 'That did not work', this.error);
      return undefined;
    } finally {
      this.busy = null;
    }
  }

  // ---- theme and settings ----

  private readonly systemDark = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
  private followingSystem = false;

  /**
   * data-theme is the choice; data-scheme the palette in use. 'system' is resolved here (and again when the OS
   * switches), so app.css holds one dark palette instead of a second copy inside a media query.
   */
  applyTheme(theme: Theme): void {
    const root = document.documentElement;
    root.dataset.theme = theme;
    root.dataset.scheme = theme === 'system' ? (this.systemDark?.matches ? 'dark' : 'light') : theme;
    if (!this.followingSystem && this.systemDark) {
      this.followingSystem = true;
      this.systemDark.addEventListener('change', () => this.applyTheme(this.settings.theme));
    }
  }

  async setTheme(theme: Theme): Promise<void> {
    this.applyTheme(theme);
    this.settings = await getApi().invoke('settings:set', { theme });
  }

  // ---- models, folders, the demo ----

  private setModel(model: ModelState): void {
    this.model = model;
    this.methods = model.methods;
    const ids = model.methods.map((m) => m.id);
    // Keep the user's method choice across models where it still applies.
    const kept = this.viewer.methods.filter((m) => ids.includes(m));
    this.viewer.methods = kept.length ? kept : ids;
    this.evaluation.methods = this.evaluation.methods.filter((m) => ids.includes(m));
    this.viewer.invalidate();
    if (this.sweep.modelPath !== model.inspection.path) this.sweep.forget();
    // The engine released the second model: it was matched to the model before.
    this.comparison.forget();
  }

  /** A folder's listing; `keepView` when it is the same folder read again (for a new model): the view stays. */
  private setDataset(dataset: DatasetListing, keepView = false): void {
    // A model without class names is named after the folder's classes: every screen shows those names.
    const m = this.model;
    if (m && dataset.classes && dataset.classes.names.join('\n') !== m.inspection.profile.classes.join('\n')) {
      this.model = { ...m, inspection: { ...m.inspection, classesSource: dataset.classes.source, profile: { ...m.inspection.profile, classes: dataset.classes.names } } };
    }
    const same = keepView && this.browser.dataset?.root === dataset.root;
    this.comparison.forget(); // the engine releases the second model with every folder it opens
    this.browser.reset(dataset, same);
    if (!same) {
      this.viewer.reset();
      this.sweep.forget();
    }
    if (this.model) void this.browser.runPredictions();
  }

  async tryDemo(): Promise<void> {
    await this.run('Opening the demo…', async () => {
      const { model, dataset } = await getApi().invoke('demo:open');
      this.setModel(model);
      this.setDataset(dataset);
      await this.refreshProject();
      this.screen = 'browser';
      this.toast('success', 'Demo loaded', `${model.inspection.profile.classes.length} classes, ${dataset.items.length} images`);
    });
  }

  async openModelDialog(): Promise<void> {
    const chosen = await this.run('Choosing a model…', () => getApi().invoke('dialog:openModel'));
    if (chosen) await this.loadModel(chosen.path);
  }

  async loadModel(path: string, options: { provider?: ExecutionProviderName; precision?: Precision; layer?: string } = {}): Promise<void> {
    const name = path.split(/[\\/]/).pop();
    await this.run(`Opening ${name}…`, async () => {
      const api = getApi();
      const model = await api.invoke('model:load', {
        path,
        provider: options.provider ?? this.settings.provider,
        precision: options.precision ?? this.settings.precision,
        layer: options.layer,
      });
      this.setModel(model);
      if (model.provider.fallbackReason) {
        this.toast(
          'info',
          `Running on the ${model.provider.used.toUpperCase()}`,
          `${model.provider.requested.toUpperCase()} is not available on this computer. Results are the same, only slower.`,
        );
      }
      const dataset = this.browser.dataset;
      // The folder's labels are matched to the model's class names: read it again for the new model.
      if (dataset) this.setDataset(await api.invoke('dataset:open', { root: dataset.root }), true);
      await this.refreshProject();
      if (this.screen === 'start' || this.screen === 'guide') this.screen = dataset ? 'browser' : 'model';
      // The open image is explained again with the new model or layer.
      if (this.viewer.index !== null && dataset) void this.viewer.explain();
    });
  }

  async changeProvider(provider: ExecutionProviderName): Promise<void> {
    this.settings = await getApi().invoke('settings:set', { provider });
    if (this.model) await this.loadModel(this.model.inspection.path, { provider, precision: this.model.precision.requested, layer: this.model.layer.name });
  }

  async changePrecision(precision: Precision): Promise<void> {
    this.settings = await getApi().invoke('settings:set', { precision });
    if (this.model) await this.loadModel(this.model.inspection.path, { provider: this.model.provider.requested, precision, layer: this.model.layer.name });
  }

  /** The scoring precision after ScoreCAM ran: a requested fp16 that could not run here has fallen back to fp32. */
  notePrecision(precision: ModelPrecision): void {
    const m = this.model;
    if (!m || m.precision.requested !== precision.requested) return;
    if (m.precision.used === precision.used && m.precision.fallbackReason === precision.fallbackReason) return;
    this.model = { ...m, precision };
    if (precision.fallbackReason) {
      this.toast('info', 'ScoreCAM scoring runs in FP32', `FP16 could not run on the ${m.provider.used.toUpperCase()}, so camscope uses FP32 instead.`);
    }
  }

  /**
   * The intensity mapping of DICOM and 16-bit images (null: the model's settings file's, else camscope's default):
   * the engine drops what it computed with the old one, so thumbnails, predictions and the open image's maps follow.
   */
  async changeIntensity(mapping: string | null): Promise<void> {
    await this.run('Changing the intensity mapping…', async () => {
      this.setModel(await getApi().invoke('model:intensity', { mapping }));
      this.browser.forgetThumbnails();
      const dataset = this.browser.dataset;
      if (!dataset) return;
      this.browser.reset(dataset, true);
      void this.browser.runPredictions();
      if (this.viewer.index !== null) void this.viewer.explain();
    });
  }

  async changeLayer(layer: string): Promise<void> {
    if (this.model && layer !== this.model.layer.name) {
      await this.loadModel(this.model.inspection.path, { provider: this.model.provider.requested, precision: this.model.precision.requested, layer });
      this.toast('success', 'Target layer changed', layer);
    }
  }

  async openFolderDialog(): Promise<void> {
    const chosen = await this.run('Choosing a folder…', () => getApi().invoke('dialog:openFolder'));
    if (chosen) await this.openFolder(chosen.path);
  }

  async openFolder(root: string): Promise<void> {
    await this.run('Reading the folder…', async () => {
      const dataset = await getApi().invoke('dataset:open', { root });
      this.setDataset(dataset);
      await this.refreshProject();
      this.screen = 'browser';
    });
  }

  // ---- projects ----

  async refreshProject(): Promise<void> {
    const api = getApi();
    const [project, annotations] = await Promise.all([api.invoke('project:current'), api.invoke('annotations:list', {})]);
    this.project = project;
    this.annotations = annotations;
    this.browser.annotatedFiles = this.annotatedFiles(annotations);
    await this.comparison.refresh();
  }

  async refreshRecent(): Promise<void> {
    try {
      this.recent = await getApi().invoke('project:recent');
    } catch {
      // the start page simply shows the old list
    }
  }

  async openProjectDialog(): Promise<void> {
    const chosen = await this.run('Choosing a project…', () => getApi().invoke('dialog:openProject'));
    if (chosen) await this.openProject(chosen.path);
  }

  /** The project being opened (its file name): screens show that instead of half-restored, empty panes. */
  opening = $state<string | null>(null);

  async openProject(path: string): Promise<void> {
    this.opening = path.split(/[\\/]/).pop() ?? path;
    try {
      await this.openProjectNow(path);
    } finally {
      this.opening = null;
    }
  }

  private async openProjectNow(path: string): Promise<void> {
    await this.run('Opening the project…', async () => {
      const opened = await getApi().invoke('project:open', { path });
      if (opened.model) this.setModel(opened.model);
      if (opened.dataset) this.setDataset(opened.dataset);
      this.warnings = opened.warnings;
      for (const w of opened.warnings) this.toast('error', 'Part of the project could not be reopened', w);
      this.evaluation.reset();
      await this.refreshProject();
      await this.refreshRecent();
      if (this.screen === 'evaluation') await this.evaluation.refresh();
      this.screen = this.browser.dataset ? 'browser' : this.model ? 'model' : 'start';
      this.toast('success', `Opened ${opened.project.name}`);
    });
  }

  async saveProjectAs(): Promise<void> {
    const info = await this.run('Saving the project…', () => getApi().invoke('project:saveAs'));
    if (info) {
      this.project = info;
      await this.refreshRecent();
      this.toast('success', `Saved as ${info.name}`, info.path ?? undefined);
    }
  }

  // ---- annotations ----

  /**
   * Annotation edits that Ctrl+Z undoes and Ctrl+Shift+Z redoes. Steps name annotations by the id they had when the
   * step was recorded; a deleted annotation brought back gets a new id, so `aliases` maps old ids to current ones.
   */
  private undoStack = $state.raw<HistoryStep[]>([]);
  private redoStack = $state.raw<HistoryStep[]>([]);
  private readonly aliases = new Map<number, number>();
  readonly canUndo = $derived(this.undoStack.length > 0);
  readonly canRedo = $derived(this.redoStack.length > 0);

  private currentId(id: number): number {
    let n = id;
    for (let i = 0; i < 100 && this.aliases.has(n); i++) n = this.aliases.get(n)!;
    return n;
  }

  private record(step: HistoryStep): void {
    this.undoStack = [...this.undoStack.slice(-199), step];
    this.redoStack = [];
  }

  async undo(): Promise<void> {
    const step = this.undoStack[this.undoStack.length - 1];
    if (!step) return;
    this.undoStack = this.undoStack.slice(0, -1);
    if (await this.historyRun(step.undo)) {
      this.redoStack = [...this.redoStack, step];
      this.toast('info', `Undone: ${step.label}`);
    }
  }

  async redo(): Promise<void> {
    const step = this.redoStack[this.redoStack.length - 1];
    if (!step) return;
    this.redoStack = this.redoStack.slice(0, -1);
    if (await this.historyRun(step.redo)) {
      this.undoStack = [...this.undoStack, step];
      this.toast('info', `Redone: ${step.label}`);
    }
  }

  private async historyRun(work: () => Promise<void>): Promise<boolean> {
    const done = await this.run('Saving the annotation…', async () => {
      await work();
      return true;
    });
    return done === true;
  }

  /** Adds an annotation again from a snapshot (undoing a delete); its old id now means the new one. */
  private async restore(snapshot: Annotation): Promise<void> {
    const { image, kind, label, note, points, imageSize } = snapshot;
    const created = await getApi().invoke('annotations:add', { image, kind, label, note, points, imageSize });
    this.aliases.set(snapshot.id, created.id);
    this.setAnnotations([...this.annotations, created]);
  }

  private async remove(id: number): Promise<void> {
    const current = this.currentId(id);
    await getApi().invoke('annotations:delete', { id: current });
    this.setAnnotations(this.annotations.filter((a) => a.id !== current));
  }

  private async patch(id: number, patch: { label?: string; note?: string; points?: [number, number][] }): Promise<void> {
    const current = this.currentId(id);
    const updated = await getApi().invoke('annotations:update', { id: current, ...patch });
    this.setAnnotations(this.annotations.map((a) => (a.id === current ? updated : a)));
  }

  async addAnnotation(a: NewAnnotation): Promise<Annotation | undefined> {
    const created = await this.run('Saving the annotation…', () => getApi().invoke('annotations:add', a));
    if (created) {
      this.setAnnotations([...this.annotations, created]);
      this.record({ label: `add “${created.label}”`, undo: () => this.remove(created.id), redo: () => this.restore(created) });
    }
    return created;
  }

  async updateAnnotation(id: number, patch: { label?: string; note?: string; points?: [number, number][] }): Promise<void> {
    const before = this.annotations.find((a) => a.id === id);
    const updated = await this.run('Saving the annotation…', () => getApi().invoke('annotations:update', { id, ...patch }));
    if (!updated) return;
    this.setAnnotations(this.annotations.map((a) => (a.id === id ? updated : a)));
    if (before) {
      const previous = { label: before.label, note: before.note, points: before.points };
      const what = patch.points ? (patch.label !== undefined || patch.note !== undefined ? 'edit' : 'move') : 'edit';
      this.record({ label: `${what} “${updated.label}”`, undo: () => this.patch(id, previous), redo: () => this.patch(id, patch) });
    }
  }

  /** Deletes at once, and offers Undo in the toast (and Ctrl+Z). */
  async deleteAnnotation(id: number): Promise<void> {
    const snapshot = this.annotations.find((a) => a.id === id);
    const r = await this.run('Deleting the annotation…', () => getApi().invoke('annotations:delete', { id }));
    if (!r) return;
    this.setAnnotations(this.annotations.filter((a) => a.id !== id));
    if (this.viewer.selected === id) this.viewer.selected = null;
    if (!snapshot) return;
    const step: HistoryStep = { label: `delete “${snapshot.label}”`, undo: () => this.restore(snapshot), redo: () => this.remove(snapshot.id) };
    this.record(step);
    this.toast('info', `Deleted “${snapshot.label}”`, 'Ctrl+Z brings it back.', {
      label: 'Undo',
      run: () => {
        // Undo exactly this delete, wherever it is in the history.
        this.undoStack = this.undoStack.filter((s) => s !== step);
        void this.historyRun(step.undo).then((ok) => {
          if (ok) this.redoStack = [...this.redoStack, step];
        });
      },
    });
  }

  /** Is this annotation one of the open folder's (same folder, or recorded before folders were)? */
  annotationMatchesDataset(a: Annotation): boolean {
    return a.dataset === null || !this.browser.dataset || a.dataset === this.browser.dataset.root;
  }

  /** Files of the open folder that have annotations (another folder's same-named file does not count). */
  private annotatedFiles(list: Annotation[]): Set<string> {
    return new Set(list.filter((a) => this.annotationMatchesDataset(a)).map((a) => a.image));
  }

  private setAnnotations(list: Annotation[]): void {
    this.annotations = list;
    this.browser.annotatedFiles = this.annotatedFiles(list);
    if (this.project) this.project = { ...this.project, annotationCount: list.length };
  }

  async exportCoco(): Promise<void> {
    const r = await this.run('Exporting annotations…', () => getApi().invoke('annotations:exportCoco'));
    if (r) this.toast('success', 'Annotations exported (COCO JSON)', r.path, { label: 'Show in folder', run: () => void this.showExported(r.path) });
  }

  /** Opens a file an export just wrote with the system's default app (main refuses any other path). */
  async openExported(path: string): Promise<void> {
    await this.run(`Opening ${path.split(/[\\/]/).pop()}…`, () => getApi().invoke('export:open', { path }));
  }

  /** Shows a file an export just wrote in the file manager. */
  async showExported(path: string): Promise<void> {
    await this.run('Showing the file…', () => getApi().invoke('export:showInFolder', { path }));
  }

  // ---- navigation ----

  /** The screen the open image was opened from: its back button (and Esc) return there. */
  imageReturn = $state<'browser' | 'evaluation' | 'annotations' | 'comparison'>('browser');

  openImage(index: number, classChoice: number | null = null, from: 'browser' | 'evaluation' | 'annotations' | 'comparison' = 'browser'): void {
    this.imageReturn = from;
    this.screen = 'image';
    void this.viewer.open(index, classChoice);
  }

  async onMenu(c: MenuCommand): Promise<void> {
    switch (c.command) {
      case 'openModel':
        return this.openModelDialog();
      case 'openFolder':
        return this.openFolderDialog();
      case 'openProject':
        return this.openProjectDialog();
      case 'openRecent':
        return this.openProject(c.path);
      case 'saveProjectAs':
        return this.saveProjectAs();
      case 'exportFigure':
        this.modal = 'exportFigure';
        return;
      case 'exportReport':
        this.modal = 'exportReport';
        return;
      case 'guide':
        this.screen = 'guide';
        return;
      case 'theme':
        this.applyTheme(c.theme);
        this.settings = { ...this.settings, theme: c.theme };
        return;
    }
  }

  /** A file or folder dropped onto the window. */
  async onDrop(file: File): Promise<void> {
    const dropped = await this.run('Reading what you dropped…', () => getApi().registerDropped(file));
    if (!dropped) return;
    if (dropped.kind === 'model') await this.loadModel(dropped.path);
    else if (dropped.kind === 'folder') await this.openFolder(dropped.path);
    else await this.openProject(dropped.path);
  }
}

export const app = new AppState();
