/**
 * Electron main process, its composition root: the error log, the engine's utility process, the allow-list and
 * user data, the channel handlers, the native menu and one hardened window (window.ts), in that order.
 *
 * Importing this module has no side effects outside Electron (tests import it with 'electron' mocked);
 * {@link bootstrap} runs only when it is loaded as Electron's main script.
 */
import fs from 'node:fs';
import path from 'node:path';
import { app, dialog, Menu, nativeTheme, screen, session, shell, type BrowserWindow } from 'electron';
import type { EngineOps } from '../workbench/ops';
import type { EventName, Events, Theme } from '../../shared/api';
import { EngineHost } from '../engine-host/host';
import { engineMemoryLimitMb } from '../engine-host/memory';
import { setErrorLogFile } from '../common/error-log';
import { utilityEngine } from '../engine-host/utility';
import { createHandlers } from '../handlers/index';
import { PathAllowList } from '../handlers/access';
import { UserDataStore } from '../handlers/user-data';
import { electronDialogs, showAbout } from './dialogs';
import { registerHandlers, send, setTrustedRenderer } from './ipc';
import { buildMenuTemplate } from './menu';
import { createMainWindow, denyAllPermissions, trackWindowState } from './window';
import { loadWindowState } from './window-state';

/** Where the built files sit next to this one (out/main). */
const here = import.meta.dirname;
export const paths = {
  preload: path.join(here, '../preload/index.cjs'),
  rendererDir: path.join(here, '../renderer'),
  rendererHtml: path.join(here, '../renderer/index.html'),
  engineWorker: path.join(here, 'engine-worker.js'),
};

/** The dev server URL, honoured only when running unpackaged (electron-vite dev). */
function devServerUrl(): string | undefined {
  return !app.isPackaged && process.env.ELECTRON_RENDERER_URL ? process.env.ELECTRON_RENDERER_URL : undefined;
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
  const { handlers, client } = createHandlers({
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
    // Only for paths main itself wrote (handlers/exports.ts keeps them); the renderer cannot name others.
    shell: { openPath: (p) => shell.openPath(p), showItemInFolder: (p) => shell.showItemInFolder(p) },
  });
  onEngineCrash = (message) => client.engineCrashed(message);
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
