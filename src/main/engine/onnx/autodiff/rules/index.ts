/** The one registry of differentiable operators. */
import type { VjpRule } from '../rule';
import { convRules } from './conv';
import { elementwiseRules } from './elementwise';
import { linearRules } from './linear';
import { normalizationRules } from './normalization';
import { poolingRules } from './pooling';
import { shapeRules } from './shape';

export const VJP_RULES: Readonly<Record<string, VjpRule>> = {
  ...elementwiseRules,
  ...linearRules,
  ...convRules,
  ...poolingRules,
  ...normalizationRules,
  ...shapeRules,
};

export const DIFFERENTIABLE_OPS: readonly string[] = Object.keys(VJP_RULES).sort();
