import { Classifier, demoModelPath, demoImagesDir, parseMethodList } from './src/main/engine';
import { runEvaluation, PAPER_METHODS } from './src/main/engine/evaluate/run';
const c = await Classifier.load(demoModelPath());
const t0 = performance.now();
const r = await runEvaluation({ classifier: c, methods: parseMethodList(PAPER_METHODS.join(',')), datasetRoot: demoImagesDir(), labelsCsv: demoImagesDir() + '/labels.csv', projectPath: '/tmp/t-eval.sqlite', onProgress: (p) => { if (p.done % 25 === 0) console.log(p); } });
console.log((performance.now()-t0)/1000, r.accuracy, r.failed, r.resumed);
console.table(r.table.rows);
