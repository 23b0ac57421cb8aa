import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

const h = vi.hoisted(() => ({
  handlers: new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>(),
  showOpenDialog: vi.fn(),
}));

vi.mock('electron', () => ({
  app: { getVersion: () => '0.1.0' },
  BrowserWindow: { fromWebContents: () => null },
  dialog: { showOpenDialog: h.showOpenDialog },
  ipcMain: {
    handle: (channel: string, fn: (event: unknown, ...args: unknown[]) => Promise<unknown>) => h.handlers.set(channel, fn),
    removeHandler: (channel: string) => h.handlers.delete(channel),
  },
}));

const { registerIpcHandlers } = await import('../../src/main/handlers');
const { setTrustedRenderer } = await import('../../src/main/ipc');
const { ModelAllowList } = await import('../../src/main/model-access');

const rendererDir = path.resolve('/opt/camscope/out/renderer');
const event = { senderFrame: { url: pathToFileURL(path.join(rendererDir, 'index.html')).href, parent: null }, sender: {} };
const invoke = (channel: string, ...args: unknown[]) => h.handlers.get(channel)!(event, ...args);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'camscope-handlers-'));
const modelFile = path.join(tmp, 'net.onnx');
const engine = { call: vi.fn() };
let allowList: InstanceType<typeof ModelAllowList>;

beforeAll(() => {
  fs.writeFileSync(modelFile, 'not really a model');
  fs.writeFileSync(path.join(tmp, 'photo.png'), '');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

beforeEach(() => {
  h.handlers.clear();
  h.showOpenDialog.mockReset();
  engine.call.mockReset();
  setTrustedRenderer({ rendererDir });
  allowList = new ModelAllowList();
  registerIpcHandlers({ engine: engine as never, allowList });
});

describe('IPC handlers', () => {
  it('app:version reports app, Electron and Node versions', async () => {
    await expect(invoke('app:version')).resolves.toMatchObject({
      ok: true,
      value: { version: '0.1.0', node: process.versions.node },
    });
  });

  it('model:inspect refuses a path the user never chose', async () => {
    await expect(invoke('model:inspect', { path: '/etc/passwd' })).resolves.toEqual({
      ok: false,
      error: { code: 'NOT_ALLOWED', message: expect.stringMatching(/only open models you picked/) },
    });
    expect(engine.call).not.toHaveBeenCalled();
  });

  it('dialog:openModel allow-lists the chosen file, then model:inspect runs the engine', async () => {
    h.showOpenDialog.mockResolvedValue({ canceled: false, filePaths: [modelFile] });
    await expect(invoke('dialog:openModel')).resolves.toEqual({ ok: true, value: { path: modelFile } });
    expect(h.showOpenDialog.mock.calls[0][0]).toMatchObject({
      properties: ['openFile'],
      filters: [{ name: 'ONNX models', extensions: ['onnx'] }],
    });
    engine.call.mockResolvedValue({ path: modelFile, numClasses: 10 });
    await expect(invoke('model:inspect', { path: modelFile })).resolves.toEqual({
      ok: true,
      value: { path: modelFile, numClasses: 10 },
    });
    expect(engine.call).toHaveBeenCalledWith('inspect', { path: modelFile });
  });

  it('dialog:openModel returns null when cancelled', async () => {
    h.showOpenDialog.mockResolvedValue({ canceled: true, filePaths: [] });
    await expect(invoke('dialog:openModel')).resolves.toEqual({ ok: true, value: null });
  });

  it('demo:inspect runs the engine and allow-lists the demo model path', async () => {
    engine.call.mockResolvedValue({ path: '/res/demo/fashion-cnn.onnx' });
    await expect(invoke('demo:inspect')).resolves.toMatchObject({ ok: true });
    expect(engine.call).toHaveBeenCalledWith('inspectDemo', {});
    expect(allowList.has('/res/demo/fashion-cnn.onnx')).toBe(true);
  });

  it('engine errors come back with their code and message', async () => {
    engine.call.mockRejectedValue(
      Object.assign(new Error('The demo model is missing.'), { name: 'CamscopeError', code: 'INVALID_ARGUMENT' }),
    );
    await expect(invoke('demo:inspect')).resolves.toEqual({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: 'The demo model is missing.' },
    });
  });

  it('model:registerDropped accepts existing .onnx files only', async () => {
    await expect(invoke('model:registerDropped', { path: path.join(tmp, 'photo.png') })).resolves.toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/not an ONNX model/) },
    });
    await expect(invoke('model:registerDropped', { path: path.join(tmp, 'gone.onnx') })).resolves.toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/could not find that file/) },
    });
    await expect(invoke('model:registerDropped', { path: tmp + '.onnx' })).resolves.toMatchObject({ ok: false });
    await expect(invoke('model:registerDropped', { path: modelFile })).resolves.toEqual({
      ok: true,
      value: { path: modelFile },
    });
    expect(allowList.has(modelFile)).toBe(true);
  });
});

describe('ModelAllowList', () => {
  it('normalises paths, and ignores case on Windows and macOS', () => {
    const linux = new ModelAllowList('linux');
    linux.add('/a/b/../model.onnx');
    expect(linux.has('/a/model.onnx')).toBe(true);
    expect(linux.has('/a/Model.onnx')).toBe(false);
    const mac = new ModelAllowList('darwin');
    mac.add('/a/Model.onnx');
    expect(mac.has('/a/model.ONNX')).toBe(true);
  });
});
