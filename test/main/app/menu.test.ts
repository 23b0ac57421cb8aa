// Static checks on the shell: the renderer's CSP, the contract's channel list and the native menu.
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { CHANNEL_NAMES, channels, isChannelName, isEventName } from '../../../src/shared/api';
import { buildMenuTemplate } from '../../../src/main/app/menu';

describe('renderer index.html', () => {
  const html = readFileSync(new URL('../../../src/renderer/index.html', import.meta.url), 'utf8');
  const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
  const directives = Object.fromEntries(
    csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values.join(' ')]),
  );

  it('has a strict CSP without inline scripts or styles', () => {
    expect(directives).toEqual({
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self'",
      'img-src': "'self' data: blob:",
      'connect-src': "'self'",
      'object-src': "'none'",
      'base-uri': "'none'",
      'form-action': "'none'",
    });
    expect(csp).not.toMatch(/unsafe-eval|unsafe-inline/);
  });
});

describe('IPC contract', () => {
  it('lists the channels, each with a request validator', () => {
    expect(CHANNEL_NAMES.sort()).toEqual(
      [
        'app:version', 'settings:get', 'settings:set', 'methods:list',
        'model:inspect', 'demo:inspect', 'dialog:openModel', 'dialog:openFolder', 'dialog:openProject', 'drop:register',
        'model:load', 'demo:open', 'dataset:open', 'dataset:thumbnails', 'predictions:run', 'image:explain',
        'image:faithfulness', 'model:sweepLayers', 'sanity:run', 'job:cancel',
        'project:current', 'project:open', 'project:saveAs', 'project:recent',
        'annotations:list', 'annotations:add', 'annotations:update', 'annotations:delete', 'annotations:exportCoco',
        'regions:import', 'regions:agreement',
        'evaluation:run', 'evaluation:list', 'evaluation:get', 'cache:usage', 'cache:clear', 'classes:get', 'classes:set',
        'export:figure', 'export:report', 'export:open', 'export:showInFolder',
        'compare:open', 'compare:model', 'compare:close', 'compare:image', 'compare:run', 'compare:last', 'model:intensity',
      ].sort(),
    );
    for (const name of CHANNEL_NAMES) expect(typeof channels[name].request).toBe('function');
    expect(isChannelName('model:inspect')).toBe(true);
    expect(isChannelName('toString')).toBe(false);
    expect(isEventName('explain:map')).toBe(true);
    expect(isEventName('constructor')).toBe(false);
  });
});

describe('native menu', () => {
  const labels = (t: MenuItemConstructorOptions[]) =>
    t.map((m) => [m.label ?? m.role, ((m.submenu ?? []) as MenuItemConstructorOptions[]).map((s) => s.label ?? s.role ?? s.type)]);
  const actions = () => ({ command: vi.fn(), setTheme: vi.fn(), clearRecent: vi.fn(), about: vi.fn(), openErrorLog: vi.fn() });
  const sub = (t: MenuItemConstructorOptions[], label: string) =>
    (t.find((m) => m.label === label)!.submenu as MenuItemConstructorOptions[]);
  const item = (items: MenuItemConstructorOptions[], label: string) => items.find((i) => i.label === label)!;

  it('has File, Edit, View and Help with the workbench commands', () => {
    const a = actions();
    const template = buildMenuTemplate(a, { recent: [], theme: 'system', isDev: false }, 'linux');
    expect(labels(template)).toEqual([
      ['&File', [
        'Open Model…', 'Open Image Folder…', 'Open Project…', 'Open Recent', 'separator', 'Save Project As…', 'separator',
        'Export Figure…', 'Export Report…', 'separator', 'Quit',
      ]],
      ['&Edit', []],
      ['&View', ['resetZoom', 'zoomIn', 'zoomOut', 'separator', 'togglefullscreen', 'separator', 'Theme']],
      ['&Help', ['camscope Guide', 'Open Error Log', 'separator', 'About camscope']],
    ]);
    expect(template[1].role).toBe('editMenu');
    const file = sub(template, '&File');
    const clicks: [string, string][] = [
      ['Open Model…', 'openModel'], ['Open Image Folder…', 'openFolder'], ['Open Project…', 'openProject'],
      ['Save Project As…', 'saveProjectAs'], ['Export Figure…', 'exportFigure'], ['Export Report…', 'exportReport'],
    ];
    for (const [label, command] of clicks) {
      (item(file, label).click as () => void)();
      expect(a.command).toHaveBeenLastCalledWith({ command });
    }
    expect(item(file, 'Open Model…').accelerator).toBe('CmdOrCtrl+O');
    (item(sub(template, '&Help'), 'camscope Guide').click as () => void)();
    expect(a.command).toHaveBeenLastCalledWith({ command: 'guide' });
    (item(sub(template, '&Help'), 'About camscope').click as () => void)();
    expect(a.about).toHaveBeenCalled();
    (item(sub(template, '&Help'), 'Open Error Log').click as () => void)();
    expect(a.openErrorLog).toHaveBeenCalled();
  });

  it('lists recent projects (missing ones disabled) and can clear them', () => {
    const a = actions();
    const recent = [
      { path: '/p/a.camscope', name: 'a', opened: '2026-01-01T00:00:00Z', exists: true },
      { path: '/p/gone.camscope', name: 'gone', opened: '2026-01-01T00:00:00Z', exists: false },
    ];
    const file = sub(buildMenuTemplate(a, { recent, theme: 'system', isDev: false }, 'linux'), '&File');
    const items = item(file, 'Open Recent').submenu as MenuItemConstructorOptions[];
    expect(items.map((i) => i.label ?? i.type)).toEqual(['a', 'gone', 'separator', 'Clear Recent']);
    expect(items[1].enabled).toBe(false);
    (items[0].click as () => void)();
    expect(a.command).toHaveBeenCalledWith({ command: 'openRecent', path: '/p/a.camscope' });
    (items[3].click as () => void)();
    expect(a.clearRecent).toHaveBeenCalled();
    const none = item(sub(buildMenuTemplate(a, undefined, 'linux'), '&File'), 'Open Recent').submenu as MenuItemConstructorOptions[];
    expect(none).toEqual([{ label: 'No Recent Projects', enabled: false }]);
  });

  it('offers the theme as radio items and reload only in development', () => {
    const a = actions();
    const view = sub(buildMenuTemplate(a, { recent: [], theme: 'dark', isDev: true }, 'linux'), '&View');
    expect(view.slice(0, 3).map((i) => i.role)).toEqual(['reload', 'forceReload', 'toggleDevTools']);
    const theme = item(view, 'Theme').submenu as MenuItemConstructorOptions[];
    expect(theme.map((t) => [t.label, t.type, t.checked])).toEqual([
      ['Match System', 'radio', false],
      ['Light', 'radio', false],
      ['Dark', 'radio', true],
    ]);
    (theme[1].click as () => void)();
    expect(a.setTheme).toHaveBeenCalledWith('light');
    const prod = sub(buildMenuTemplate(a, { recent: [], theme: 'dark', isDev: false }, 'linux'), '&View');
    expect(prod.some((i) => i.role === 'reload' || i.role === 'toggleDevTools')).toBe(false);
  });

  it('adds the app menu on macOS and closes the window instead of quitting', () => {
    const template = buildMenuTemplate(actions(), undefined, 'darwin');
    expect(template.map((m) => m.role ?? m.label)).toEqual(['appMenu', '&File', 'editMenu', '&View', 'help']);
    expect(sub(template, '&File').at(-1)).toEqual({ role: 'close' });
  });
});
