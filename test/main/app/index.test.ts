import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

type Listener = (...args: unknown[]) => void;

const h = vi.hoisted(() => {
  class FakeEmitter {
    listeners = new Map<string, ((...args: unknown[]) => void)[]>();
    on(name: string, fn: (...args: unknown[]) => void) {
      this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
      return this;
    }
    once(name: string, fn: (...args: unknown[]) => void) {
      return this.on(name, fn);
    }
    emit(name: string, ...args: unknown[]) {
      for (const fn of this.listeners.get(name) ?? []) fn(...args);
    }
  }
  class FakeWebContents extends FakeEmitter {
    url = '';
    openHandler: (() => unknown) | null = null;
    getURL = () => this.url;
    setWindowOpenHandler = (fn: () => unknown) => {
      this.openHandler = fn;
    };
    isDestroyed = () => false;
    send = vi.fn();
  }
  class FakeBrowserWindow extends FakeEmitter {
    static instances: FakeBrowserWindow[] = [];
    static fromWebContents = () => null;
    webContents = new FakeWebContents();
    show = vi.fn();
    maximize = vi.fn();
    loadFile = vi.fn(async () => {});
    loadURL = vi.fn(async () => {});
    isMaximized = () => false;
    isMinimized = () => false;
    getNormalBounds = () => ({ x: 10, y: 20, width: 1000, height: 700 });
    constructor(public options: Record<string, unknown>) {
      super();
      FakeBrowserWindow.instances.push(this);
    }
  }
  const app = Object.assign(new FakeEmitter(), {
    isPackaged: false,
    requestSingleInstanceLock: vi.fn(() => true),
    whenReady: vi.fn(async () => {}),
    getPath: vi.fn(() => ''),
    getVersion: () => '0.1.0',
    quit: vi.fn(),
    exit: vi.fn(),
  });
  const session = {
    defaultSession: { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn() },
  };
  const ipcHandle = vi.fn();
  const setApplicationMenu = vi.fn();
  const nativeTheme = { shouldUseDarkColors: false, themeSource: 'system' };
  const dialog = { showOpenDialog: vi.fn(), showSaveDialog: vi.fn(), showMessageBox: vi.fn() };
  return { FakeBrowserWindow, app, session, ipcHandle, setApplicationMenu, nativeTheme, dialog };
});

vi.mock('electron', () => ({
  app: h.app,
  BrowserWindow: h.FakeBrowserWindow,
  session: h.session,
  ipcMain: { handle: h.ipcHandle, removeHandler: vi.fn() },
  dialog: h.dialog,
  Menu: { buildFromTemplate: vi.fn((t: unknown) => ({ template: t })), setApplicationMenu: h.setApplicationMenu },
  nativeTheme: h.nativeTheme,
  screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
}));

const main = {
  ...(await import('../../../src/main/app/index')),
  ...(await import('../../../src/main/app/window')),
  ...(await import('../../../src/main/app/dialogs')),
};
const { CHANNEL_NAMES } = await import('../../../src/shared/api');

const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'camscope-main-test-'));
afterAll(() => fs.rmSync(userData, { recursive: true, force: true }));

beforeEach(() => {
  h.FakeBrowserWindow.instances.length = 0;
  h.app.listeners.clear();
  vi.clearAllMocks();
  h.app.getPath.mockReturnValue(userData);
});

describe('src/main/index.ts', () => {
  it('has no side effects on import outside Electron', () => {
    expect(h.FakeBrowserWindow.instances).toHaveLength(0);
    expect(h.app.requestSingleInstanceLock).not.toHaveBeenCalled();
    expect(typeof main.bootstrap).toBe('function');
  });

  it('resolves the built files next to out/main', () => {
    const dir = path.dirname(main.paths.engineWorker);
    expect(path.isAbsolute(dir)).toBe(true);
    expect(main.paths.engineWorker).toBe(path.join(dir, 'engine-worker.js'));
    expect(main.paths.preload).toBe(path.join(dir, '..', 'preload', 'index.cjs'));
    expect(main.paths.rendererHtml).toBe(path.join(dir, '..', 'renderer', 'index.html'));
  });

  it('createMainWindow() uses the secure webPreferences and shows the window when ready', () => {
    const win = main.createMainWindow({ preloadPath: '/app/out/preload/index.cjs' }) as unknown as InstanceType<
      typeof h.FakeBrowserWindow
    >;
    expect(win.options).toMatchObject({
      show: false,
      webPreferences: {
        preload: '/app/out/preload/index.cjs',
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
      },
    });
    expect(win.show).not.toHaveBeenCalled();
    win.emit('ready-to-show');
    expect(win.show).toHaveBeenCalled();
  });

  it('restores saved bounds and maximized state', () => {
    const win = main.createMainWindow({
      preloadPath: '/p',
      state: { x: 5, y: 6, width: 900, height: 600, maximized: true },
    }) as unknown as InstanceType<typeof h.FakeBrowserWindow>;
    expect(win.options).toMatchObject({ x: 5, y: 6, width: 900, height: 600 });
    win.emit('ready-to-show');
    expect(win.maximize).toHaveBeenCalled();
  });

  it('blocks navigation away from the page, popups and webviews', () => {
    const win = main.createMainWindow({ preloadPath: '/p' }) as unknown as InstanceType<typeof h.FakeBrowserWindow>;
    const wc = win.webContents;
    wc.url = 'file:///app/out/renderer/index.html';
    const navigate = (url: string) => {
      const event = { url, preventDefault: vi.fn() };
      wc.emit('will-navigate', event, url);
      return event.preventDefault;
    };
    expect(navigate('https://example.com/')).toHaveBeenCalled();
    expect(navigate('file:///etc/passwd')).toHaveBeenCalled();
    expect(navigate('file:///app/out/renderer/index.html')).not.toHaveBeenCalled();

    const redirect = { url: 'https://example.com/', preventDefault: vi.fn() };
    wc.emit('will-redirect', redirect);
    expect(redirect.preventDefault).toHaveBeenCalled();

    const webview = { preventDefault: vi.fn() };
    wc.emit('will-attach-webview', webview);
    expect(webview.preventDefault).toHaveBeenCalled();

    expect(wc.openHandler?.()).toEqual({ action: 'deny' });
  });

  it('denyAllPermissions() refuses every request and check', () => {
    main.denyAllPermissions(h.session.defaultSession as never);
    const request = h.session.defaultSession.setPermissionRequestHandler.mock.calls[0][0] as Listener;
    const callback = vi.fn();
    request({}, 'media', callback);
    expect(callback).toHaveBeenCalledWith(false);
    const checkHandler = h.session.defaultSession.setPermissionCheckHandler.mock.calls[0][0] as () => boolean;
    expect(checkHandler()).toBe(false);
  });

  it('bootstrap() wires everything: lock, permissions, every IPC channel, menu, window, saved bounds', async () => {
    await main.bootstrap();
    expect(h.app.requestSingleInstanceLock).toHaveBeenCalled();
    expect(h.session.defaultSession.setPermissionRequestHandler).toHaveBeenCalled();
    expect(h.ipcHandle.mock.calls.map((c) => c[0]).sort()).toEqual([...CHANNEL_NAMES].sort());
    expect(h.setApplicationMenu).toHaveBeenCalledTimes(1);

    expect(h.FakeBrowserWindow.instances).toHaveLength(1);
    const win = h.FakeBrowserWindow.instances[0];
    expect((win.options.webPreferences as { preload: string }).preload).toBe(main.paths.preload);
    expect(win.loadFile).toHaveBeenCalledWith(main.paths.rendererHtml);
    expect(win.loadURL).not.toHaveBeenCalled();

    win.emit('close');
    const saved = JSON.parse(fs.readFileSync(path.join(userData, 'window-state.json'), 'utf8'));
    expect(saved).toEqual({ x: 10, y: 20, width: 1000, height: 700, maximized: false });

    // The next start reuses the saved bounds.
    h.FakeBrowserWindow.instances.length = 0;
    h.ipcHandle.mockClear();
    await main.bootstrap();
    expect(h.FakeBrowserWindow.instances[0].options).toMatchObject({ x: 10, y: 20, width: 1000, height: 700 });
  });

  it('bootstrap() loads the dev server URL when unpackaged and ELECTRON_RENDERER_URL is set', async () => {
    vi.stubEnv('ELECTRON_RENDERER_URL', 'http://localhost:5173/');
    try {
      await main.bootstrap();
      const win = h.FakeBrowserWindow.instances[0];
      expect(win.loadURL).toHaveBeenCalledWith('http://localhost:5173/');
      expect(win.loadFile).not.toHaveBeenCalled();
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('menu commands reach the window; the theme is applied, remembered and announced', async () => {
    await main.bootstrap();
    const win = h.FakeBrowserWindow.instances[0];
    type Item = { label?: string; click?: () => void; submenu?: Item[] };
    const menu = () => (h.setApplicationMenu.mock.calls.at(-1)![0] as { template: Item[] }).template;
    const find = (items: Item[], label: string) => items.find((i) => i.label === label)!;
    find(find(menu(), '&File').submenu!, 'Open Image Folder…').click!();
    expect(win.webContents.send).toHaveBeenLastCalledWith('menu:command', { command: 'openFolder' });
    const theme = find(find(menu(), '&View').submenu!, 'Theme').submenu!;
    find(theme, 'Dark').click!();
    expect(h.nativeTheme.themeSource).toBe('dark');
    expect(win.webContents.send).toHaveBeenLastCalledWith('menu:command', { command: 'theme', theme: 'dark' });
    expect(JSON.parse(fs.readFileSync(path.join(userData, 'settings.json'), 'utf8'))).toMatchObject({ theme: 'dark' });
    // The menu was rebuilt with Dark checked.
    const checked = find(find(menu(), '&View').submenu!, 'Theme').submenu!.find((i) => (i as { checked?: boolean }).checked);
    expect(checked?.label).toBe('Dark');
  });

  it('electronDialogs() asks the right questions and returns null when cancelled', async () => {
    const dialogs = main.electronDialogs(() => null);
    h.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: ['/data/cats'] });
    expect(await dialogs.openFolder()).toBe('/data/cats');
    expect(h.dialog.showOpenDialog.mock.calls[0][0]).toMatchObject({ properties: ['openDirectory'] });
    h.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: true, filePaths: [] });
    expect(await dialogs.openModel()).toBeNull();
    expect(h.dialog.showOpenDialog.mock.calls[1][0]).toMatchObject({ filters: [{ name: 'ONNX models', extensions: ['onnx'] }] });
    h.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: '/home/me/study.camscope' });
    expect(await dialogs.saveProject('study')).toBe('/home/me/study.camscope');
    expect(h.dialog.showSaveDialog.mock.calls[0][0].defaultPath).toMatch(/study\.camscope$/);
    h.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: true });
    expect(await dialogs.exportFolder('report', 'camscope-report')).toBeNull();
    expect(h.dialog.showSaveDialog.mock.calls[1][0]).toMatchObject({ buttonLabel: 'Export' });
  });

  it('electronDialogs().confirmDropped asks in a native message box and is true only for "Open"', async () => {
    const dialogs = main.electronDialogs(() => null);
    h.dialog.showMessageBox.mockResolvedValueOnce({ response: 0 });
    expect(await dialogs.confirmDropped('/data/cats', 'folder')).toBe(true);
    expect(h.dialog.showMessageBox.mock.calls.at(-1)![0]).toMatchObject({
      message: 'Open the image folder “cats”?',
      detail: expect.stringContaining('/data/cats'),
      buttons: ['Open', 'Cancel'],
      cancelId: 1,
    });
    h.dialog.showMessageBox.mockResolvedValueOnce({ response: 1 });
    expect(await dialogs.confirmDropped('/', 'folder')).toBe(false);
    expect(h.dialog.showMessageBox.mock.calls.at(-1)![0]).toMatchObject({ message: 'Open the image folder “/”?' });
  });

  it('bootstrap() quits when another instance holds the lock', async () => {
    h.app.requestSingleInstanceLock.mockReturnValueOnce(false);
    await main.bootstrap();
    expect(h.app.quit).toHaveBeenCalled();
    expect(h.FakeBrowserWindow.instances).toHaveLength(0);
  });
});
