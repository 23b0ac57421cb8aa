import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const registered = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>();
vi.mock('electron', () => ({
  ipcMain: {
    handle: vi.fn((channel: string, fn: (event: unknown, ...args: unknown[]) => Promise<unknown>) => {
      registered.set(channel, fn);
    }),
    removeHandler: vi.fn((channel: string) => registered.delete(channel)),
  },
}));

const { ipcMain } = await import('electron');
const { handle, isTrustedRendererUrl, send, setTrustedRenderer } = await import('../../../src/main/app/ipc');
const { AppError } = await import('../../../src/main/common/errors');

const rendererDir = path.resolve('/opt/camscope/out/renderer');
const appUrl = pathToFileURL(path.join(rendererDir, 'index.html')).href;
const devUrl = 'http://localhost:5173/';

const eventFrom = (url: string | null, parent: unknown = null) => ({
  senderFrame: url === null ? null : { url, parent },
  sender: {},
});

function invoke(channel: string, event: unknown, ...args: unknown[]): Promise<unknown> {
  const fn = registered.get(channel);
  if (!fn) throw new Error(`no handler for ${channel}`);
  return fn(event, ...args);
}

beforeEach(() => {
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  registered.clear();
  vi.mocked(ipcMain.handle).mockClear();
  setTrustedRenderer({ rendererDir });
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('isTrustedRendererUrl', () => {
  it('trusts only pages inside the built renderer folder, and the dev server origin when configured', () => {
    const t = { rendererDir, devServerUrl: devUrl };
    expect(isTrustedRendererUrl(appUrl, t)).toBe(true);
    expect(isTrustedRendererUrl(`${appUrl}#/models?x=1`, t)).toBe(true);
    expect(isTrustedRendererUrl('http://localhost:5173/src/index.html', t)).toBe(true);
    expect(isTrustedRendererUrl(pathToFileURL(path.join(rendererDir, '../main/index.js')).href, t)).toBe(false);
    expect(isTrustedRendererUrl(pathToFileURL(`${rendererDir}-evil/index.html`).href, t)).toBe(false);
    expect(isTrustedRendererUrl(pathToFileURL(rendererDir).href, t)).toBe(false);
    expect(isTrustedRendererUrl('file:///etc/passwd', t)).toBe(false);
    expect(isTrustedRendererUrl('http://localhost:5174/', t)).toBe(false);
    expect(isTrustedRendererUrl('https://example.com/', t)).toBe(false);
    expect(isTrustedRendererUrl('devtools://devtools/bundled/index.html', t)).toBe(false);
    expect(isTrustedRendererUrl('not a url', t)).toBe(false);
    // Dev server not configured (packaged app): never trusted.
    expect(isTrustedRendererUrl(devUrl, { rendererDir })).toBe(false);
    // Nothing configured: fail closed.
    expect(isTrustedRendererUrl(appUrl, {})).toBe(false);
  });
});

describe('handle()', () => {
  it('registers the channel with ipcMain.handle and answers a valid request with an ok envelope', async () => {
    const fn = vi.fn(async ({ path: p }: { path: string }) => ({ path: p }) as never);
    handle('model:inspect', fn);
    expect(ipcMain.handle).toHaveBeenCalledWith('model:inspect', expect.any(Function));
    const result = await invoke('model:inspect', eventFrom(appUrl), { path: '/m/model.onnx' });
    expect(result).toEqual({ ok: true, value: { path: '/m/model.onnx' } });
    expect(fn).toHaveBeenCalledWith({ path: '/m/model.onnx' }, expect.anything());
  });

  it('accepts a channel without payload', async () => {
    handle('app:version', () => ({ version: '1', electron: '45', node: '22', shell: 'desktop' as const }));
    await expect(invoke('app:version', eventFrom(appUrl))).resolves.toEqual({
      ok: true,
      value: { version: '1', electron: '45', node: '22', shell: 'desktop' },
    });
  });

  it('rejects unknown senders without calling the handler', async () => {
    const fn = vi.fn();
    handle('app:version', fn);
    for (const event of [
      eventFrom('https://evil.example/'),
      eventFrom('file:///tmp/evil.html'),
      eventFrom(appUrl, { url: 'https://evil.example/' }), // a sub-frame
      eventFrom(null), // frame gone
    ]) {
      await expect(invoke('app:version', event)).resolves.toEqual({
        ok: false,
        error: { code: 'UNTRUSTED_SENDER', message: expect.stringMatching(/did not come from the camscope window/) },
      });
    }
    expect(fn).not.toHaveBeenCalled();
  });

  it('trusts the dev server only when configured', async () => {
    handle('app:version', () => ({ version: '1', electron: '45', node: '22', shell: 'desktop' as const }));
    await expect(invoke('app:version', eventFrom(devUrl))).resolves.toMatchObject({ ok: false });
    setTrustedRenderer({ rendererDir, devServerUrl: devUrl });
    await expect(invoke('app:version', eventFrom(devUrl))).resolves.toMatchObject({ ok: true });
  });

  it('rejects invalid payloads with a clear INVALID_REQUEST envelope', async () => {
    const fn = vi.fn();
    handle('model:inspect', fn);
    const cases: [unknown[], RegExp][] = [
      [[{ path: 42 }], /payload\.path must be text, not a number/],
      [[{ path: '/m.onnx', ep: 'cuda' }], /unexpected field "ep"/],
      [[{}], /payload\.path is missing/],
      [['/m.onnx'], /payload must be an object, not a string/],
      [[], /payload must be an object, not nothing/],
      [[{ path: '' }], /must not be empty/],
      [[{ path: '/a' }, { path: '/b' }], /at most one payload/],
    ];
    for (const [args, message] of cases) {
      const result = await invoke('model:inspect', eventFrom(appUrl), ...args);
      expect(result).toEqual({
        ok: false,
        error: { code: 'INVALID_REQUEST', message: expect.stringMatching(message) },
      });
      expect((result as { error: { message: string } }).error.message).toMatch(/^camscope could not understand/);
    }
    expect(fn).not.toHaveBeenCalled();
  });

  it('rejects a payload on a channel that takes none', async () => {
    handle('demo:inspect', vi.fn());
    await expect(invoke('demo:inspect', eventFrom(appUrl), { path: '/etc/passwd' })).resolves.toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST', message: expect.stringMatching(/payload must be empty, not an object/) },
    });
  });

  it('turns thrown errors into envelopes: AppError and engine errors keep their code, others become INTERNAL', async () => {
    const errors: unknown[] = [
      new AppError('NOT_ALLOWED', 'Pick the file again.'),
      Object.assign(new Error('That file is not an ONNX model.'), { name: 'CamscopeError', code: 'INVALID_MODEL' }),
      new TypeError('x is undefined'),
    ];
    let i = 0;
    handle('demo:inspect', () => {
      throw errors[i++];
    });
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const results = [];
    for (let k = 0; k < errors.length; k++) results.push(await invoke('demo:inspect', eventFrom(appUrl)));
    spy.mockRestore();
    expect(results).toEqual([
      { ok: false, error: { code: 'NOT_ALLOWED', message: 'Pick the file again.' } },
      { ok: false, error: { code: 'INVALID_MODEL', message: 'That file is not an ONNX model.' } },
      { ok: false, error: { code: 'INTERNAL', message: 'Something went wrong inside camscope: x is undefined. The details are in the error log (Help → Open Error Log).' } },
    ]);
  });

  it('returns an unregister function', () => {
    const off = handle('app:version', vi.fn());
    expect(registered.has('app:version')).toBe(true);
    off();
    expect(registered.has('app:version')).toBe(false);
  });
});

describe('send()', () => {
  it('sends contract events to live web contents only', () => {
    const live = { isDestroyed: () => false, send: vi.fn() };
    const dead = { isDestroyed: () => true, send: vi.fn() };
    send(live as never, 'menu:command', { command: 'openModel' });
    send(dead as never, 'menu:command', { command: 'openModel' });
    expect(live.send).toHaveBeenCalledWith('menu:command', { command: 'openModel' });
    expect(dead.send).not.toHaveBeenCalled();
  });
});
