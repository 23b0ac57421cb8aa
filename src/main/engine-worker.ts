/**
 * Entry point of the engine worker thread (built to out/main/engine-worker.js and started by EngineHost).
 * It only wires the protocol runtime to the engine and the workbench session; all ONNX Runtime, sharp and SQLite
 * work happens on this thread, never on Electron's main thread.
 */
import { parentPort } from 'node:worker_threads';
import { demoImagesDir, demoModelPath, inspectModel } from './engine';
import type { EngineOps } from './engine-protocol';
import { serveOps } from './engine-worker-runtime';
import { methodDescriptors, WorkbenchSession } from './workbench/session';

if (!parentPort) {
  throw new Error('engine-worker must be started as a worker thread.');
}

const session = new WorkbenchSession();

serveOps<EngineOps>(parentPort, {
  inspect: ({ path }, { progress }) => {
    progress({ stage: 'inspect', message: 'Reading the model…' });
    return inspectModel(path);
  },
  inspectDemo: (_args, { progress }) => {
    progress({ stage: 'inspect', message: 'Reading the demo model…' });
    return inspectModel(demoModelPath());
  },
  methods: () => methodDescriptors(),
  demoPaths: () => ({ model: demoModelPath(), images: demoImagesDir() }),
  loadModel: (args) => session.loadModel(args),
  openDataset: ({ root }) => session.openDataset(root),
  thumbnails: ({ indices }) => session.thumbnailsFor(indices),
  predict: (_args, ctx) => session.predict(ctx),
  explain: (args, ctx) => session.explain(args, ctx),
  faithfulness: (args, ctx) => session.faithfulness(args, ctx),
  openProject: ({ path }) => session.openProject(path),
  setProjectContext: (patch) => session.setContext(patch),
  saveProjectAs: ({ dest }) => session.saveProjectAs(dest),
  projectStats: () => session.stats(),
  listAnnotations: ({ image }) => session.listAnnotations(image),
  addAnnotation: (a) => session.addAnnotation(a),
  updateAnnotation: (patch) => session.updateAnnotation(patch),
  deleteAnnotation: ({ id }) => session.deleteAnnotation(id),
  exportCoco: ({ dest }) => session.exportCoco(dest),
  evaluate: (args, ctx) => session.evaluate(args, ctx),
  listEvaluations: () => session.listEvaluations(),
  getEvaluation: ({ id }) => session.getEvaluation(id),
  exportFigure: (args, ctx) => session.exportFigure(args, ctx),
  exportReport: (args, ctx) => session.exportReport(args, ctx),
});
