/** Gating functions for ScoreCAM++'s ablation (paper Table 5). All are elementwise on the upsampled activations. */

export type GatingName = 'tanh' | 'relu' | 'sigmoid' | 'mish' | 'swish';
export const GATING_FUNCTIONS: readonly GatingName[] = ['tanh', 'relu', 'sigmoid', 'mish', 'swish'];

const softplus = (x: number): number => (x > 20 ? x : Math.log1p(Math.exp(x)));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export const GATING: Record<GatingName, (x: number) => number> = {
  tanh: Math.tanh,
  relu: (x) => (x > 0 ? x : 0),
  sigmoid,
  mish: (x) => x * Math.tanh(softplus(x)),
  swish: (x) => x * sigmoid(x),
};
