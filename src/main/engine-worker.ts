/**
 * Entry point of the engine worker thread (built to out/main/engine-worker.js and started by EngineHost).
 * It only wires the protocol runtime to the engine; all ONNX Runtime / sharp work happens on this thread, never on
 * Electron's main thread.
 */
import { parentPort } from 'node:worker_threads';
import { demoModelPath, inspectModel } from './engine';
import type { EngineOps } from './engine-protocol';
import { serveOps } from './engine-worker-runtime';

if (!parentPort) {
  throw new Error('engine-worker must be started as a worker thread.');
}

serveOps<EngineOps>(parentPort, {
  inspect: ({ path }, { progress }) => {
    progress({ stage: 'inspect', message: 'Reading the model…' });
    return inspectModel(path);
  },
  inspectDemo: (_args, { progress }) => {
    progress({ stage: 'inspect', message: 'Reading the demo model…' });
    return inspectModel(demoModelPath());
  },
});
