/** Electron's native dialogs: the ones the handlers ask for ({@link Dialogs}), and About. */
import path from 'node:path';
import { app, dialog, type BrowserWindow, type MessageBoxOptions, type OpenDialogOptions, type SaveDialogOptions } from 'electron';
import { PROJECT_EXTENSIONS } from '../handlers/access';
import type { Dialogs } from '../handlers/deps';

/**
 * Native dialogs, attached to the window when there is one. Export folders are named in a save dialog and created
 * by the export itself.
 */
export function electronDialogs(getWindow: () => BrowserWindow | null): Dialogs {
  const documents = (): string => {
    try {
      return app.getPath('documents');
    } catch {
      return app.getPath('home');
    }
  };
  const open = async (options: OpenDialogOptions): Promise<string | null> => {
    const win = getWindow();
    const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    return result.canceled ? null : (result.filePaths[0] ?? null);
  };
  const save = async (options: SaveDialogOptions): Promise<string | null> => {
    const win = getWindow();
    const result = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
    return result.canceled || !result.filePath ? null : result.filePath;
  };
  const projectExtensions = PROJECT_EXTENSIONS.map((e) => e.slice(1));
  return {
    openModel: () =>
      open({
        title: 'Open an ONNX model',
        buttonLabel: 'Open model',
        properties: ['openFile'],
        filters: [{ name: 'ONNX models', extensions: ['onnx'] }],
      }),
    openFolder: () =>
      open({ title: 'Open a folder of images', buttonLabel: 'Open folder', properties: ['openDirectory'] }),
    openProject: () =>
      open({
        title: 'Open a camscope project',
        buttonLabel: 'Open project',
        properties: ['openFile'],
        filters: [{ name: 'camscope projects', extensions: projectExtensions }],
      }),
    saveProject: (name) =>
      save({
        title: 'Save the project as',
        buttonLabel: 'Save project',
        defaultPath: path.join(documents(), `${name}.camscope`),
        filters: [{ name: 'camscope projects', extensions: ['camscope'] }],
        properties: ['showOverwriteConfirmation', 'createDirectory'],
      }),
    exportFolder: (kind, name) =>
      save({
        title: kind === 'figure' ? 'Export the figure into a new folder' : 'Export the report into a new folder',
        buttonLabel: 'Export',
        defaultPath: path.join(documents(), name),
        properties: ['showOverwriteConfirmation', 'createDirectory'],
      }),
    saveCoco: (name) =>
      save({
        title: 'Export annotations (COCO JSON)',
        buttonLabel: 'Export',
        defaultPath: path.join(documents(), name),
        filters: [{ name: 'COCO JSON', extensions: ['json'] }],
        properties: ['showOverwriteConfirmation', 'createDirectory'],
      }),
    openRegions: (from) =>
      from === 'file'
        ? open({
            title: 'Import expert regions (COCO, QuPath, Label Studio, MegaDetector, CVAT, ASAP)',
            buttonLabel: 'Import',
            properties: ['openFile'],
            // The format is read from the content; the filter only narrows the list.
            filters: [
              { name: 'Regions (JSON, GeoJSON, XML)', extensions: ['json', 'geojson', 'xml'] },
              { name: 'All files', extensions: ['*'] },
            ],
          })
        : open({ title: 'Import expert regions (a folder of Pascal VOC, CVAT or ASAP XML, QuPath GeoJSON, YOLO or mask files)', buttonLabel: 'Import', properties: ['openDirectory'] }),
    // Main never sees a drop (the renderer reports it), so the user confirms here, where page script cannot click.
    confirmDropped: async (p, kind) => {
      const what = { model: 'the model', folder: 'the image folder', project: 'the project' }[kind];
      const options: MessageBoxOptions = {
        type: 'question',
        title: 'Open what you dropped?',
        message: `Open ${what} “${path.basename(p) || p}”?`,
        detail: `${p}\n\ncamscope asks before it reads anything dropped onto its window.`,
        buttons: ['Open', 'Cancel'],
        defaultId: 0,
        cancelId: 1,
        noLink: true,
      };
      const win = getWindow();
      const { response } = win ? await dialog.showMessageBox(win, options) : await dialog.showMessageBox(options);
      return response === 0;
    },
  };
}

/** The About box, over the window when there is one. */
export async function showAbout(parent: BrowserWindow | null): Promise<void> {
  const options = {
    type: 'info' as const,
    title: 'About camscope',
    message: 'camscope',
    detail:
      `Version ${app.getVersion()}\n` +
      'Explain what your image classifier looks at.\n\n' +
      `Electron ${process.versions.electron} · Chromium ${process.versions.chrome} · Node ${process.versions.node}`,
    buttons: ['OK'],
  };
  await (parent ? dialog.showMessageBox(parent, options) : dialog.showMessageBox(options));
}
