// The sandboxed preload (src/preload/index.ts) with 'electron' mocked: what it exposes as window.camscope.
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CamscopeApi } from '../../src/shared/api';

const h = vi.hoisted(() => ({
  exposed: {} as Record<string, unknown>,
  invoke: vi.fn(),
  listeners: new Map<string, (event: unknown, payload: unknown) => void>(),
  getPathForFile: vi.fn(),
}));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (h.exposed[key] = value) },
  ipcRenderer: {
    invoke: h.invoke,
    on: (event: string, fn: (event: unknown, payload: unknown) => void) => h.listeners.set(event, fn),
    removeListener: (event: string) => h.listeners.delete(event),
  },
  webUtils: { getPathForFile: h.getPathForFile },
}));

let api: CamscopeApi;
beforeAll(async () => {
  await import('../../src/preload/index');
  api = h.exposed.camscope as CamscopeApi;
});
beforeEach(() => {
  h.invoke.mockReset();
  h.getPathForFile.mockReset();
});

describe('preload: window.camscope', () => {
  it('exposes only invoke, on and registerDropped', () => {
    expect(Object.keys(h.exposed)).toEqual(['camscope']);
    expect(Object.keys(api).sort()).toEqual(['invoke', 'on', 'registerDropped']);
  });

  it('invokes contract channels and unwraps the envelope', async () => {
    h.invoke.mockResolvedValueOnce({ ok: true, value: { version: '1' } });
    await expect(api.invoke('app:version')).resolves.toEqual({ version: '1' });
    expect(h.invoke).toHaveBeenCalledWith('app:version');
    h.invoke.mockResolvedValueOnce({ ok: false, error: { code: 'NOT_ALLOWED', message: 'Please choose the file again.' } });
    await expect(api.invoke('model:inspect', { path: '/x.onnx' })).rejects.toMatchObject({ message: 'Please choose the file again.', code: 'NOT_ALLOWED' });
  });

  it('refuses unknown channels and the preload-only drop:register from page script', async () => {
    await expect((api.invoke as (c: string) => Promise<unknown>)('shell:openExternal')).rejects.toThrow(/no request named/);
    await expect(api.invoke('drop:register', { path: '/home/me/.ssh' })).rejects.toThrow(/no request named "drop:register"/);
    expect(h.invoke).not.toHaveBeenCalled();
  });

  it('registerDropped takes the path from the dropped File itself', async () => {
    h.getPathForFile.mockReturnValueOnce('/data/cats');
    h.invoke.mockResolvedValueOnce({ ok: true, value: { path: '/data/cats', kind: 'folder' } });
    await expect(api.registerDropped({} as File)).resolves.toEqual({ path: '/data/cats', kind: 'folder' });
    expect(h.invoke).toHaveBeenCalledWith('drop:register', { path: '/data/cats' });
    h.getPathForFile.mockReturnValueOnce('');
    await expect(api.registerDropped({} as File)).rejects.toThrow(/could not tell where/);
  });

  it('event listeners get the payload, never the IPC event; unknown events are refused', () => {
    const seen: unknown[] = [];
    const off = api.on('menu:command', (p) => seen.push(p));
    h.listeners.get('menu:command')!({ sender: 'secret' }, { command: 'guide' });
    expect(seen).toEqual([{ command: 'guide' }]);
    off();
    expect(h.listeners.has('menu:command')).toBe(false);
    expect(() => (api.on as (e: string, l: () => void) => void)('ipc:raw', () => {})).toThrow(/no event named/);
  });
});
