/**
 * What the channel handlers need from the shell that runs them (the Electron app or the web test bridge), and the
 * handler types. Everything platform-specific comes in through {@link HandlerDeps}: native dialogs, the event sink,
 * the user-data folder, the file shell.
 */
import type { AppSettings, ChannelName, EventName, Events, RecentProject, RequestOf, ResponseOf } from '../../shared/api';
import type { EngineHost } from '../engine-host/host';
import type { EngineOps } from '../workbench/ops';
import { AppError } from '../common/errors';
import type { PathAllowList } from './access';
import type { UserDataStore } from './user-data';

/** Native dialogs (Electron) or their stand-in (the web bridge's test hook). Each resolves to null when cancelled. */
export interface Dialogs {
  openModel(): Promise<string | null>;
  openFolder(): Promise<string | null>;
  openProject(): Promise<string | null>;
  /** Where to save the project file (a .camscope path). */
  saveProject(defaultName: string): Promise<string | null>;
  /** A new folder for an export (it is created). */
  exportFolder(kind: 'figure' | 'report', defaultName: string): Promise<string | null>;
  /** Where to write the annotations' COCO JSON. */
  saveCoco(defaultName: string): Promise<string | null>;
  /** Expert regions to import: a COCO .json file, or a folder of Pascal VOC, YOLO or mask files. */
  openRegions(from: 'file' | 'folder'): Promise<string | null>;
  /**
   * Asks the user, in a dialog of the main process, whether to open what was dropped onto the window (true = open).
   * The renderer can claim that something was dropped; only this answer shows that a person really did it.
   */
  confirmDropped(path: string, kind: 'model' | 'folder' | 'project'): Promise<boolean>;
}

export type Emit = <E extends EventName>(event: E, payload: Events[E]) => void;

/** The desktop's file shell (Electron's `shell`), or the web bridge's recording stand-in. */
export interface FileShell {
  /** Opens a file or folder with its default app; resolves to an error text ('' when it worked), as Electron's does. */
  openPath(path: string): Promise<string>;
  showItemInFolder(path: string): void;
}

export type EngineLike = Pick<EngineHost<EngineOps>, 'call' | 'start' | 'warmUp'>;

export interface HandlerDeps {
  engine: EngineLike;
  allowList: PathAllowList;
  dialogs: Dialogs;
  emit: Emit;
  store: UserDataStore;
  app: { version: string; electron: string; shell: 'desktop' | 'web-bridge' };
  /** Where untitled projects live until they are saved. */
  untitledDir: string;
  onSettingsChanged?: (settings: AppSettings) => void;
  onRecentChanged?: (recent: RecentProject[]) => void;
  /** Opens exported files and shows them in their folder; without it those requests are refused. */
  shell?: FileShell;
}

export type Handler<C extends ChannelName> = (payload: RequestOf<C>) => Promise<ResponseOf<C>> | ResponseOf<C>;
export type Handlers = { [C in ChannelName]: Handler<C> };

/** The refusal for a path the user never chose (in a dialog, by dropping it, or from the recent list). */
export const notChosen = (what: 'model' | 'folder' | 'project'): AppError =>
  new AppError(
    'NOT_ALLOWED',
    {
      model: 'camscope can only open models you picked with "Open model…" or dropped onto the window. Please choose the file again.',
      folder: 'camscope can only read image folders you picked with "Open image folder…" or dropped onto the window. Please choose the folder again.',
      project: 'camscope can only open projects you picked with "Open project…", dropped onto the window, or from the recent list. Please choose the file again.',
    }[what],
  );
