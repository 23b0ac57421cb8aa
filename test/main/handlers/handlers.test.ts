// The channel handlers (src/main/handlers/) on a fake engine: allow-listing, dialogs, jobs and their events,
// projects and recent projects, and replaying the engine's state after a crash. No Electron involved.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNEL_NAMES, type EventName, type Events } from '../../../src/shared/api';
import type { Dialogs, HandlerDeps, Handlers } from '../../../src/main/handlers/deps';
import { EngineClient } from '../../../src/main/handlers/engine-client';
import { createHandlers, handlerGroups } from '../../../src/main/handlers/index';
import { PathAllowList } from '../../../src/main/handlers/access';
import { UserDataStore } from '../../../src/main/handlers/user-data';

type Responder = (args: never, onPartial: (v: unknown) => void) => unknown;

class FakeEngine {
  generation = 1;
  calls: [string, unknown][] = [];
  responses: Record<string, Responder> = {};
  cancelled: string[] = [];

  warmUp(): number {
    return this.generation;
  }

  call(op: string, args: unknown): Promise<unknown> {
    this.calls.push([op, args]);
    return Promise.resolve().then(() => this.responses[op]?.(args as never, () => {}));
  }

  start(op: string, args: unknown, opts: { onPartial?: (v: unknown) => void } = {}) {
    this.calls.push([op, args]);
    let cancel = (): void => {};
    const result = new Promise((resolve, reject) => {
      cancel = () => {
        this.cancelled.push(op);
        reject(Object.assign(new Error('The job was cancelled.'), { code: 'CANCELLED' }));
      };
      Promise.resolve()
        .then(() => this.responses[op]?.(args as never, (v) => opts.onPartial?.(v)))
        .then(resolve, reject);
    });
    return { id: this.calls.length, result, cancel: () => cancel() };
  }

  ops(): string[] {
    return this.calls.map(([op]) => op);
  }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'camscope-handlers-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const modelFile = path.join(tmp, 'net.onnx');
const folder = path.join(tmp, 'images');
const projectFile = path.join(tmp, 'work.camscope');
fs.writeFileSync(modelFile, 'not really a model');
fs.mkdirSync(folder);
fs.writeFileSync(projectFile, '');
fs.writeFileSync(path.join(tmp, 'notes.txt'), 'x');

let engine: FakeEngine;
let dialogs: { [K in keyof Dialogs]: ReturnType<typeof vi.fn> };
let events: [EventName, unknown][];
let handlers: Handlers;
let client: EngineClient;
let store: UserDataStore;
let allowList: PathAllowList;
let settingsChanged: ReturnType<typeof vi.fn<(s: unknown) => void>>;
let recentChanged: ReturnType<typeof vi.fn<(r: unknown) => void>>;
let userData: string;

const modelState = (p: string) => ({
  inspection: { path: p },
  layer: { name: 'relu' },
  provider: { requested: 'cpu', used: 'cpu', fallbackReason: null },
  precision: { requested: 'fp32', used: 'fp32', fallbackReason: null },
  methods: [],
});
const listing = (root: string) => ({ root, name: path.basename(root), layout: 'imagefolder', labels: null, labelMapping: 'none', items: [] });

beforeEach(() => {
  engine = new FakeEngine();
  engine.responses = {
    openProject: () => ({
      context: { modelPath: null, provider: null, precision: null, layer: null, datasetRoot: null },
      stats: { annotationCount: 0, evaluationCount: 0 },
    }),
    projectStats: () => ({ annotationCount: 2, evaluationCount: 1 }),
    setProjectContext: () => ({ annotationCount: 0, evaluationCount: 0 }),
    loadModel: (a: { path: string }) => modelState(a.path),
    openDataset: (a: { root: string }) => listing(a.root),
    inspect: (a: { path: string }) => ({ path: a.path, numClasses: 10 }),
    inspectDemo: () => ({ path: '/res/demo/fashion-cnn.onnx' }),
    demoPaths: () => ({ model: '/res/demo/fashion-cnn.onnx', images: '/res/demo/images' }),
  };
  dialogs = {
    openModel: vi.fn(async () => null),
    openFolder: vi.fn(async () => null),
    openProject: vi.fn(async () => null),
    saveProject: vi.fn(async () => null),
    exportFolder: vi.fn(async () => null),
    saveCoco: vi.fn(async () => null),
    openRegions: vi.fn(async () => null),
    confirmDropped: vi.fn(async () => true),
  };
  events = [];
  userData = fs.mkdtempSync(path.join(tmp, 'user-'));
  store = new UserDataStore(userData);
  allowList = new PathAllowList();
  settingsChanged = vi.fn<(s: unknown) => void>();
  recentChanged = vi.fn<(r: unknown) => void>();
  ({ handlers, client } = createHandlers({
    engine: engine as never,
    allowList,
    dialogs: dialogs as unknown as Dialogs,
    emit: <E extends EventName>(e: E, p: Events[E]) => void events.push([e, p]),
    store,
    app: { version: '0.1.0', electron: '45.5.0', shell: 'desktop' },
    untitledDir: path.join(userData, 'untitled'),
    onSettingsChanged: settingsChanged,
    onRecentChanged: recentChanged,
  }));
});

describe('handlers: one group per domain', () => {
  it('every channel of the contract is answered by exactly one group', () => {
    const deps: HandlerDeps = {
      engine: engine as never,
      allowList,
      dialogs: dialogs as unknown as Dialogs,
      emit: () => {},
      store,
      app: { version: '0.1.0', electron: '45.5.0', shell: 'desktop' },
      untitledDir: path.join(userData, 'untitled'),
    };
    const groups = handlerGroups(deps, new EngineClient(deps));
    // A spread into one table would hide a channel claimed twice, so the groups are compared key by key.
    const claimedBy = new Map<string, string[]>();
    for (const [group, table] of Object.entries(groups)) {
      expect(Object.keys(table).length, group).toBeGreaterThan(0);
      for (const channel of Object.keys(table)) claimedBy.set(channel, [...(claimedBy.get(channel) ?? []), group]);
    }
    expect([...claimedBy].filter(([, claimers]) => claimers.length > 1)).toEqual([]);
    expect([...claimedBy.keys()].sort()).toEqual([...CHANNEL_NAMES].sort());
    expect(Object.keys(handlers).sort()).toEqual([...CHANNEL_NAMES].sort());
  });
});

describe('handlers: app and settings', () => {
  it('app:version reports versions and the shell', async () => {
    expect(await handlers['app:version']()).toEqual({ version: '0.1.0', electron: '45.5.0', node: process.versions.node, shell: 'desktop' });
  });

  it('settings persist in user data and are announced', async () => {
    expect(await handlers['settings:get']()).toEqual({ theme: 'system', provider: 'cpu', precision: 'fp32' });
    expect(await handlers['settings:set']({ theme: 'dark' })).toEqual({ theme: 'dark', provider: 'cpu', precision: 'fp32' });
    expect(settingsChanged).toHaveBeenCalledWith({ theme: 'dark', provider: 'cpu', precision: 'fp32' });
    expect(new UserDataStore(userData).settings().theme).toBe('dark');
    expect(await handlers['settings:set']({ precision: 'fp16' })).toEqual({ theme: 'dark', provider: 'cpu', precision: 'fp16' });
    expect(new UserDataStore(userData).settings().precision).toBe('fp16');
  });
});

describe('handlers: only what the user chose reaches the engine', () => {
  it('refuses models and folders the user never chose', async () => {
    // Handlers may throw synchronously; the IPC layer and the bridge await them inside try/catch alike.
    const call = async <T>(fn: () => T): Promise<Awaited<T>> => await fn();
    await expect(call(() => handlers['model:inspect']({ path: '/etc/passwd' }))).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    await expect(call(() => handlers['model:load']({ path: modelFile }))).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    await expect(call(() => handlers['dataset:open']({ root: '/etc' }))).rejects.toMatchObject({ code: 'NOT_ALLOWED', message: /Open image folder/ });
    await expect(call(() => handlers['project:open']({ path: projectFile }))).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    expect(engine.ops()).not.toContain('inspect');
    expect(engine.ops()).not.toContain('loadModel');
    expect(engine.ops()).not.toContain('openDataset');
  });

  it('a model chosen in the dialog can be inspected and loaded (provider and precision from the settings)', async () => {
    dialogs.openModel.mockResolvedValueOnce(modelFile);
    expect(await handlers['dialog:openModel']()).toEqual({ path: modelFile });
    expect(await handlers['model:inspect']({ path: modelFile })).toEqual({ path: modelFile, numClasses: 10 });
    store.updateSettings({ provider: 'webgpu', precision: 'fp16' });
    await handlers['model:load']({ path: modelFile, layer: 'conv3' });
    expect(engine.calls).toContainEqual(['loadModel', { path: modelFile, provider: 'webgpu', precision: 'fp16', layer: 'conv3' }]);
    // The project remembers what it is used with.
    expect(engine.calls).toContainEqual(['setProjectContext', { modelPath: modelFile, provider: 'webgpu', precision: 'fp16', layer: 'conv3' }]);
    // An explicit choice wins over the settings.
    await handlers['model:load']({ path: modelFile, provider: 'cpu', precision: 'fp32' });
    expect(engine.calls).toContainEqual(['loadModel', { path: modelFile, provider: 'cpu', precision: 'fp32', layer: 'auto' }]);
  });

  it('a cancelled dialog returns null and allows nothing', async () => {
    expect(await handlers['dialog:openFolder']()).toBeNull();
    expect(await handlers['dialog:openProject']()).toBeNull();
    expect(allowList.hasFolder(folder)).toBe(false);
  });

  it('a folder chosen in the dialog can be opened', async () => {
    dialogs.openFolder.mockResolvedValueOnce(folder);
    await handlers['dialog:openFolder']();
    expect(await handlers['dataset:open']({ root: folder })).toMatchObject({ root: folder });
    expect(engine.calls).toContainEqual(['setProjectContext', { datasetRoot: folder }]);
  });

  it('drop:register allow-lists a dropped path only once the user confirms it in main\'s own dialog', async () => {
    // A compromised renderer can claim any drop: main asks, and a declined path stays out of the allow-list.
    dialogs.confirmDropped.mockResolvedValueOnce(false);
    expect(await handlers['drop:register']({ path: '/' })).toBeNull();
    expect(dialogs.confirmDropped).toHaveBeenLastCalledWith('/', 'folder');
    expect(allowList.hasFolder('/')).toBe(false);
    await expect(Promise.resolve().then(() => handlers['dataset:open']({ root: '/' }))).rejects.toMatchObject({ code: 'NOT_ALLOWED' });

    dialogs.confirmDropped.mockResolvedValueOnce(false);
    expect(await handlers['drop:register']({ path: projectFile })).toBeNull();
    expect(allowList.has(projectFile)).toBe(false);

    expect(await handlers['drop:register']({ path: `${folder}/../images` })).toEqual({ path: folder, kind: 'folder' });
    expect(dialogs.confirmDropped).toHaveBeenLastCalledWith(folder, 'folder');
    expect(allowList.hasFolder(folder)).toBe(true);
    // Already allowed (chosen before): no second question.
    const asked = dialogs.confirmDropped.mock.calls.length;
    expect(await handlers['drop:register']({ path: folder })).toEqual({ path: folder, kind: 'folder' });
    expect(dialogs.confirmDropped.mock.calls.length).toBe(asked);
  });

  it('drop:register asks one question at a time (a page cannot stack up dialogs)', async () => {
    let answer: (ok: boolean) => void = () => {};
    dialogs.confirmDropped.mockImplementationOnce(() => new Promise<boolean>((resolve) => (answer = resolve)));
    const first = handlers['drop:register']({ path: modelFile });
    await new Promise((r) => setTimeout(r, 10));
    await expect(handlers['drop:register']({ path: projectFile })).rejects.toMatchObject({ code: 'BUSY' });
    answer(true);
    expect(await first).toEqual({ path: modelFile, kind: 'model' });
    expect(await handlers['drop:register']({ path: projectFile })).toEqual({ path: projectFile, kind: 'project' });
  });

  it('drop:register tells models, folders and projects apart and refuses anything else', async () => {
    expect(await handlers['drop:register']({ path: folder })).toEqual({ path: folder, kind: 'folder' });
    expect(await handlers['drop:register']({ path: modelFile })).toEqual({ path: modelFile, kind: 'model' });
    expect(await handlers['drop:register']({ path: projectFile })).toEqual({ path: projectFile, kind: 'project' });
    await expect(handlers['drop:register']({ path: path.join(tmp, 'notes.txt') })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /ONNX models/ });
    await expect(handlers['drop:register']({ path: path.join(tmp, 'gone.onnx') })).rejects.toMatchObject({ message: /could not find/ });
    expect(allowList.has(modelFile) && allowList.hasFolder(folder) && allowList.has(projectFile)).toBe(true);
  });

  it('demo:open allow-lists the demo model and images and opens both', async () => {
    const r = await handlers['demo:open']();
    expect(r.model.inspection.path).toBe('/res/demo/fashion-cnn.onnx');
    expect(r.dataset.root).toBe('/res/demo/images');
    expect(allowList.has('/res/demo/fashion-cnn.onnx')).toBe(true);
    expect(allowList.hasFolder('/res/demo/images')).toBe(true);
  });

  it('engine errors keep their code and message', async () => {
    engine.responses.inspectDemo = () => {
      throw Object.assign(new Error('The demo model is missing.'), { name: 'CamscopeError', code: 'INVALID_ARGUMENT' });
    };
    await expect(handlers['demo:inspect']()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: 'The demo model is missing.' });
  });
});

describe('handlers: the engine state survives a crash', () => {
  it('the first call opens an untitled project in the worker first', async () => {
    await handlers['methods:list']();
    expect(engine.ops().slice(0, 2)).toEqual(['openProject', 'methods']);
    const untitled = (engine.calls[0][1] as { path: string }).path;
    expect(untitled.startsWith(path.join(userData, 'untitled'))).toBe(true);
    expect((await handlers['project:current']()).name).toBe('Untitled project');
  });

  it('a fresh worker gets the project, model and folder back before the next request', async () => {
    allowList.add(modelFile);
    allowList.addFolder(folder);
    await handlers['model:load']({ path: modelFile });
    await handlers['dataset:open']({ root: folder });
    client.engineCrashed('boom');
    expect(events.at(-1)).toEqual(['engine:status', { state: 'crashed', message: 'boom' }]);
    engine.calls = [];
    engine.generation = 2;
    await handlers['dataset:thumbnails']({ indices: [0] });
    expect(engine.ops()).toEqual(['openProject', 'loadModel', 'openDataset', 'thumbnails']);
    expect(events.at(-1)).toEqual(['engine:status', { state: 'recovered', message: expect.stringMatching(/reopened/) }]);
  });

  it('the second model of a comparison comes back too, after the model and folder; a new folder drops it', async () => {
    const second = path.join(tmp, 'second.onnx');
    fs.writeFileSync(second, 'another model');
    allowList.add(modelFile);
    allowList.addFolder(folder);
    await handlers['model:load']({ path: modelFile });
    await handlers['dataset:open']({ root: folder });
    dialogs.openModel.mockResolvedValueOnce(second);
    await handlers['compare:open']();
    engine.calls = [];
    engine.generation = 2;
    await handlers['dataset:thumbnails']({ indices: [0] });
    expect(engine.ops()).toEqual(['openProject', 'loadModel', 'openDataset', 'openComparison', 'thumbnails']);
    expect(engine.calls[3][1]).toEqual({ path: second });
    // The engine drops the second model with the old folder, so a restart after a new folder does not bring it back.
    await handlers['dataset:open']({ root: folder });
    engine.calls = [];
    engine.generation = 3;
    await handlers['dataset:thumbnails']({ indices: [0] });
    expect(engine.ops()).toEqual(['openProject', 'loadModel', 'openDataset', 'thumbnails']);
  });

  it('says what could not be restored', async () => {
    allowList.add(modelFile);
    await handlers['model:load']({ path: modelFile });
    engine.generation = 2;
    engine.responses.loadModel = () => {
      throw new Error('the file is gone');
    };
    await handlers['methods:list']();
    expect(events.at(-1)).toEqual(['engine:status', { state: 'recovered', message: expect.stringMatching(/could not reopen the model \(the file is gone\)/) }]);
  });
});

describe('handlers: jobs stream their results as events', () => {
  it('predictions:run forwards prediction batches and progress under the job id', async () => {
    const batch = { k: 5, indices: Int32Array.of(0), classes: new Int32Array(5), probs: new Float32Array(5) };
    engine.responses.predict = (_a: never, partial) => {
      partial({ stage: 'predict', done: 0, total: 1 });
      partial(batch);
      return { done: 1, failed: [], seconds: 0.1 };
    };
    expect(await handlers['predictions:run']({ jobId: 'p-1' })).toEqual({ done: 1, failed: [], seconds: 0.1 });
    expect(events).toContainEqual(['job:progress', { stage: 'predict', done: 0, total: 1, jobId: 'p-1' }]);
    expect(events).toContainEqual(['predictions:batch', { jobId: 'p-1', ...batch }]);
  });

  it('image:explain forwards the image first and then each map', async () => {
    engine.responses.explain = (args: { image: number }, partial) => {
      partial({ kind: 'image', frame: { index: args.image }, predictions: [], target: { classIndex: 1 } });
      partial({ stage: 'explain', method: 'scorecam', done: 1, total: 4 });
      partial({ kind: 'map', method: 'gradcam', map: new Float32Array(4), width: 2, height: 2, flat: false, timeMs: 1 });
      return { image: args.image, target: { classIndex: 1 }, methods: [{ id: 'gradcam', ok: true }] };
    };
    await handlers['image:explain']({ jobId: 'e-1', image: 3, classIndex: null, methods: ['gradcam'] });
    expect(engine.calls).toContainEqual(['explain', { image: 3, classIndex: null, methods: ['gradcam'] }]);
    expect(events.map(([e]) => e)).toEqual(['explain:image', 'job:progress', 'explain:map']);
    expect(events[0][1]).toMatchObject({ jobId: 'e-1', frame: { index: 3 } });
    expect(events[0][1]).not.toHaveProperty('kind');
    expect(events[2][1]).toMatchObject({ jobId: 'e-1', method: 'gradcam' });
  });

  it('refuses a job id that is running, and cancels by id', async () => {
    let release = (): void => {};
    engine.responses.evaluate = () => new Promise((resolve) => (release = () => resolve({ id: 1 })));
    const args = { jobId: 'ev-1', methods: ['gradcam'], sample: 20, seed: 0, score: 'prob' as const };
    const running = handlers['evaluation:run'](args);
    await vi.waitFor(() => expect(engine.ops()).toContain('evaluate'));
    await expect(handlers['evaluation:run'](args)).rejects.toMatchObject({ code: 'BUSY' });
    expect(await handlers['job:cancel']({ jobId: 'ev-1' })).toEqual({ cancelled: true });
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await handlers['job:cancel']({ jobId: 'ev-1' })).toEqual({ cancelled: false });
    release();
  });
});

describe('handlers: projects', () => {
  it('Save Project As copies the project there (adding .camscope), remembers it and announces it', async () => {
    dialogs.saveProject.mockResolvedValueOnce(path.join(tmp, 'study'));
    const info = await handlers['project:saveAs']();
    const dest = path.join(tmp, 'study.camscope');
    expect(engine.calls).toContainEqual(['saveProjectAs', { dest }]);
    expect(info).toMatchObject({ path: dest, name: 'study', annotationCount: 2, evaluationCount: 1 });
    expect(store.recentProjects()[0]).toMatchObject({ path: dest, name: 'study' });
    expect(recentChanged).toHaveBeenCalled();
    expect(events.at(-1)).toEqual(['project:changed', info]);
    expect((await handlers['project:current']()).path).toBe(dest);
  });

  it('Save Project As never replaces a file the dialog did not ask about', async () => {
    // The dialog confirmed "taken" (no extension); camscope would write "taken.camscope", which exists.
    const existing = path.join(tmp, 'taken.camscope');
    fs.writeFileSync(existing, 'someone else\'s project');
    dialogs.saveProject.mockResolvedValueOnce(path.join(tmp, 'taken'));
    await expect(handlers['project:saveAs']()).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: `camscope did not save the project, because ${existing} already exists and the save dialog never asked whether to replace it; choose Save Project As… again and pick that file or a new name.`,
    });
    expect(engine.ops()).not.toContain('saveProjectAs');
    expect(fs.readFileSync(existing, 'utf8')).toBe('someone else\'s project');

    // Picking that very file in the dialog (which asked before replacing it) is the user's confirmed choice.
    dialogs.saveProject.mockResolvedValueOnce(existing);
    expect(await handlers['project:saveAs']()).toMatchObject({ path: existing });
    expect(engine.calls).toContainEqual(['saveProjectAs', { dest: existing }]);
  });

  it('Save Project As cancelled does nothing', async () => {
    expect(await handlers['project:saveAs']()).toBeNull();
    expect(engine.ops()).not.toContain('saveProjectAs');
  });

  it('opens a recent project and restores its model and folder', async () => {
    store.touchRecent(projectFile);
    engine.responses.openProject = () => ({
      context: { modelPath: modelFile, provider: 'cpu', precision: 'fp16', layer: 'auto', datasetRoot: folder },
      stats: { annotationCount: 0, evaluationCount: 0 },
    });
    const opened = await handlers['project:open']({ path: projectFile });
    expect(opened.model?.inspection.path).toBe(modelFile);
    // The project's provider and precision win over the settings (fp32 here).
    expect(engine.calls).toContainEqual(['loadModel', { path: modelFile, provider: 'cpu', precision: 'fp16', layer: 'auto' }]);
    expect(opened.dataset?.root).toBe(folder);
    expect(opened.warnings).toEqual([]);
    expect(allowList.has(modelFile) && allowList.hasFolder(folder)).toBe(true);
  });

  it('says which parts of a project are missing', async () => {
    allowList.add(projectFile);
    engine.responses.openProject = () => ({
      context: { modelPath: path.join(tmp, 'moved.onnx'), provider: null, precision: null, layer: null, datasetRoot: path.join(tmp, 'nowhere') },
      stats: { annotationCount: 0, evaluationCount: 0 },
    });
    const opened = await handlers['project:open']({ path: projectFile });
    expect(opened.model).toBeNull();
    expect(opened.warnings).toEqual([expect.stringMatching(/moved\.onnx was not found/), expect.stringMatching(/nowhere was not found/)]);
  });

  it('a recent project that was deleted is reported and dropped from the list', async () => {
    const gone = path.join(tmp, 'deleted.camscope');
    store.touchRecent(gone);
    await expect(handlers['project:open']({ path: gone })).rejects.toMatchObject({ message: /no longer there/ });
    expect(store.recentProjects()).toEqual([]);
  });
});

describe('handlers: exports ask where first', () => {
  it('export:open and export:showInFolder act only on files the app just exported', async () => {
    const shellCalls: string[] = [];
    const shell = {
      openPath: vi.fn(async (p: string) => (shellCalls.push(`open ${p}`), '')),
      showItemInFolder: vi.fn((p: string) => void shellCalls.push(`show ${p}`)),
    };
    const { handlers: h } = createHandlers({
      engine: engine as never,
      allowList,
      dialogs: dialogs as unknown as Dialogs,
      emit: () => {},
      store,
      app: { version: '0.1.0', electron: '45.5.0', shell: 'desktop' },
      untitledDir: path.join(userData, 'untitled'),
      shell,
    });
    const dir = path.join(tmp, 'fig-open');
    dialogs.exportFolder.mockResolvedValueOnce(dir);
    engine.responses.exportFigure = (a: { dir: string }) => ({ dir: a.dir, files: [path.join(a.dir, 'figure.png')] });
    await h['export:figure']({ jobId: 'fo-1', images: [0], methods: ['gradcam'], classIndex: null, colormap: 'jet', opacity: 0.5 });
    expect(await h['export:open']({ path: path.join(dir, 'figure.png') })).toEqual({ opened: true });
    expect(await h['export:showInFolder']({ path: path.join(dir, 'figure.png') })).toEqual({ shown: true });
    expect(shellCalls).toEqual([`open ${path.join(dir, 'figure.png')}`, `show ${path.join(dir, 'figure.png')}`]);
    // Anything else, even next to the export, is refused before the shell sees it.
    await expect(async () => h['export:open']({ path: path.join(dir, '..', 'secret.txt') })).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    await expect(async () => h['export:showInFolder']({ path: '/etc/passwd' })).rejects.toThrow(/only files it has just exported, and passwd/);
    expect(shell.openPath).toHaveBeenCalledTimes(1);
    // Without a file shell (no desktop), nothing is opened.
    await expect(async () => handlers['export:open']({ path: path.join(dir, 'figure.png') })).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
  });

  it('export:figure writes into the chosen new folder; cancelled returns null', async () => {
    const args = { jobId: 'x-1', images: [0, 1], methods: ['gradcam'], classIndex: null, colormap: 'jet' as const, opacity: 0.5 };
    expect(await handlers['export:figure'](args)).toBeNull();
    dialogs.exportFolder.mockResolvedValueOnce(path.join(tmp, 'fig'));
    engine.responses.exportFigure = (a: { dir: string }) => ({ dir: a.dir, files: [] });
    expect(await handlers['export:figure'](args)).toEqual({ dir: path.join(tmp, 'fig'), files: [] });
    expect(dialogs.exportFolder).toHaveBeenLastCalledWith('figure', 'camscope-figure');
    const { jobId: _j, ...rest } = args;
    expect(engine.calls).toContainEqual(['exportFigure', { dir: path.join(tmp, 'fig'), ...rest }]);
  });

  it('export:report refuses an existing file as the folder', async () => {
    dialogs.exportFolder.mockResolvedValueOnce(modelFile);
    await expect(
      handlers['export:report']({ jobId: 'x-2', evaluationId: 1, figureImages: [], colormap: 'jet', opacity: 0.5 }),
    ).rejects.toMatchObject({ message: /is a file/ });
    expect(dialogs.exportFolder).toHaveBeenLastCalledWith('report', 'camscope-report');
  });

  it('annotations:exportCoco writes where the save dialog says', async () => {
    dialogs.saveCoco.mockResolvedValueOnce(path.join(tmp, 'a.json'));
    engine.responses.exportCoco = (a: { dest: string }) => ({ path: a.dest });
    expect(await handlers['annotations:exportCoco']()).toEqual({ path: path.join(tmp, 'a.json') });
  });

  it('regions:import reads what main\'s open dialog chose (file or folder); cancelled imports nothing', async () => {
    expect(await handlers['regions:import']({ from: 'folder' })).toBeNull();
    expect(dialogs.openRegions).toHaveBeenLastCalledWith('folder');
    expect(engine.calls.some(([op]) => op === 'importRegions')).toBe(false);
    dialogs.openRegions.mockResolvedValueOnce(path.join(tmp, 'regions.json'));
    engine.responses.importRegions = (a: { path: string }) => ({ source: path.basename(a.path) });
    expect(await handlers['regions:import']({ from: 'file' })).toEqual({ source: 'regions.json' });
    expect(dialogs.openRegions).toHaveBeenLastCalledWith('file');
    expect(engine.calls).toContainEqual(['importRegions', { path: path.join(tmp, 'regions.json') }]);
  });
});
