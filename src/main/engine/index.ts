/** The engine's public surface: plain TypeScript, no Electron. Used by the CLI, the app's worker and the tests. */
export { Classifier, inspectModel, type LoadOptions } from './model/classifier';
export { demoDir, demoImagesDir, demoModelPath } from './demo';
export { explainImages, topPredictions, type ClassChoice, type ContrastChoice, type ExplainedClass, type ExplainOptions, type ExplainProgress, type ImageExplanation } from './explain';
export { CamscopeError, isCamscopeError, type CamscopeErrorCode } from './errors';
export { createMethod, METHODS, METHOD_IDS, parseMethodList } from './methods/registry';
export type { CamMap, CamMethod, ScoreVariant, Target } from './methods/base';
export * from './types';
