/**
 * Preload (sandboxed, CommonJS): exposes `window.camscope`, an implementation of the shared CamscopeApi over the
 * IPC contract. Nothing else is exposed — in particular never ipcRenderer or IPC event objects.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import {
  isChannelName,
  isEventName,
  PRELOAD_ONLY_CHANNELS,
  type CamscopeApi,
  type ChannelName,
  type EventName,
  type Events,
  type IpcResult,
  type RequestOf,
  type ResponseOf,
} from '../shared/api';

async function send<C extends ChannelName>(
  channel: C,
  ...payload: RequestOf<C> extends void ? [] : [RequestOf<C>]
): Promise<ResponseOf<C>> {
  const result = (await ipcRenderer.invoke(channel, ...payload)) as IpcResult<ResponseOf<C>>;
  if (result.ok) return result.value;
  // Only plain properties survive the context bridge; the message is written to be shown to the user.
  throw Object.assign(new Error(result.error.message), { code: result.error.code });
}

/** What page script may call: contract channels only (main validates every payload), not the preload's own. */
async function invoke<C extends ChannelName>(
  channel: C,
  ...payload: RequestOf<C> extends void ? [] : [RequestOf<C>]
): Promise<ResponseOf<C>> {
  if (!isChannelName(channel) || PRELOAD_ONLY_CHANNELS.includes(channel)) {
    throw new Error(`camscope has no request named "${String(channel)}".`);
  }
  return send(channel, ...payload);
}

function on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
  if (!isEventName(event)) throw new Error(`camscope has no event named "${String(event)}".`);
  // Never hand the IpcRendererEvent (which carries `sender`) to page code.
  const wrapped = (_event: unknown, payload: Events[E]): void => listener(payload);
  ipcRenderer.on(event, wrapped);
  return () => {
    ipcRenderer.removeListener(event, wrapped);
  };
}

const api: CamscopeApi = {
  invoke,
  on,
  registerDropped: async (file) => {
    // The path comes from the File object itself, so page script cannot name an arbitrary file.
    const path = webUtils.getPathForFile(file);
    if (!path) throw new Error('camscope could not tell where that is on disk. Try the File menu instead.');
    return send('drop:register', { path });
  },
};

contextBridge.exposeInMainWorld('camscope', api);
