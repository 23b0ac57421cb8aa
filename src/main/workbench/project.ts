/**
 * The open project file: opening (or creating) it, what it was last used with (its context), its counts, and saving
 * it elsewhere.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ExecutionProviderName, Precision } from '../../shared/api';
import { ProjectDb } from '../engine/evaluate/project-db';
import { PRECISIONS } from '../engine/types';
import type { ProjectContext, ProjectStats } from './ops';
import { workbenchError, type WorkbenchState } from './state';

/** A precision read back from a project file (anything else is ignored: the settings' choice applies). */
export function knownPrecision(value: string | null): Precision | null {
  return PRECISIONS.includes(value as Precision) ? (value as Precision) : null;
}

export class ProjectService {
  constructor(private readonly state: WorkbenchState) {}

  openProject(path: string): { context: ProjectContext; stats: ProjectStats } {
    const db = new ProjectDb(path); // creates the file when new; refuses files that are not camscope projects
    db.close();
    // The `project` event re-reads the project's class names for the open model.
    this.state.setProject(path);
    return { context: this.context(), stats: this.stats() };
  }

  context(): ProjectContext {
    return this.state.withDb((db) => ({
      modelPath: db.getMeta('model.path'),
      provider: (db.getMeta('model.provider') as ExecutionProviderName | null) ?? null,
      precision: knownPrecision(db.getMeta('model.precision')),
      layer: db.getMeta('model.layer'),
      intensity: db.getMeta('model.intensity'),
      datasetRoot: db.getMeta('dataset.root'),
    }));
  }

  setContext(patch: Partial<ProjectContext>): ProjectStats {
    this.state.withDb((db) => {
      // Another model starts from its own intensity mapping: the one chosen for the model before is forgotten.
      if (patch.modelPath !== undefined && patch.intensity === undefined && patch.modelPath !== db.getMeta('model.path')) db.setMeta('model.intensity', null);
      if (patch.modelPath !== undefined) db.setMeta('model.path', patch.modelPath);
      if (patch.provider !== undefined) db.setMeta('model.provider', patch.provider);
      if (patch.precision !== undefined) db.setMeta('model.precision', patch.precision);
      if (patch.layer !== undefined) db.setMeta('model.layer', patch.layer);
      if (patch.intensity !== undefined) db.setMeta('model.intensity', patch.intensity);
      if (patch.datasetRoot !== undefined) db.setMeta('dataset.root', patch.datasetRoot);
    });
    return this.stats();
  }

  stats(): ProjectStats {
    return this.state.withDb((db) => ({ annotationCount: db.annotationCount(), evaluationCount: db.evaluations().length }));
  }

  async saveProjectAs(dest: string): Promise<{ context: ProjectContext; stats: ProjectStats }> {
    const current = this.state.requireProject();
    if (this.state.evaluating) {
      throw workbenchError('BUSY', 'An evaluation is running; save the project when it has finished (or cancel it).');
    }
    if (resolve(dest) !== resolve(current)) {
      await mkdir(resolve(dest, '..'), { recursive: true });
      await copyFile(current, dest);
    }
    return this.openProject(dest);
  }
}
