/**
 * The one IPC contract between the renderer and the main process.
 *
 * Every channel the preload may invoke is listed in {@link channels} with a runtime validator for its request payload
 * (checked in the main process before any handler runs) and, at the type level, its response type. Main → renderer
 * notifications are listed in {@link events}. {@link CamscopeApi} is what the renderer sees as `window.camscope`;
 * the preload implements it over IPC, and a web test bridge can implement it directly.
 */
import type { CamscopeErrorCode } from '../main/engine/errors';
import type { ModelInspection } from '../main/engine/types';
import { none, object, string, type Validator } from './validate';

export type { ModelInspection, CandidateLayer, ModelProfile } from '../main/engine/types';

/** A channel's request validator, with its response type carried as a phantom. */
export interface ChannelSpec<Req, Res> {
  readonly request: Validator<Req>;
  /** Type-level only; never set at runtime. */
  readonly __response?: Res;
}

function channel<Req, Res>(request: Validator<Req>): ChannelSpec<Req, Res> {
  return { request };
}

/** Longest path accepted over IPC (Windows long paths top out at 32,767 UTF-16 units). */
export const MAX_PATH_LENGTH = 32_767;
const filePath = string({ minLength: 1, maxLength: MAX_PATH_LENGTH });

export interface AppVersionInfo {
  version: string;
  electron: string;
  node: string;
}

export const channels = {
  'app:version': channel<void, AppVersionInfo>(none()),
  /** Inspect a model the user chose (dialog or drag-and-drop); other paths are refused. */
  'model:inspect': channel<{ path: string }, ModelInspection>(object({ path: filePath })),
  /** Inspect the demo model shipped with camscope. */
  'demo:inspect': channel<void, ModelInspection>(none()),
  /** Native "Open model" dialog filtered to .onnx; the chosen path joins the allow-list. null when cancelled. */
  'dialog:openModel': channel<void, { path: string } | null>(none()),
  /**
   * A file the user dropped onto the window. The preload derives the path from the dropped File itself
   * (webUtils.getPathForFile), so page script cannot register arbitrary paths; main checks the extension.
   */
  'model:registerDropped': channel<{ path: string }, { path: string }>(object({ path: filePath })),
} as const;

export type Channels = typeof channels;
export type ChannelName = keyof Channels;
export type RequestOf<C extends ChannelName> = Channels[C] extends ChannelSpec<infer Req, unknown> ? Req : never;
export type ResponseOf<C extends ChannelName> = Channels[C] extends ChannelSpec<unknown, infer Res> ? Res : never;
export const CHANNEL_NAMES = Object.keys(channels) as ChannelName[];

export function isChannelName(name: unknown): name is ChannelName {
  return typeof name === 'string' && Object.hasOwn(channels, name);
}

/** Main → renderer notifications (payload types). */
export interface Events {
  /** The user picked File → Open Model… in the native menu; the renderer runs its normal open flow. */
  'menu:openModel': void;
}
export type EventName = keyof Events;
export const EVENT_NAMES: readonly EventName[] = ['menu:openModel'];

/** Error codes raised by the shell itself, next to the engine's own {@link CamscopeErrorCode}s. */
export type ShellErrorCode =
  /** The IPC message did not come from camscope's own page. */
  | 'UNTRUSTED_SENDER'
  /** The payload failed validation. */
  | 'INVALID_REQUEST'
  /** A model path the user never chose. */
  | 'NOT_ALLOWED'
  /** The engine worker died while working. */
  | 'ENGINE_CRASHED'
  /** The engine failed without a more specific code. */
  | 'ENGINE_FAILED'
  | 'INTERNAL';
export type IpcErrorCode = ShellErrorCode | CamscopeErrorCode;

export interface IpcError {
  code: IpcErrorCode;
  /** Plain-language text that can be shown to the user as is. */
  message: string;
}

/** What every `ipcMain.handle` returns; the preload unwraps it. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

/** `window.camscope`: what the renderer may ask of the rest of the app. */
export interface CamscopeApi {
  version(): Promise<AppVersionInfo>;
  inspectModel(path: string): Promise<ModelInspection>;
  inspectDemo(): Promise<ModelInspection>;
  /** Resolves to null when the user cancels the dialog. */
  openModelDialog(): Promise<{ path: string } | null>;
  /** Allow-lists a dropped file and returns its path (rejects when the file has no path on disk or is no .onnx). */
  registerDroppedModel(file: File): Promise<{ path: string }>;
  /** Subscribes to File → Open Model… in the native menu; returns an unsubscribe function. */
  onOpenModelRequest(listener: () => void): () => void;
}
