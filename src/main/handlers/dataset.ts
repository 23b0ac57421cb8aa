/** The image folder: opening one the user chose, its thumbnails, and the model's predictions over it. */
import type { DatasetListing } from '../../shared/api';
import type { PredictPartial } from '../workbench/ops';
import { notChosen, type HandlerDeps, type Handlers } from './deps';
import type { EngineClient } from './engine-client';

/** Opens the folder in the engine and records it (mirror and project context). The caller checked the allow-list. */
export async function openDataset(client: EngineClient, root: string): Promise<DatasetListing> {
  const listing = await client.call('openDataset', { root });
  client.mirror.datasetRoot = listing.root;
  client.mirror.comparison = null; // the engine released it with the old folder
  await client.recordContext({ datasetRoot: listing.root });
  return listing;
}

export function datasetHandlers(deps: HandlerDeps, client: EngineClient): Pick<Handlers, 'dataset:open' | 'dataset:thumbnails' | 'predictions:run'> {
  return {
    'dataset:open': ({ root }) => {
      if (!deps.allowList.hasFolder(root)) throw notChosen('folder');
      return openDataset(client, root);
    },
    'dataset:thumbnails': ({ indices }) => client.call('thumbnails', { indices }),
    'predictions:run': ({ jobId }) =>
      client.job(jobId, 'predict', {}, (v) =>
        client.progressOrElse<PredictPartial>(jobId, v, (batch) => deps.emit('predictions:batch', { jobId, ...batch })),
      ),
  };
}
