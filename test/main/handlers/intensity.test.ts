// The Model screen's intensity mapping in the main process, on a fake engine: model:intensity reaches the engine,
// is saved in the project context and mirrored, so a restarted engine and the same model at another layer keep it;
// another model starts from its own. Also the project context's round trip in a real project file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Dialogs } from '../../../src/main/handlers/deps';
import type { EngineClient } from '../../../src/main/handlers/engine-client';
import { createHandlers } from '../../../src/main/handlers/index';
import { PathAllowList } from '../../../src/main/handlers/access';
import { UserDataStore } from '../../../src/main/handlers/user-data';
import type { Handlers } from '../../../src/main/handlers/deps';
import { ProjectService } from '../../../src/main/workbench/project';
import { WorkbenchState } from '../../../src/main/workbench/state';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'camscope-intensity-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const modelFile = path.join(tmp, 'ct.onnx');
const otherModel = path.join(tmp, 'xray.onnx');
fs.writeFileSync(modelFile, 'x');
fs.writeFileSync(otherModel, 'x');

/** What the engine answers: the asked mapping comes back as the user's (source 'option'), null as the default. */
class FakeEngine {
  generation = 1;
  calls: [string, unknown][] = [];
  warmUp(): number {
    return this.generation;
  }
  call(op: string, args: Record<string, unknown>): Promise<unknown> {
    this.calls.push([op, args]);
    const intensity = (mapping: unknown) => ({ mapping: mapping ?? null, source: mapping ? 'option' : 'default', defaults: { dicom: 'dicom-window:1', image16: 'range:bit-depth' } });
    const answers: Record<string, () => unknown> = {
      openProject: () => ({ context: { modelPath: null, provider: null, precision: null, layer: null, intensity: null, datasetRoot: null }, stats: { annotationCount: 0, evaluationCount: 0 } }),
      setProjectContext: () => ({ annotationCount: 0, evaluationCount: 0 }),
      loadModel: () => ({ inspection: { path: args.path }, intensity: intensity(args.intensity) }),
      setIntensity: () => ({ inspection: { path: modelFile }, intensity: intensity(args.mapping) }),
    };
    return Promise.resolve().then(() => answers[op]?.());
  }
  calledWith(op: string): unknown[] {
    return this.calls.filter(([o]) => o === op).map(([, a]) => a);
  }
}

let engine: FakeEngine;
let handlers: Handlers;
let client: EngineClient;

beforeEach(() => {
  engine = new FakeEngine();
  const userData = fs.mkdtempSync(path.join(tmp, 'user-'));
  const allowList = new PathAllowList();
  allowList.add(modelFile);
  allowList.add(otherModel);
  ({ handlers, client } = createHandlers({
    engine: engine as never, allowList, dialogs: {} as Dialogs, emit: () => {}, store: new UserDataStore(userData),
    app: { version: '0.1.0', electron: '45.5.0', shell: 'desktop' }, untitledDir: path.join(userData, 'untitled'),
    onSettingsChanged: () => {}, onRecentChanged: () => {},
  }));
});

describe('model:intensity', () => {
  it('is set in the engine, saved in the project and replayed into a restarted engine', async () => {
    await handlers['model:load']({ path: modelFile });
    const state = await handlers['model:intensity']({ mapping: 'window:40,400' });
    expect(state.intensity).toMatchObject({ mapping: 'window:40,400', source: 'option' });
    expect(engine.calledWith('setIntensity')).toEqual([{ mapping: 'window:40,400' }]);
    expect(engine.calledWith('setProjectContext')).toContainEqual({ intensity: 'window:40,400' });
    expect(client.mirror.model).toMatchObject({ path: modelFile, intensity: 'window:40,400' });

    // A restarted engine gets the model back with the mapping.
    engine.generation = 2;
    engine.calls = [];
    await handlers['classes:get']();
    expect(engine.calledWith('loadModel')).toEqual([{ path: modelFile, provider: 'cpu', precision: 'fp32', layer: 'auto', intensity: 'window:40,400' }]);
  });

  it('the same model at another layer keeps it; another model, and null, go back to the model\'s own', async () => {
    await handlers['model:load']({ path: modelFile });
    await handlers['model:intensity']({ mapping: 'percentile:1,99' });
    await handlers['model:load']({ path: modelFile, layer: 'conv2' });
    expect(engine.calledWith('loadModel').at(-1)).toEqual({ path: modelFile, provider: 'cpu', precision: 'fp32', layer: 'conv2', intensity: 'percentile:1,99' });
    await handlers['model:load']({ path: otherModel });
    expect(engine.calledWith('loadModel').at(-1)).toEqual({ path: otherModel, provider: 'cpu', precision: 'fp32', layer: 'auto' });
    expect(client.mirror.model).not.toHaveProperty('intensity');

    await handlers['model:intensity']({ mapping: 'range:image' });
    await handlers['model:intensity']({ mapping: null });
    expect(engine.calledWith('setProjectContext').at(-1)).toEqual({ intensity: null });
    expect(client.mirror.model).not.toHaveProperty('intensity');
  });
});

describe('the project context', () => {
  it('keeps the chosen mapping for its model, and forgets it when another model is recorded', () => {
    const state = new WorkbenchState();
    const project = new ProjectService(state);
    project.openProject(path.join(tmp, 'study.camscope'));
    project.setContext({ modelPath: modelFile, layer: 'auto' });
    project.setContext({ intensity: 'window:-600,1500' });
    expect(project.context()).toMatchObject({ modelPath: modelFile, intensity: 'window:-600,1500' });
    project.setContext({ modelPath: modelFile, layer: 'conv2' });
    expect(project.context().intensity).toBe('window:-600,1500');
    project.setContext({ modelPath: otherModel, layer: 'auto' });
    expect(project.context().intensity).toBeNull();
  });
});
