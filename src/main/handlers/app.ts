/** The app itself: versions, settings, the open dialogs, what was dropped onto the window, and cancelling a job. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../common/errors';
import { isOnnxFileName, isProjectFileName } from './access';
import type { HandlerDeps, Handlers } from './deps';
import type { EngineClient } from './engine-client';

export function appHandlers(
  deps: HandlerDeps,
  client: EngineClient,
): Pick<Handlers, 'app:version' | 'settings:get' | 'settings:set' | 'dialog:openModel' | 'dialog:openFolder' | 'dialog:openProject' | 'drop:register' | 'job:cancel'> {
  /** A drop confirmation is on screen: a second one is refused, so a page cannot stack up dialogs. */
  let confirmingDrop = false;
  return {
    'app:version': () => ({ version: deps.app.version, electron: deps.app.electron, node: process.versions.node, shell: deps.app.shell }),
    'settings:get': () => deps.store.settings(),
    'settings:set': (patch) => {
      const next = deps.store.updateSettings(patch);
      deps.onSettingsChanged?.(next);
      return next;
    },
    'dialog:openModel': async () => {
      const chosen = await deps.dialogs.openModel();
      return chosen ? { path: deps.allowList.add(chosen) } : null;
    },
    'dialog:openFolder': async () => {
      const chosen = await deps.dialogs.openFolder();
      return chosen ? { path: deps.allowList.addFolder(chosen) } : null;
    },
    'dialog:openProject': async () => {
      const chosen = await deps.dialogs.openProject();
      return chosen ? { path: deps.allowList.add(chosen) } : null;
    },
    /**
     * Main cannot see drops: the path arrives from the renderer, which a compromised page could fake (allow-listing
     * `/`). So a path that is not already allowed is allow-listed only after the user confirms it in a native
     * dialog of main's own, which page script cannot answer. Cancelled: null, nothing allowed.
     */
    'drop:register': async ({ path: dropped }) => {
      const p = path.resolve(dropped);
      const stat = await fs.stat(p).catch(() => null);
      if (!stat) {
        throw new AppError('INVALID_ARGUMENT', 'camscope could not find that on disk. Try opening it from the File menu instead.');
      }
      const kind = stat.isDirectory()
        ? ('folder' as const)
        : stat.isFile() && isOnnxFileName(p)
          ? ('model' as const)
          : stat.isFile() && isProjectFileName(p)
            ? ('project' as const)
            : null;
      if (!kind) {
        throw new AppError(
          'INVALID_ARGUMENT',
          'camscope opens ONNX models (.onnx), folders of images and camscope projects (.camscope). Drop one of those.',
        );
      }
      const allowed = kind === 'folder' ? deps.allowList.hasFolder(p) : deps.allowList.has(p);
      if (!allowed) {
        if (confirmingDrop) throw new AppError('BUSY', 'camscope is already asking about something you dropped; answer that question first.');
        confirmingDrop = true;
        try {
          if (!(await deps.dialogs.confirmDropped(p, kind))) return null;
        } finally {
          confirmingDrop = false;
        }
      }
      return { path: kind === 'folder' ? deps.allowList.addFolder(p) : deps.allowList.add(p), kind };
    },
    'job:cancel': ({ jobId }) => ({ cancelled: client.cancel(jobId) }),
  };
}
