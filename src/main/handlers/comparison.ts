/**
 * Model vs model: the second model comes only from main's own open dialog (the renderer never sends its path), then
 * lives in the engine beside the open one; a comparison over the folder streams its rows as `compare:row`.
 */
import path from 'node:path';
import type { HandlerDeps, Handlers } from './deps';
import type { EngineClient } from './engine-client';
import { plainModelError } from './model';

export function comparisonHandlers(
  deps: HandlerDeps,
  client: EngineClient,
): Pick<Handlers, 'compare:open' | 'compare:model' | 'compare:close' | 'compare:image' | 'compare:run' | 'compare:last'> {
  return {
    'compare:open': async () => {
      const chosen = await deps.dialogs.openModel();
      if (!chosen) return null;
      const p = deps.allowList.add(path.resolve(chosen));
      const opened = await client.call('openComparison', { path: p }).catch((e: unknown) => {
        throw plainModelError(e, p);
      });
      client.mirror.comparison = p; // reopened after an engine restart, like the model and the folder
      return opened;
    },
    'compare:model': () => client.call('comparisonModel', {}),
    'compare:close': async () => {
      const closed = await client.call('closeComparison', {});
      client.mirror.comparison = null;
      return closed;
    },
    'compare:image': ({ jobId, ...args }) => client.job(jobId, 'compareImage', args, (v) => client.progressOrElse(jobId, v, () => {})),
    'compare:run': ({ jobId, ...args }) =>
      client.job(jobId, 'compareRun', args, (v) => client.progressOrElse(jobId, v, (row) => deps.emit('compare:row', { ...row, jobId }))),
    'compare:last': () => client.call('lastComparison', {}),
  };
}
