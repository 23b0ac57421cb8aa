import { Classifier, parseMethodList } from './src/main/engine';
import { runEvaluation, PAPER_METHODS } from './src/main/engine/evaluate/run';
const c = await Classifier.load('/work/shared/models/resnet18_catsdogs.onnx');
const r = await runEvaluation({ classifier: c, methods: parseMethodList(PAPER_METHODS.join(',')), datasetRoot: '/work/shared/data/catsdogs', sample: 400, seed: 0, projectPath: 'bench/out-reference/project.sqlite', batchSize: 32,
  onProgress: (p) => console.log(new Date().toISOString(), p.done, p.total, p.imagesPerSecond.toFixed(3), p.etaSeconds?.toFixed(0)) });
console.log('elapsed', r.elapsedSeconds);
