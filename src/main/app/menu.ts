/**
 * The native menu, built from plain data so it can be tested without Electron:
 * File (open model / image folder / project, Open Recent ▸, save project as, export figure / report),
 * Edit (standard roles), View (reload only in development, zoom, full screen, theme), Help (guide, error log, about).
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand, RecentProject, Theme } from '../../shared/api';

export interface MenuActions {
  /** A command the renderer carries out (open dialogs, exports, the guide, a recent project). */
  command(command: MenuCommand): void;
  /** Theme chosen in View → Theme (main applies and remembers it, then tells the renderer). */
  setTheme(theme: Theme): void;
  clearRecent(): void;
  about(): void;
  /** Opens the error log (stack traces of unexpected failures) in the system's viewer. */
  openErrorLog(): void;
}

export interface MenuState {
  recent: readonly RecentProject[];
  theme: Theme;
  /** Development build (electron-vite dev): adds Reload and the developer tools. */
  isDev: boolean;
}

const THEME_LABELS: Record<Theme, string> = { system: 'Match System', light: 'Light', dark: 'Dark' };

export function buildMenuTemplate(
  actions: MenuActions,
  state: MenuState = { recent: [], theme: 'system', isDev: false },
  platform: NodeJS.Platform = process.platform,
): MenuItemConstructorOptions[] {
  const isMac = platform === 'darwin';
  const cmd = (command: MenuCommand['command']) => () => actions.command({ command } as MenuCommand);
  const template: MenuItemConstructorOptions[] = [];
  if (isMac) template.push({ role: 'appMenu' });

  const recentItems: MenuItemConstructorOptions[] = state.recent.length
    ? [
        ...state.recent.map(
          (r): MenuItemConstructorOptions => ({
            label: r.name,
            sublabel: r.path,
            toolTip: r.path,
            enabled: r.exists,
            click: () => actions.command({ command: 'openRecent', path: r.path }),
          }),
        ),
        { type: 'separator' },
        { label: 'Clear Recent', click: () => actions.clearRecent() },
      ]
    : [{ label: 'No Recent Projects', enabled: false }];

  template.push({
    label: '&File',
    submenu: [
      { label: 'Open Model…', accelerator: 'CmdOrCtrl+O', click: cmd('openModel') },
      { label: 'Open Image Folder…', accelerator: 'CmdOrCtrl+Shift+O', click: cmd('openFolder') },
      { label: 'Open Project…', accelerator: 'CmdOrCtrl+Alt+O', click: cmd('openProject') },
      { label: 'Open Recent', submenu: recentItems },
      { type: 'separator' },
      { label: 'Save Project As…', accelerator: 'CmdOrCtrl+Shift+S', click: cmd('saveProjectAs') },
      { type: 'separator' },
      { label: 'Export Figure…', accelerator: 'CmdOrCtrl+E', click: cmd('exportFigure') },
      { label: 'Export Report…', accelerator: 'CmdOrCtrl+Shift+E', click: cmd('exportReport') },
      { type: 'separator' },
      isMac ? { role: 'close' } : { role: 'quit', label: 'Quit' },
    ],
  });

  template.push({ label: '&Edit', role: 'editMenu' });

  const view: MenuItemConstructorOptions[] = [];
  if (state.isDev) view.push({ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' });
  view.push(
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
    { type: 'separator' },
    {
      label: 'Theme',
      submenu: (['system', 'light', 'dark'] as const).map(
        (theme): MenuItemConstructorOptions => ({
          label: THEME_LABELS[theme],
          type: 'radio',
          checked: state.theme === theme,
          click: () => actions.setTheme(theme),
        }),
      ),
    },
  );
  template.push({ label: '&View', submenu: view });

  template.push({
    label: '&Help',
    role: 'help',
    submenu: [
      { label: 'camscope Guide', accelerator: 'F1', click: cmd('guide') },
      { label: 'Open Error Log', click: () => actions.openErrorLog() },
      { type: 'separator' },
      { label: 'About camscope', click: () => actions.about() },
    ],
  });
  return template;
}
