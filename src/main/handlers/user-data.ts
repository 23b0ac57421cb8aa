/**
 * Small JSON files in the user-data folder: app settings (theme, execution provider, precision) and the recent projects list.
 * Pure Node (no 'electron' import): the Electron app passes app.getPath('userData'), the web bridge a temp folder.
 * Anything unreadable falls back to defaults; writes are atomic (temp file + rename) and never throw.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EXECUTION_PROVIDERS, PRECISIONS, THEMES, type AppSettings, type RecentProject } from '../../shared/api';
import { array, check, object, oneOf, optional, string } from '../../shared/validate';

export const DEFAULT_SETTINGS: AppSettings = { theme: 'system', provider: 'cpu', precision: 'fp32' };
export const MAX_RECENT_PROJECTS = 10;

const settingsValidator = object({
  theme: optional(oneOf(THEMES)),
  provider: optional(oneOf(EXECUTION_PROVIDERS)),
  precision: optional(oneOf(PRECISIONS)),
});
const recentValidator = array(object({ path: string({ minLength: 1 }), name: string(), opened: string() }), { maxLength: 100 });

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function writeJson(file: string, value: unknown): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
    fs.renameSync(tmp, file);
  } catch (e) {
    console.warn(`[user-data] could not write ${file}`, e);
  }
}

/** A project's display name: its file name without the extension. */
export function projectName(file: string): string {
  return path.basename(file).replace(/\.(camscope|sqlite3?|db)$/i, '');
}

export class UserDataStore {
  readonly dir: string;
  private readonly platform: NodeJS.Platform;

  constructor(dir: string, platform: NodeJS.Platform = process.platform) {
    this.dir = dir;
    this.platform = platform;
  }

  private get settingsFile(): string {
    return path.join(this.dir, 'settings.json');
  }

  private get recentFile(): string {
    return path.join(this.dir, 'recent-projects.json');
  }

  settings(): AppSettings {
    const checked = check(settingsValidator, readJson(this.settingsFile));
    return { ...DEFAULT_SETTINGS, ...(checked.ok ? checked.value : {}) };
  }

  updateSettings(patch: Partial<AppSettings>): AppSettings {
    const next = { ...this.settings(), ...patch };
    writeJson(this.settingsFile, next);
    return next;
  }

  private same(a: string, b: string): boolean {
    const norm = (p: string): string => {
      const r = path.resolve(p);
      return this.platform === 'win32' || this.platform === 'darwin' ? r.toLowerCase() : r;
    };
    return norm(a) === norm(b);
  }

  /** Most recent first; `exists` says whether the file is still there. */
  recentProjects(): RecentProject[] {
    const checked = check(recentValidator, readJson(this.recentFile));
    const list = checked.ok ? checked.value : [];
    return list.slice(0, MAX_RECENT_PROJECTS).map((r) => ({ ...r, exists: fs.existsSync(r.path) }));
  }

  isRecent(file: string): boolean {
    return this.recentProjects().some((r) => this.same(r.path, file));
  }

  /** Moves (or adds) a project to the top of the list. */
  touchRecent(file: string, now = new Date()): RecentProject[] {
    const abs = path.resolve(file);
    const rest = this.recentProjects().filter((r) => !this.same(r.path, abs));
    const list = [{ path: abs, name: projectName(abs), opened: now.toISOString() }, ...rest.map(({ exists: _e, ...r }) => r)].slice(
      0,
      MAX_RECENT_PROJECTS,
    );
    writeJson(this.recentFile, list);
    return this.recentProjects();
  }

  removeRecent(file: string): RecentProject[] {
    const list = this.recentProjects().filter((r) => !this.same(r.path, file)).map(({ exists: _e, ...r }) => r);
    writeJson(this.recentFile, list);
    return this.recentProjects();
  }

  clearRecent(): void {
    writeJson(this.recentFile, []);
  }
}
