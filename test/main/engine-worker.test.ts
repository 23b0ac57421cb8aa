// The real engine worker (src/main/engine-worker.ts, run under tsx) driven through EngineHost.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../src/main/engine-host';
import type { Progress } from '../../src/main/engine-protocol';

const host = new EngineHost({
  workerPath: new URL('../fixtures/ts-worker.mjs', import.meta.url),
  workerOptions: { workerData: { entry: new URL('../../src/main/engine-worker.ts', import.meta.url).href } },
});
afterAll(() => host.dispose());

const demoModel = fileURLToPath(new URL('../../resources/demo/fashion-cnn.onnx', import.meta.url));

describe('engine worker', () => {
  it('reports engine errors with their code and plain message', async () => {
    await expect(host.call('inspect', { path: '/no/such/model.onnx' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('/no/such/model.onnx'),
    });
  });

  it.skipIf(!existsSync(demoModel))('inspects the demo model, with progress', async () => {
    const progress: Progress[] = [];
    const inspection = await host.call('inspectDemo', {}, { onProgress: (p) => progress.push(p) });
    expect(inspection.path).toBe(demoModel);
    expect(inspection.numClasses).toBe(inspection.profile.classes.length);
    expect(inspection.candidateLayers.map((l) => l.name)).toContain(inspection.defaultLayer);
    expect(progress[0]).toMatchObject({ stage: 'inspect' });

    const again = await host.call('inspect', { path: demoModel });
    expect(again.fingerprint).toBe(inspection.fingerprint);
  });
});
