/** The main window: hardened against leaving camscope, no permissions, its size and place kept between runs. */
import { BrowserWindow, nativeTheme, type Session, type WebContents } from 'electron';
import { DEFAULT_WINDOW_STATE, MIN_WINDOW_SIZE, saveWindowState, type WindowState } from './window-state';

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

/** Saves the window's size, place and maximized state when it closes, for the next start. */
export function trackWindowState(win: BrowserWindow, file: string): void {
  win.on('close', () => {
    const b = win.getNormalBounds();
    saveWindowState(file, { x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() });
  });
}
