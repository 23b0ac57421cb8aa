// Static checks on the shell: the renderer's CSP, the contract's channel list and the native menu.
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { CHANNEL_NAMES, channels, isChannelName } from '../../src/shared/api';
import { buildMenuTemplate } from '../../src/main/menu';

describe('renderer index.html', () => {
  const html = readFileSync(new URL('../../src/renderer/index.html', import.meta.url), 'utf8');
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
      ['app:version', 'demo:inspect', 'dialog:openModel', 'model:inspect', 'model:registerDropped'].sort(),
    );
    for (const name of CHANNEL_NAMES) expect(typeof channels[name].request).toBe('function');
    expect(isChannelName('model:inspect')).toBe(true);
    expect(isChannelName('toString')).toBe(false);
  });
});

describe('native menu', () => {
  const labels = (t: MenuItemConstructorOptions[]) =>
    t.map((m) => [m.label ?? m.role, ((m.submenu ?? []) as MenuItemConstructorOptions[]).map((s) => s.label ?? s.role ?? s.type)]);

  it('has File (Open Model…, Quit) and Help (About camscope)', () => {
    const actions = { openModel: vi.fn(), about: vi.fn() };
    const template = buildMenuTemplate(actions, 'linux');
    expect(labels(template)).toEqual([
      ['&File', ['Open Model…', 'separator', 'Quit']],
      ['&Help', ['About camscope']],
    ]);
    const file = template[0].submenu as MenuItemConstructorOptions[];
    (file[0].click as () => void)();
    expect(actions.openModel).toHaveBeenCalled();
    expect(file[0].accelerator).toBe('CmdOrCtrl+O');
    ((template[1].submenu as MenuItemConstructorOptions[])[0].click as () => void)();
    expect(actions.about).toHaveBeenCalled();
  });

  it('adds the app and edit menus on macOS', () => {
    const template = buildMenuTemplate({ openModel: vi.fn(), about: vi.fn() }, 'darwin');
    expect(template.map((m) => m.role ?? m.label)).toEqual(['appMenu', '&File', 'editMenu', 'help']);
  });
});
