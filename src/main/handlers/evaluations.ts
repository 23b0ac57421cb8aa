/** Evaluations (run, list, one in detail) and the sanity check, whose files land in a folder main picks. */
import path from 'node:path';
import type { HandlerDeps, Handlers } from './deps';
import type { EngineClient } from './engine-client';
import type { WrittenFiles } from './exports';

export function evaluationHandlers(
  deps: HandlerDeps,
  client: EngineClient,
  written: WrittenFiles,
): Pick<Handlers, 'evaluation:run' | 'evaluation:list' | 'evaluation:get' | 'sanity:run'> {
  return {
    'evaluation:run': ({ jobId, ...args }) => client.job(jobId, 'evaluate', args, (v) => client.progressOrElse(jobId, v, () => {})),
    'evaluation:list': () => client.call('listEvaluations', {}),
    'evaluation:get': ({ id }) => client.call('getEvaluation', { id }),
    'sanity:run': async ({ jobId, ...args }) => {
      // Main picks the folder (the renderer never sends a path): a new one under the app's user-data folder.
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const dir = path.join(deps.store.dir, 'sanity-checks', `${stamp}-${args.mode}-${jobId}`);
      const result = await client.job(jobId, 'sanity', { dir, ...args }, (v) => client.progressOrElse(jobId, v, () => {}));
      written.noteWritten({ dir: result.dir, files: result.files });
      return result;
    },
  };
}
