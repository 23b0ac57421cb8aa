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
import { EvaluationState } from './evaluation.svelte';
import { ImageViewState } from './image.svelte';

export type Screen = 'start' | 'model' | 'browser' | 'image' | 'annotations' | 'evaluation' | 'guide';
export type Modal = 'exportFigure' | 'exportReport' | null;

export interface Toast {
  id: number;
  kind: 'info' | 'success' | 'error';
  title: string;
  detail?: string;
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
    api.on('job:progress', (p) => {
      if (p.stage === 'predict') this.browser.onPredictionProgress(p.jobId, p);
      else if (p.stage === 'evaluate') this.evaluation.onProgress(p);
      else if (p.stage === 'export') this.exportProgress = p.total ? p.done / p.total : null;
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

  // ---- notices ----

  toast(kind: Toast['kind'], title: string, detail?: string): void {
    const id = ++toastId;
    this.toasts = [...this.toasts, { id, kind, title, detail }];
    setTimeout(() => this.dismiss(id), kind === 'error' ? 9_000 : 5_000);
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
  }

  /** A folder's listing; `keepView` when it is the same folder read again (for a new model): the view stays. */
  private setDataset(dataset: DatasetListing, keepView = false): void {
    // A model without class names is named after the folder's classes: every screen shows those names.
    const m = this.model;
    if (m && dataset.classes && dataset.classes.names.join('\n') !== m.inspection.profile.classes.join('\n')) {
      this.model = { ...m, inspection: { ...m.inspection, classesSource: dataset.classes.source, profile: { ...m.inspection.profile, classes: dataset.classes.names } } };
    }
    const same = keepView && this.browser.dataset?.root === dataset.root;
    this.browser.reset(dataset, same);
    if (!same) this.viewer.reset();
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
    this.browser.annotatedFiles = new Set(annotations.map((a) => a.image));
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

  async openProject(path: string): Promise<void> {
    await this.run('Opening the project…', async () => {
      const opened = await getApi().invoke('project:open', { path });
      if (opened.model) this.setModel(opened.model);
      if (opened.dataset) this.setDataset(opened.dataset);
      this.warnings = opened.warnings;
      for (const w of opened.warnings) this.toast('error', 'Part of the project could not be reopened', w);
      this.evaluation.reset();
      await this.refreshProject();
      await this.refreshRecent();
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

  async addAnnotation(a: NewAnnotation): Promise<Annotation | undefined> {
    const created = await this.run('Saving the annotation…', () => getApi().invoke('annotations:add', a));
    if (created) this.setAnnotations([...this.annotations, created]);
    return created;
  }

  async updateAnnotation(id: number, patch: { label?: string; note?: string }): Promise<void> {
    const updated = await this.run('Saving the annotation…', () => getApi().invoke('annotations:update', { id, ...patch }));
    if (updated) this.setAnnotations(this.annotations.map((a) => (a.id === id ? updated : a)));
  }

  async deleteAnnotation(id: number): Promise<void> {
    const r = await this.run('Deleting the annotation…', () => getApi().invoke('annotations:delete', { id }));
    if (r) this.setAnnotations(this.annotations.filter((a) => a.id !== id));
  }

  private setAnnotations(list: Annotation[]): void {
    this.annotations = list;
    this.browser.annotatedFiles = new Set(list.map((a) => a.image));
    if (this.project) this.project = { ...this.project, annotationCount: list.length };
  }

  async exportCoco(): Promise<void> {
    const r = await this.run('Exporting annotations…', () => getApi().invoke('annotations:exportCoco'));
    if (r) this.toast('success', 'Annotations exported (COCO JSON)', r.path);
  }

  // ---- navigation ----

  openImage(index: number, classChoice: number | null = null): void {
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
