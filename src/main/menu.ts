import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  openModel(): void;
  about(): void;
}

/** The native menu: File (Open Model…, Quit) and Help (About camscope); macOS also gets its app menu. */
export function buildMenuTemplate(
  actions: MenuActions,
  platform: NodeJS.Platform = process.platform,
): MenuItemConstructorOptions[] {
  const isMac = platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [];
  if (isMac) template.push({ role: 'appMenu' });
  template.push({
    label: '&File',
    submenu: [
      { label: 'Open Model…', accelerator: 'CmdOrCtrl+O', click: () => actions.openModel() },
      { type: 'separator' },
      isMac ? { role: 'close' } : { role: 'quit', label: 'Quit' },
    ],
  });
  // Without an Edit menu, copy/paste shortcuts do not work on macOS.
  if (isMac) template.push({ role: 'editMenu' });
  template.push({
    label: '&Help',
    role: 'help',
    submenu: [{ label: 'About camscope', click: () => actions.about() }],
  });
  return template;
}
