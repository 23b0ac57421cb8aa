/**
 * Preload (sandboxed, CommonJS): exposes `window.camscope`, an implementation of the shared CamscopeApi over the
 * IPC contract. Nothing else is exposed — in particular never ipcRenderer or IPC event objects.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { CamscopeApi, ChannelName, EventName, IpcResult, RequestOf, ResponseOf } from '../shared/api';

async function invoke<C extends ChannelName>(
  channel: C,
  ...payload: RequestOf<C> extends void ? [] : [RequestOf<C>]
): Promise<ResponseOf<C>> {
  const result = (await ipcRenderer.invoke(channel, ...payload)) as IpcResult<ResponseOf<C>>;
  if (result.ok) return result.value;
  // Only the message survives the context bridge; it is written to be shown to the user.
  throw new Error(result.error.message);
}

function subscribe(event: EventName, listener: () => void): () => void {
  // Never hand the IpcRendererEvent (which carries `sender`) to page code.
  const wrapped = (): void => listener();
  ipcRenderer.on(event, wrapped);
  return () => {
    ipcRenderer.removeListener(event, wrapped);
  };
}

const api: CamscopeApi = {
  version: () => invoke('app:version'),
  inspectModel: (path) => invoke('model:inspect', { path }),
  inspectDemo: () => invoke('demo:inspect'),
  openModelDialog: () => invoke('dialog:openModel'),
  registerDroppedModel: async (file) => {
    // The path comes from the File object itself, so page script cannot name an arbitrary file.
    const path = webUtils.getPathForFile(file);
    if (!path) throw new Error('camscope could not tell where that file is on disk. Try "Open model…" instead.');
    return invoke('model:registerDropped', { path });
  },
  onOpenModelRequest: (listener) => subscribe('menu:openModel', listener),
};

contextBridge.exposeInMainWorld('camscope', api);
