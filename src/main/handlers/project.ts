/**
 * The project file: what is open, opening one (and the model and folder it names), Save Project As, the recent list,
 * and the project's result cache.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { DatasetListing, ModelState, ProjectInfo, ProjectOpened, RecentProject } from '../../shared/api';
import { AppError } from '../common/errors';
import { isProjectFileName } from './access';
import { openDataset } from './dataset';
import { notChosen, type HandlerDeps, type Handlers } from './deps';
import type { EngineClient } from './engine-client';
import { loadModel } from './model';
import { projectName } from './user-data';

/**
 * Where Save Project As writes, given the save dialog's answer. A name with a project extension is used as it is
 * (the dialog asked before replacing it). Otherwise `.camscope` is added, and since the dialog never saw that name,
 * a file already there is refused rather than replaced.
 */
export async function saveAsDestination(chosen: string): Promise<string> {
  const answer = path.resolve(chosen);
  if (isProjectFileName(answer)) return answer;
  const dest = `${answer}.camscope`;
  if (await fs.lstat(dest).then(() => true, () => false)) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `camscope did not save the project, because ${dest} already exists and the save dialog never asked whether to replace it; choose Save Project As… again and pick that file or a new name.`,
    );
  }
  return dest;
}

/** The open project as the renderer shows it; an untitled project (under `untitledDir`) has no path. */
export async function projectInfo(deps: HandlerDeps, client: EngineClient): Promise<ProjectInfo> {
  const stats = await client.call('projectStats', {});
  const p = client.mirror.projectPath;
  const untitled = !p || path.resolve(p).startsWith(path.resolve(deps.untitledDir) + path.sep);
  return {
    path: untitled ? null : p,
    name: untitled ? 'Untitled project' : projectName(p!),
    modelPath: client.mirror.model?.path ?? null,
    datasetRoot: client.mirror.datasetRoot,
    ...stats,
  };
}

function recentChanged(deps: HandlerDeps, list: RecentProject[]): void {
  deps.onRecentChanged?.(list);
}

/**
 * Opens the project and then the model and folder it names, when they are still there (each allow-listed, since the
 * user chose them when the project was made). What could not be reopened becomes a warning, not a failure. A project
 * that names no model or folder takes on the ones open now.
 */
export async function openProject(deps: HandlerDeps, client: EngineClient, file: string): Promise<ProjectOpened> {
  const abs = path.resolve(file);
  const stat = await fs.stat(abs).catch(() => null);
  if (!stat?.isFile()) {
    recentChanged(deps, deps.store.removeRecent(abs));
    throw new AppError('INVALID_ARGUMENT', `The project file ${abs} is no longer there. It may have been moved or deleted.`);
  }
  const { context } = await client.call('openProject', { path: abs });
  client.mirror.projectPath = abs;
  deps.allowList.add(abs);
  const warnings: string[] = [];
  let model: ModelState | null = null;
  let dataset: DatasetListing | null = null;
  if (context.modelPath) {
    const modelStat = await fs.stat(context.modelPath).catch(() => null);
    if (modelStat?.isFile()) {
      deps.allowList.add(context.modelPath);
      try {
        model = await loadModel(deps, client, {
          path: context.modelPath,
          provider: context.provider ?? undefined,
          precision: context.precision ?? undefined,
          layer: context.layer ?? undefined,
          intensity: context.intensity ?? null,
        });
      } catch (e) {
        warnings.push(`The project's model could not be opened: ${(e as Error).message}`);
      }
    } else {
      warnings.push(`The project's model ${context.modelPath} was not found. Open it again with "Open model…".`);
    }
  } else if (client.mirror.model) {
    const { path: modelPath, provider, precision, layer, intensity } = client.mirror.model;
    await client.recordContext({ modelPath, provider, precision, layer, ...(intensity ? { intensity } : {}) });
  }
  if (context.datasetRoot) {
    const rootStat = await fs.stat(context.datasetRoot).catch(() => null);
    if (rootStat?.isDirectory()) {
      deps.allowList.addFolder(context.datasetRoot);
      try {
        dataset = await openDataset(client, context.datasetRoot);
      } catch (e) {
        warnings.push(`The project's image folder could not be read: ${(e as Error).message}`);
      }
    } else {
      warnings.push(`The project's image folder ${context.datasetRoot} was not found. Open it again with "Open image folder…".`);
    }
  } else if (client.mirror.datasetRoot) {
    await client.recordContext({ datasetRoot: client.mirror.datasetRoot });
  }
  recentChanged(deps, deps.store.touchRecent(abs));
  return { project: await projectInfo(deps, client), model, dataset, warnings };
}

export function projectHandlers(
  deps: HandlerDeps,
  client: EngineClient,
): Pick<Handlers, 'project:current' | 'project:open' | 'project:saveAs' | 'project:recent' | 'cache:usage' | 'cache:clear'> {
  return {
    'project:current': () => projectInfo(deps, client),
    'project:open': ({ path: p }) => {
      if (!deps.allowList.has(p) && !deps.store.isRecent(p)) throw notChosen('project');
      return openProject(deps, client, p);
    },
    'project:saveAs': async () => {
      const current = await projectInfo(deps, client);
      const chosen = await deps.dialogs.saveProject(current.path ? current.name : 'My camscope project');
      if (!chosen) return null;
      const dest = await saveAsDestination(chosen);
      await client.call('saveProjectAs', { dest });
      client.mirror.projectPath = dest;
      deps.allowList.add(dest);
      recentChanged(deps, deps.store.touchRecent(dest));
      const info = await projectInfo(deps, client);
      deps.emit('project:changed', info);
      return info;
    },
    'project:recent': () => deps.store.recentProjects(),
    'cache:usage': () => client.call('cacheUsage', {}),
    'cache:clear': () => client.call('clearCache', {}),
  };
}
