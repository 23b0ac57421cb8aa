/**
 * Entry point of the engine (built to out/main/engine-worker.js). It runs as its own OS process — Electron's utility
 * process in the app, a child_process.fork in the web bridge and the tests — and, for protocol tests, as a worker
 * thread. It only wires the protocol runtime to the engine and the workbench session: all ONNX Runtime, sharp and
 * SQLite work happens here, never in Electron's main process, so a native crash or runaway memory here costs only
 * this process.
 */
import { parentPort as threadPort } from 'node:worker_threads';
import { demoImagesDir, demoModelPath, inspectModel } from '../engine';
import type { EngineOps } from './ops';
import { serveOps, type PortLike } from '../engine-host/runtime';
import { runSanityJob } from './sanity';
import { methodDescriptors, WorkbenchSession } from './index';

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

const session = new WorkbenchSession();

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
  loadModel: (args) => session.loadModel(args),
  openDataset: ({ root }) => session.openDataset(root),
  thumbnails: ({ indices }) => session.thumbnailsFor(indices),
  predict: (_args, ctx) => session.predict(ctx),
  explain: (args, ctx) => session.explain(args, ctx),
  faithfulness: (args, ctx) => session.faithfulness(args, ctx),
  sweepLayers: (args, ctx) => session.sweepLayers(args, ctx),
  sanity: (args, ctx) => runSanityJob(session, args, ctx),
  openProject: ({ path }) => session.openProject(path),
  setProjectContext: (patch) => session.setContext(patch),
  saveProjectAs: ({ dest }) => session.saveProjectAs(dest),
  projectStats: () => session.stats(),
  cacheUsage: () => session.cacheUsage(),
  clearCache: () => session.clearCache(),
  classNames: () => session.classNames(),
  setClassNames: ({ names }) => session.setClassNames(names),
  listAnnotations: ({ image }) => session.listAnnotations(image),
  addAnnotation: (a) => session.addAnnotation(a),
  updateAnnotation: (patch) => session.updateAnnotation(patch),
  deleteAnnotation: ({ id }) => session.deleteAnnotation(id),
  exportCoco: ({ dest }) => session.exportCoco(dest),
  importRegions: ({ path }) => session.importRegions(path),
  regionAgreement: (args) => session.regionAgreement(args),
  evaluate: (args, ctx) => session.evaluate(args, ctx),
  listEvaluations: () => session.listEvaluations(),
  getEvaluation: ({ id }) => session.getEvaluation(id),
  exportFigure: (args, ctx) => session.exportFigure(args, ctx),
  exportReport: (args, ctx) => session.exportReport(args, ctx),
  // Test hook (only with CAMSCOPE_ENGINE_TEST_HOOKS=1 in the engine's environment): a native abort (SIGABRT), as a
  // crash inside onnxruntime or sharp would end the process.
  abortForTest: () => {
    if (process.env.CAMSCOPE_ENGINE_TEST_HOOKS !== '1') throw new Error('This engine was started without test hooks.');
    process.abort();
  },
});
