/** Figures and reports exported into a new folder, and opening what was exported (only that) in other apps. */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ExportResult } from '../../shared/api';
import { AppError } from '../common/errors';
import type { FileShell, HandlerDeps, Handlers } from './deps';
import type { EngineClient } from './engine-client';

/**
 * Files and folders this app wrote in its exports (absolute paths): the only ones "Open" and "Show in folder" act
 * on, so a page cannot make main open an arbitrary path.
 */
export class WrittenFiles {
  private readonly written = new Set<string>();

  constructor(private readonly shell: FileShell | undefined) {}

  /** Notes an export's folder and every file in it; passes the result through. */
  noteWritten(result: ExportResult | null): ExportResult | null {
    if (result) {
      this.written.add(path.resolve(result.dir));
      for (const f of result.files) this.written.add(path.resolve(result.dir, f));
    }
    return result;
  }

  /** Notes one file written outside an export folder (the annotations' COCO JSON). */
  noteFile(file: string): void {
    this.written.add(path.resolve(file));
  }

  /** A path this app wrote, or a refusal naming it; refused too when there is no file shell to open it with. */
  exported(p: string): string {
    const abs = path.resolve(p);
    if (!this.written.has(abs)) {
      throw new AppError('NOT_ALLOWED', `camscope opens only files it has just exported, and ${path.basename(abs)} is not one of them.`);
    }
    if (!this.shell) throw new AppError('NOT_READY', 'This version of camscope cannot open files in other apps.');
    return abs;
  }
}

/** Asks for a new export folder; refuses an existing file of that name. */
export async function exportDir(deps: HandlerDeps, kind: 'figure' | 'report'): Promise<string | null> {
  const chosen = await deps.dialogs.exportFolder(kind, kind === 'figure' ? 'camscope-figure' : 'camscope-report');
  if (!chosen) return null;
  const dir = path.resolve(chosen);
  const stat = await fs.stat(dir).catch(() => null);
  if (stat && !stat.isDirectory()) {
    throw new AppError('INVALID_ARGUMENT', `${dir} is a file. Choose a new folder name for the export.`);
  }
  return dir;
}

export function exportHandlers(
  deps: HandlerDeps,
  client: EngineClient,
  written: WrittenFiles,
): Pick<Handlers, 'export:figure' | 'export:report' | 'export:open' | 'export:showInFolder'> {
  return {
    'export:figure': async ({ jobId, ...args }) => {
      const dir = await exportDir(deps, 'figure');
      if (!dir) return null;
      return written.noteWritten(await client.job(jobId, 'exportFigure', { dir, ...args }, (v) => client.progressOrElse(jobId, v, () => {})));
    },
    'export:report': async ({ jobId, ...args }) => {
      const dir = await exportDir(deps, 'report');
      if (!dir) return null;
      return written.noteWritten(await client.job(jobId, 'exportReport', { dir, ...args }, (v) => client.progressOrElse(jobId, v, () => {})));
    },
    'export:open': async ({ path: p }) => {
      const abs = written.exported(p);
      const problem = await deps.shell!.openPath(abs);
      if (problem) throw new AppError('INTERNAL', `${path.basename(abs)} could not be opened: ${problem.replace(/\.$/, '')}.`);
      return { opened: true as const };
    },
    'export:showInFolder': ({ path: p }) => {
      deps.shell!.showItemInFolder(written.exported(p));
      return { shown: true as const };
    },
  };
}
