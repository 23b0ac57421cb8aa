/**
 * The IPC handlers: one `handle(...)` per channel of the shared contract.
 */
import fs from 'node:fs/promises';
import { app, BrowserWindow, dialog, type OpenDialogOptions } from 'electron';
import type { EngineHost } from './engine-host';
import { AppError } from './errors';
import { handle } from './ipc';
import { isOnnxFileName, type ModelAllowList } from './model-access';

export interface HandlerDeps {
  engine: Pick<EngineHost, 'call'>;
  allowList: ModelAllowList;
}

const notChosen = (): AppError =>
  new AppError(
    'NOT_ALLOWED',
    'camscope can only open models you picked with "Open model…" or dropped onto the window. Please choose the file again.',
  );

export function registerIpcHandlers({ engine, allowList }: HandlerDeps): void {
  handle('app:version', () => ({
    version: app.getVersion(),
    electron: process.versions.electron ?? 'unknown',
    node: process.versions.node,
  }));

  handle('model:inspect', async ({ path }) => {
    if (!allowList.has(path)) throw notChosen();
    return engine.call('inspect', { path });
  });

  handle('demo:inspect', async () => {
    const inspection = await engine.call('inspectDemo', {});
    // The demo model may be re-opened by path later (e.g. to explain an image with it).
    allowList.add(inspection.path);
    return inspection;
  });

  handle('dialog:openModel', async (_payload, event) => {
    const owner = BrowserWindow.fromWebContents(event.sender);
    const options: OpenDialogOptions = {
      title: 'Open an ONNX model',
      buttonLabel: 'Open model',
      properties: ['openFile'],
      filters: [{ name: 'ONNX models', extensions: ['onnx'] }],
    };
    const result = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options);
    const chosen = result.filePaths[0];
    if (result.canceled || !chosen) return null;
    return { path: allowList.add(chosen) };
  });

  handle('model:registerDropped', async ({ path }) => {
    if (!isOnnxFileName(path)) {
      throw new AppError('INVALID_ARGUMENT', 'That file is not an ONNX model. Drop a file whose name ends in .onnx.');
    }
    const stat = await fs.stat(path).catch(() => null);
    if (!stat?.isFile()) {
      throw new AppError('INVALID_ARGUMENT', 'camscope could not find that file on disk. Try opening it with "Open model…".');
    }
    return { path: allowList.add(path) };
  });
}
