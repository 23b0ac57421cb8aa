/**
 * The composition root of the engine process: builds one service per domain, each given only the services it uses,
 * and wires what a change of the open model, folder, project or class list makes stale. The one place that knows
 * every service; worker.ts maps each operation to one of their methods.
 */
import { AnnotationService } from './annotations';
import { ClassNamesService } from './class-names';
import { ComparisonService } from './comparison';
import { DatasetService } from './dataset';
import { EvaluationService } from './evaluations';
import { ExplanationService } from './explanations';
import { ExportService } from './exports';
import { MapService } from './maps';
import { ModelService } from './model';
import { PredictionService } from './predictions';
import { ProjectService } from './project';
import { RegionService } from './regions';
import { ResultCache } from './result-cache';
import { SanityService } from './sanity';
import { WorkbenchState } from './state';

export interface Workbench {
  state: WorkbenchState;
  cache: ResultCache;
  names: ClassNamesService;
  model: ModelService;
  dataset: DatasetService;
  predictions: PredictionService;
  maps: MapService;
  project: ProjectService;
  evaluations: EvaluationService;
  explanations: ExplanationService;
  annotations: AnnotationService;
  regions: RegionService;
  sanity: SanityService;
  exports: ExportService;
  comparison: ComparisonService;
}

export function createWorkbench(): Workbench {
  const state = new WorkbenchState();
  const cache = new ResultCache(state);
  const names = new ClassNamesService(state);
  const predictions = new PredictionService(state, cache);
  const maps = new MapService(state, cache, predictions);
  const model = new ModelService(state, names);
  const dataset = new DatasetService(state, names);
  const project = new ProjectService(state);
  const evaluations = new EvaluationService(state, cache, names);
  const comparison = new ComparisonService(state, maps, names);
  // In the order the session did it before the split. A new model: its predictions, passes and maps are not the old
  // one's; the folder's labels are mapped to its classes again (which may adopt the folder's names: `classes`); the
  // project's names are looked up for it.
  state.on('model', () => {
    predictions.reset();
    maps.reset();
    dataset.reread();
    names.reload();
    // The second model was matched to the one before (its classes, its names).
    void comparison.release();
  });
  // A folder was opened (its class names already adopted, if any): nothing computed for the one before applies.
  state.on('dataset', () => {
    predictions.reset();
    maps.reset();
    void comparison.release();
  });
  state.on('project', () => names.reload());
  // The model took the folder's class names: the predictions kept carry the old ones.
  state.on('classes', () => predictions.reset());
  return {
    state, cache, names, model, dataset, predictions, maps, project, evaluations,
    explanations: new ExplanationService(state, cache, maps, names, model),
    annotations: new AnnotationService(state, project),
    regions: new RegionService(state, maps),
    sanity: new SanityService(state, maps, names),
    exports: new ExportService(state, maps, names, evaluations, comparison),
    comparison,
  };
}
