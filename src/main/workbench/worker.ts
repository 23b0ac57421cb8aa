/**
 * Entry point of the engine (built to out/main/engine-worker.js). It runs as its own OS process — Electron's utility
 * process in the app, a child_process.fork in the web bridge and the tests — and, for protocol tests, as a worker
 * thread. It only wires the protocol runtime to the engine and the workbench's services: all ONNX Runtime, sharp and
 * SQLite work happens here, never in Electron's main process, so a native crash or runaway memory here costs only
 * this process.
 */
import { parentPort as threadPort } from 'node:worker_threads';
import { demoImagesDir, demoModelPath, inspectModel } from '../engine';
import type { EngineOps } from './ops';
import { serveOps, type PortLike } from '../engine-host/runtime';
import { createWorkbench } from './index';
import { methodDescriptors } from './model';
import { runSanityJob } from './sanity';

/** Electron's utility-process port: messages arrive wrapped as `{ data }`. */
interface UtilityPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  off(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  postMessage(value: unknown): void;
}

/** How this engine talks to its host, whichever kind of child it was started as. */
function hostPort(): PortLike {
  const utility = (process as unknown as { parentPort?: UtilityPort }).parentPort;
  if (utility) {
    const wrapped = new Map<(v: unknown) => void, (e: { data: unknown }) => void>();
    return {
      on: (_event, listener) => {
        const w = (e: { data: unknown }): void => listener(e.data);
        wrapped.set(listener, w);
        return utility.on('message', w);
      },
      off: (_event, listener) => utility.off('message', wrapped.get(listener) ?? (() => {})),
      postMessage: (value) => utility.postMessage(value),
    };
  }
  if (process.send) {
    // A forked process: the host going away (closed channel) ends the engine instead of leaving an orphan.
    process.on('disconnect', () => process.exit(0));
    return {
      on: (_event, listener) => process.on('message', listener),
      off: (_event, listener) => process.off('message', listener),
      postMessage: (value) => {
        process.send?.(value);
      },
    };
  }
  if (threadPort) return threadPort;
  throw new Error('The camscope engine must be started by camscope (as a utility process, a forked process or a worker thread).');
}

const wb = createWorkbench();

serveOps<EngineOps>(hostPort(), {
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
  loadModel: (args) => wb.model.loadModel(args),
  setIntensity: ({ mapping }) => wb.model.setIntensity(mapping),
  openDataset: ({ root }) => wb.dataset.openDataset(root),
  thumbnails: ({ indices }) => wb.dataset.thumbnailsFor(indices),
  predict: (_args, ctx) => wb.predictions.predict(ctx),
  explain: (args, ctx) => wb.explanations.explain(args, ctx),
  faithfulness: (args, ctx) => wb.explanations.faithfulness(args, ctx),
  sweepLayers: (args, ctx) => wb.explanations.sweepLayers(args, ctx),
  sanity: (args, ctx) => runSanityJob(wb.sanity, args, ctx),
  openProject: ({ path }) => wb.project.openProject(path),
  setProjectContext: (patch) => wb.project.setContext(patch),
  saveProjectAs: ({ dest }) => wb.project.saveProjectAs(dest),
  projectStats: () => wb.project.stats(),
  cacheUsage: () => wb.cache.cacheUsage(),
  clearCache: () => wb.cache.clearCache(),
  classNames: () => wb.names.classNames(),
  setClassNames: ({ names }) => wb.names.setClassNames(names),
  listAnnotations: ({ image }) => wb.annotations.listAnnotations(image),
  addAnnotation: (a) => wb.annotations.addAnnotation(a),
  updateAnnotation: (patch) => wb.annotations.updateAnnotation(patch),
  deleteAnnotation: ({ id }) => wb.annotations.deleteAnnotation(id),
  exportCoco: ({ dest }) => wb.annotations.exportCoco(dest),
  importRegions: ({ path }) => wb.regions.importRegions(path),
  regionAgreement: (args) => wb.regions.regionAgreement(args),
  evaluate: (args, ctx) => wb.evaluations.evaluate(args, ctx),
  listEvaluations: () => wb.evaluations.listEvaluations(),
  getEvaluation: ({ id }) => wb.evaluations.getEvaluation(id),
  exportFigure: (args, ctx) => wb.exports.exportFigure(args, ctx),
  exportReport: (args, ctx) => wb.exports.exportReport(args, ctx),
  openComparison: ({ path }) => wb.comparison.open(path),
  comparisonModel: () => wb.comparison.model(),
  closeComparison: async () => ({ closed: await wb.comparison.release() }),
  compareImage: (args, ctx) => wb.comparison.pair(args, ctx),
  compareRun: (args, ctx) => wb.comparison.run(args, ctx),
  lastComparison: () => wb.comparison.last(),
  // Test hook (only with CAMSCOPE_ENGINE_TEST_HOOKS=1 in the engine's environment): a native abort (SIGABRT), as a
  // crash inside onnxruntime or sharp would end the process.
  abortForTest: () => {
    if (process.env.CAMSCOPE_ENGINE_TEST_HOOKS !== '1') throw new Error('This engine was started without test hooks.');
    process.abort();
  },
});
