/** One image's explanations: its maps (sent one by one as they finish), their faithfulness, and the layer sweep. */
import type { ExplainPartial } from '../workbench/ops';
import type { HandlerDeps, Handlers } from './deps';
import type { EngineClient } from './engine-client';

export function explanationHandlers(
  deps: HandlerDeps,
  client: EngineClient,
): Pick<Handlers, 'image:explain' | 'image:faithfulness' | 'model:sweepLayers'> {
  return {
    'image:explain': ({ jobId, ...args }) =>
      client.job(jobId, 'explain', args, (v) =>
        client.progressOrElse<ExplainPartial>(jobId, v, (p) => {
          if (p.kind === 'image') {
            const { kind: _k, ...rest } = p;
            deps.emit('explain:image', { jobId, ...rest });
          } else {
            const { kind: _k, ...rest } = p;
            deps.emit('explain:map', { jobId, ...rest });
          }
        }),
      ),
    'image:faithfulness': ({ jobId, ...args }) =>
      client.job(jobId, 'faithfulness', args, (v) => client.progressOrElse(jobId, v, () => {})),
    'model:sweepLayers': ({ jobId, ...args }) => client.job(jobId, 'sweepLayers', args, (v) => client.progressOrElse(jobId, v, () => {})),
  };
}
