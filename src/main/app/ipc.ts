/**
 * The only module that touches `ipcMain`. {@link handle} registers a channel from the shared contract so that every
 * request is (1) from camscope's own page and carries at most one payload; then handlers/dispatch.ts checks it is
 * (2) shaped as the contract says and (3) answers with an envelope the preload can unwrap: `{ ok: true, value }` or
 * `{ ok: false, error: { code, message } }`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import {
  channels,
  type ChannelName,
  type EventName,
  type Events,
  type IpcError,
  type IpcResult,
  type RequestOf,
  type ResponseOf,
} from '../../shared/api';
import type { Handlers } from '../handlers/deps';
import { answer } from '../handlers/dispatch';

export interface TrustedRenderer {
  /** Folder of the built renderer (out/renderer): file:// pages inside it are trusted. */
  rendererDir?: string;
  /** Dev server URL (ELECTRON_RENDERER_URL): pages with the same origin are trusted. */
  devServerUrl?: string;
}

// Fails closed: until configured, no sender is trusted.
let trusted: TrustedRenderer = {};

/** Tells the IPC layer where camscope's own page lives. Call before the window loads. */
export function setTrustedRenderer(renderer: TrustedRenderer): void {
  trusted = {
    rendererDir: renderer.rendererDir ? path.resolve(renderer.rendererDir) : undefined,
    devServerUrl: renderer.devServerUrl || undefined,
  };
}

/** Is `url` a page of camscope's own renderer? */
export function isTrustedRendererUrl(url: string, renderer: TrustedRenderer = trusted): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === 'file:') {
    if (!renderer.rendererDir) return false;
    let file: string;
    try {
      file = fileURLToPath(parsed);
    } catch {
      return false; // e.g. file://remote-host/share on POSIX
    }
    const rel = path.relative(renderer.rendererDir, file);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  }
  if (renderer.devServerUrl && (parsed.protocol === 'http:' || parsed.protocol === 'https:')) {
    try {
      return parsed.origin === new URL(renderer.devServerUrl).origin;
    } catch {
      return false;
    }
  }
  return false;
}

function isTrustedSender(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  // No frame: it navigated away or was destroyed before the message was handled. Sub-frames never get the API.
  if (!frame || frame.parent) return false;
  return isTrustedRendererUrl(frame.url);
}

export type Handler<C extends ChannelName> = (
  payload: RequestOf<C>,
  event: IpcMainInvokeEvent,
) => ResponseOf<C> | Promise<ResponseOf<C>>;

function fail(error: IpcError): IpcResult<never> {
  return { ok: false, error };
}

/** Registers `fn` for `channel`; returns a function that unregisters it. */
export function handle<C extends ChannelName>(channel: C, fn: Handler<C>): () => void {
  ipcMain.handle(channel, async (event, ...args: unknown[]): Promise<IpcResult<ResponseOf<C>>> => {
    if (!isTrustedSender(event)) {
      console.warn(`[ipc] refused ${channel} from untrusted sender ${event.senderFrame?.url ?? '(no frame)'}`);
      return fail({
        code: 'UNTRUSTED_SENDER',
        message: 'This request did not come from the camscope window, so it was refused.',
      });
    }
    if (args.length > 1) {
      return fail({
        code: 'INVALID_REQUEST',
        message: `camscope could not understand the request "${channel}": it must carry at most one payload.`,
      });
    }
    return answer(channel, (payload) => fn(payload, event), args[0]);
  });
  return () => ipcMain.removeHandler(channel);
}

/** Registers every channel of the contract; returns a function that unregisters them all. */
export function registerHandlers(handlers: Handlers): () => void {
  const offs = (Object.keys(channels) as ChannelName[]).map((name) =>
    handle(name, handlers[name] as unknown as Handler<typeof name>),
  );
  return () => offs.forEach((off) => off());
}

/** Sends a contract event to a renderer (main → renderer). */
export function send<E extends EventName>(contents: WebContents, event: E, payload: Events[E]): void {
  if (!contents.isDestroyed()) contents.send(event, payload);
}
