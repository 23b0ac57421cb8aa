/**
 * What each channel of the shared contract does, free of Electron: the Electron app registers these handlers on
 * `ipcMain` (app/ipc.ts) and the web test bridge serves the same handlers over HTTP. The channels are cut into one
 * group per domain; each group reaches the engine through the one {@link EngineClient}.
 */
import { annotationHandlers } from './annotations';
import { appHandlers } from './app';
import { comparisonHandlers } from './comparison';
import { datasetHandlers } from './dataset';
import type { HandlerDeps, Handlers } from './deps';
import { EngineClient } from './engine-client';
import { evaluationHandlers } from './evaluations';
import { explanationHandlers } from './explanations';
import { exportHandlers, WrittenFiles } from './exports';
import { modelHandlers } from './model';
import { projectHandlers } from './project';

/** The groups, by domain, sharing one client and one record of exported files. */
export function handlerGroups(deps: HandlerDeps, client: EngineClient) {
  const written = new WrittenFiles(deps.shell);
  return {
    app: appHandlers(deps, client),
    model: modelHandlers(deps, client),
    dataset: datasetHandlers(deps, client),
    explanations: explanationHandlers(deps, client),
    project: projectHandlers(deps, client),
    annotations: annotationHandlers(deps, client, written),
    evaluations: evaluationHandlers(deps, client, written),
    exports: exportHandlers(deps, client, written),
    comparison: comparisonHandlers(deps, client),
  };
}

/** The handlers for every channel, and the engine client behind them (the shell tells it of a crashed engine). */
export function createHandlers(deps: HandlerDeps): { handlers: Handlers; client: EngineClient } {
  const client = new EngineClient(deps);
  const g = handlerGroups(deps, client);
  // Typed as Handlers, so a channel no group answers fails the typecheck; handlers.test.ts checks no two claim one.
  const handlers: Handlers = {
    ...g.app,
    ...g.model,
    ...g.dataset,
    ...g.explanations,
    ...g.project,
    ...g.annotations,
    ...g.evaluations,
    ...g.exports,
    ...g.comparison,
  };
  return { handlers, client };
}
