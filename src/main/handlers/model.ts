/** The model: inspecting and loading one the user chose, the embedded demo, the method list and the class names. */
import path from 'node:path';
import type { ExecutionProviderName, ModelState, Precision } from '../../shared/api';
import { AppError } from '../common/errors';
import { openDataset } from './dataset';
import { notChosen, type HandlerDeps, type Handlers } from './deps';
import type { EngineClient } from './engine-client';

/**
 * A model that could not be opened, in one sentence that names the file. The engine reports a damaged file with the
 * decoder's own words in brackets ("invalid wire type 7 at offset 16", "index out of range"), which mean nothing to a
 * user: those become what they mean. Other model errors get the file's name in front when they lack it.
 */
export function plainModelError(e: unknown, file: string): unknown {
  const code = (e as { code?: unknown })?.code;
  if (!(e instanceof Error) || code !== 'INVALID_MODEL') return e;
  const name = path.basename(file);
  if (/^This file is not a valid ONNX model/.test(e.message)) {
    const empty = /no computation graph/.test(e.message);
    return new AppError(
      'INVALID_MODEL',
      empty
        ? `${name} is not an ONNX model: it holds no network, so export the model from your framework again or choose another file.`
        : `${name} is not a valid ONNX model: the file is damaged, cut short or another kind of file, so export it again or choose another file.`,
      { cause: e },
    );
  }
  if (e.message.includes(name)) return e;
  return new AppError('INVALID_MODEL', `${name}: ${e.message}`, { cause: e });
}

/**
 * Loads the model in the engine (provider and precision from the settings unless given) and records it (mirror and
 * project context). The caller checked the allow-list.
 */
export async function loadModel(
  deps: HandlerDeps,
  client: EngineClient,
  args: { path: string; provider?: ExecutionProviderName; precision?: Precision; layer?: string; intensity?: string | null },
): Promise<ModelState> {
  const settings = deps.store.settings();
  const provider = args.provider ?? settings.provider;
  const precision = args.precision ?? settings.precision;
  // Another model starts from its own intensity mapping (sidecar or default); the same model opened again at another
  // layer, provider or precision keeps the user's, and a reopened project passes its own.
  const kept = client.mirror.model?.path === args.path ? client.mirror.model.intensity : null;
  const intensity = args.intensity === undefined ? kept : args.intensity;
  // Sent only when chosen: without one, the engine (and the project, for another model) take the model's own.
  const chosen = intensity ? { intensity } : {};
  const model = { path: args.path, provider, precision, layer: args.layer ?? 'auto' };
  const state = await client.call('loadModel', { ...model, ...chosen }).catch((e: unknown) => {
    throw plainModelError(e, args.path);
  });
  client.mirror.model = { ...model, ...chosen };
  client.mirror.comparison = null; // the engine released it with the old model
  await client.recordContext({ modelPath: model.path, provider, precision, layer: model.layer, ...chosen });
  return state;
}

/** The Model screen's intensity mapping: set in the engine, mirrored (an engine restart keeps it) and saved in the project. */
async function setIntensity(client: EngineClient, mapping: string | null): Promise<ModelState> {
  const state = await client.call('setIntensity', { mapping });
  const chosen = state.intensity.source === 'option' ? state.intensity.mapping : null;
  if (client.mirror.model) {
    const { intensity: _old, ...model } = client.mirror.model;
    client.mirror.model = { ...model, ...(chosen ? { intensity: chosen } : {}) };
  }
  await client.recordContext({ intensity: chosen });
  return state;
}

export function modelHandlers(
  deps: HandlerDeps,
  client: EngineClient,
): Pick<Handlers, 'model:inspect' | 'model:load' | 'demo:inspect' | 'demo:open' | 'methods:list' | 'classes:get' | 'classes:set' | 'model:intensity'> {
  return {
    'model:inspect': ({ path: p }) => {
      if (!deps.allowList.has(p)) throw notChosen('model');
      return client.call('inspect', { path: p }).catch((e: unknown) => {
        throw plainModelError(e, p);
      });
    },
    'model:load': (args) => {
      if (!deps.allowList.has(args.path)) throw notChosen('model');
      return loadModel(deps, client, args);
    },
    'demo:inspect': async () => {
      const inspection = await client.call('inspectDemo', {});
      // The demo model may be re-opened by path later (e.g. to explain an image with it).
      deps.allowList.add(inspection.path);
      return inspection;
    },
    'demo:open': async () => {
      const demo = await client.call('demoPaths', {});
      deps.allowList.add(demo.model);
      deps.allowList.addFolder(demo.images);
      const model = await loadModel(deps, client, { path: demo.model, layer: 'auto' });
      const dataset = await openDataset(client, demo.images);
      return { model, dataset };
    },
    'methods:list': () => client.call('methods', {}),
    'classes:get': () => client.call('classNames', {}),
    'classes:set': ({ names }) => client.call('setClassNames', { names }),
    'model:intensity': ({ mapping }) => setIntensity(client, mapping),
  };
}
