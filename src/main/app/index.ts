/**
 * Electron main process: one hardened window, the native menu, IPC handlers and the engine's utility process.
 *
 * Importing this module has no side effects outside Electron (tests import it with 'electron' mocked);
 * {@link bootstrap} runs only when it is loaded as Electron's main script.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  Menu,
  nativeTheme,
  screen,
  session,
  shell,
  type MessageBoxOptions,
  type OpenDialogOptions,
  type SaveDialogOptions,
  type Session,
  type WebContents,
} from 'electron';
import type { EngineOps } from '../workbench/ops';
import type { EventName, Events, Theme } from '../../shared/api';
import { EngineHost } from '../engine-host/host';
import { engineMemoryLimitMb } from '../engine-host/memory';
import { setErrorLogFile } from '../common/error-log';
import { utilityEngine } from '../engine-host/utility';
import { createHandlers, type Dialogs } from '../handlers/engine-client';
import { registerHandlers, send, setTrustedRenderer } from './ipc';
import { buildMenuTemplate } from './menu';
import { PathAllowList, PROJECT_EXTENSIONS } from '../handlers/access';
import { UserDataStore } from '../handlers/user-data';
import {
  DEFAULT_WINDOW_STATE,
  loadWindowState,
  MIN_WINDOW_SIZE,
  saveWindowState,
  type WindowState,
} from './window-state';

/** Where the built files sit next to this one (out/main). */
const here = import.meta.dirname;
export const paths = {
  preload: path.join(here, '../preload/index.cjs'),
  rendererDir: path.join(here, '../renderer'),
  rendererHtml: path.join(here, '../renderer/index.html'),
  engineWorker: path.join(here, 'engine-worker.js'),
};

export interface MainWindowOptions {
  preloadPath: string;
  state?: WindowState;
}

/** Blocks everything a page could do to leave camscope: navigation, redirects, popups, webviews. */
export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => {
    if (event.url !== contents.getURL()) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (event.url !== contents.getURL()) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** Denies every permission (camera, notifications, geolocation, …): camscope needs none. */
export function denyAllPermissions(ses: Session): void {
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
}

export function createMainWindow({ preloadPath, state = DEFAULT_WINDOW_STATE }: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    x: state.x,
    y: state.y,
    width: state.width,
    height: state.height,
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    title: 'camscope',
    show: false,
    // Matches the page background so there is no white flash in dark mode.
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#15171c' : '#f6f7f9',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  hardenWebContents(win.webContents);
  win.once('ready-to-show', () => {
    if (state.maximized) win.maximize();
    win.show();
  });
  return win;
}

function trackWindowState(win: BrowserWindow, file: string): void {
  win.on('close', () => {
    const b = win.getNormalBounds();
    saveWindowState(file, { x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() });
  });
}

/** The dev server URL, honoured only when running unpackaged (electron-vite dev). */
function devServerUrl(): string | undefined {
  return !app.isPackaged && process.env.ELECTRON_RENDERER_URL ? process.env.ELECTRON_RENDERER_URL : undefined;
}

/**
 * Native dialogs, attached to the window when there is one. Export folders are named in a save dialog and created
 * by the export itself.
 */
export function electronDialogs(getWindow: () => BrowserWindow | null): Dialogs {
  const documents = (): string => {
    try {
      return app.getPath('documents');
    } catch {
      return app.getPath('home');
    }
  };
  const open = async (options: OpenDialogOptions): Promise<string | null> => {
    const win = getWindow();
    const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    return result.canceled ? null : (result.filePaths[0] ?? null);
  };
  const save = async (options: SaveDialogOptions): Promise<string | null> => {
    const win = getWindow();
    const result = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
    return result.canceled || !result.filePath ? null : result.filePath;
  };
  const projectExtensions = PROJECT_EXTENSIONS.map((e) => e.slice(1));
  return {
    openModel: () =>
      open({
        title: 'Open an ONNX model',
        buttonLabel: 'Open model',
        properties: ['openFile'],
        filters: [{ name: 'ONNX models', extensions: ['onnx'] }],
      }),
    openFolder: () =>
      open({ title: 'Open a folder of images', buttonLabel: 'Open folder', properties: ['openDirectory'] }),
    openProject: () =>
      open({
        title: 'Open a camscope project',
        buttonLabel: 'Open project',
        properties: ['openFile'],
        filters: [{ name: 'camscope projects', extensions: projectExtensions }],
      }),
    saveProject: (name) =>
      save({
        title: 'Save the project as',
        buttonLabel: 'Save project',
        defaultPath: path.join(documents(), `${name}.camscope`),
        filters: [{ name: 'camscope projects', extensions: ['camscope'] }],
        properties: ['showOverwriteConfirmation', 'createDirectory'],
      }),
    exportFolder: (kind, name) =>
      save({
        title: kind === 'figure' ? 'Export the figure into a new folder' : 'Export the report into a new folder',
        buttonLabel: 'Export',
        defaultPath: path.join(documents(), name),
        properties: ['showOverwriteConfirmation', 'createDirectory'],
      }),
    saveCoco: (name) =>
      save({
        title: 'Export annotations (COCO JSON)',
        buttonLabel: 'Export',
        defaultPath: path.join(documents(), name),
        filters: [{ name: 'COCO JSON', extensions: ['json'] }],
        properties: ['showOverwriteConfirmation', 'createDirectory'],
      }),
    openRegions: (from) =>
      from === 'file'
        ? open({
            title: 'Import expert regions (COCO JSON)',
            buttonLabel: 'Import',
            properties: ['openFile'],
            filters: [{ name: 'COCO JSON', extensions: ['json'] }],
          })
        : open({ title: 'Import expert regions (a folder of Pascal VOC, YOLO or mask files)', buttonLabel: 'Import', properties: ['openDirectory'] }),
    // Main never sees a drop (the renderer reports it), so the user confirms here, where page script cannot click.
    confirmDropped: async (p, kind) => {
      const what = { model: 'the model', folder: 'the image folder', project: 'the project' }[kind];
      const options: MessageBoxOptions = {
        type: 'question',
        title: 'Open what you dropped?',
        message: `Open ${what} “${path.basename(p) || p}”?`,
        detail: `${p}\n\ncamscope asks before it reads anything dropped onto its window.`,
        buttons: ['Open', 'Cancel'],
        defaultId: 0,
        cancelId: 1,
        noLink: true,
      };
      const win = getWindow();
      const { response } = win ? await dialog.showMessageBox(win, options) : await dialog.showMessageBox(options);
      return response === 0;
    },
  };
}

async function showAbout(parent: BrowserWindow | null): Promise<void> {
  const options = {
    type: 'info' as const,
    title: 'About camscope',
    message: 'camscope',
    detail:
      `Version ${app.getVersion()}\n` +
      'Explain what your image classifier looks at.\n\n' +
      `Electron ${process.versions.electron} · Chromium ${process.versions.chrome} · Node ${process.versions.node}`,
    buttons: ['OK'],
  };
  await (parent ? dialog.showMessageBox(parent, options) : dialog.showMessageBox(options));
}

export async function bootstrap(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }

  // Stack traces go to the error log under user data; the engine process writes there too (it inherits env).
  const errorLog = path.join(app.getPath('userData'), 'logs', 'errors.log');
  setErrorLogFile(errorLog);
  process.env.CAMSCOPE_ERROR_LOG = errorLog;
  const openErrorLog = async (): Promise<void> => {
    if (!fs.existsSync(errorLog)) {
      fs.mkdirSync(path.dirname(errorLog), { recursive: true });
      fs.writeFileSync(errorLog, 'camscope error log: no errors recorded yet.\n');
    }
    const problem = await shell.openPath(errorLog);
    if (problem) void dialog.showMessageBox({ type: 'info', message: `The error log is at ${errorLog}.`, detail: problem });
  };
  // The engine finds resources/demo through CAMSCOPE_RESOURCES in a packaged app (the engine process inherits env).
  if (app.isPackaged && !process.env.CAMSCOPE_RESOURCES) process.env.CAMSCOPE_RESOURCES = process.resourcesPath;
  const devUrl = devServerUrl();
  setTrustedRenderer({ rendererDir: paths.rendererDir, devServerUrl: devUrl });
  let mainWindow: BrowserWindow | null = null;
  let onEngineCrash: (message: string) => void = () => {};
  const engine = new EngineHost<EngineOps>({ spawn: utilityEngine(paths.engineWorker), memoryLimitMb: engineMemoryLimitMb(), onCrash: (m) => onEngineCrash(m) });
  const allowList = new PathAllowList();
  const store = new UserDataStore(app.getPath('userData'));
  const emit = <E extends EventName>(event: E, payload: Events[E]): void => {
    if (mainWindow) send(mainWindow.webContents, event, payload);
  };

  const openWindow = (): BrowserWindow => {
    const stateFile = path.join(app.getPath('userData'), 'window-state.json');
    const workAreas = screen.getAllDisplays().map((d) => d.workArea);
    const win = createMainWindow({ preloadPath: paths.preload, state: loadWindowState(stateFile, workAreas) });
    trackWindowState(win, stateFile);
    win.on('closed', () => {
      if (mainWindow === win) mainWindow = null;
    });
    if (devUrl) void win.loadURL(devUrl);
    else void win.loadFile(paths.rendererHtml);
    return win;
  };

  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => {
    void engine.dispose();
  });

  await app.whenReady();

  denyAllPermissions(session.defaultSession);
  const applyTheme = (theme: Theme): void => {
    nativeTheme.themeSource = theme;
  };
  const rebuildMenu = (): void => {
    const settings = store.settings();
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        buildMenuTemplate(
          {
            command: (command) => emit('menu:command', command),
            setTheme: (theme) => {
              applyTheme(store.updateSettings({ theme }).theme);
              rebuildMenu();
              emit('menu:command', { command: 'theme', theme });
            },
            clearRecent: () => {
              store.clearRecent();
              rebuildMenu();
            },
            about: () => void showAbout(mainWindow),
            // A path the app itself owns (under user data), never one from the renderer.
            openErrorLog: () => void openErrorLog(),
          },
          { recent: store.recentProjects(), theme: settings.theme, isDev: Boolean(devUrl) },
        ),
      ),
    );
  };
  const { handlers, workbench } = createHandlers({
    engine,
    allowList,
    dialogs: electronDialogs(() => mainWindow),
    emit,
    store,
    app: { version: app.getVersion(), electron: process.versions.electron ?? 'unknown', shell: 'desktop' },
    untitledDir: path.join(app.getPath('userData'), 'untitled-projects'),
    onSettingsChanged: (settings) => {
      applyTheme(settings.theme);
      rebuildMenu();
    },
    onRecentChanged: () => rebuildMenu(),
    // Only for paths main itself wrote (handlers.ts keeps them); the renderer cannot name others.
    shell: { openPath: (p) => shell.openPath(p), showItemInFolder: (p) => shell.showItemInFolder(p) },
  });
  onEngineCrash = (message) => workbench.engineCrashed(message);
  registerHandlers(handlers);
  applyTheme(store.settings().theme);
  rebuildMenu();
  mainWindow = openWindow();
  app.on('activate', () => {
    if (!mainWindow) mainWindow = openWindow();
  });
}

// Only as Electron's main script (not in tests, not under ELECTRON_RUN_AS_NODE).
if (process.versions.electron && typeof app?.whenReady === 'function') {
  bootstrap().catch((e: unknown) => {
    console.error('[camscope] failed to start', e);
    app.exit(1);
  });
}
