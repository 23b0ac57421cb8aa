/**
 * HiResCAM (Draelos & Carin, "Use HiResCAM instead of Grad-CAM for faithful explanations of convolutional neural
 * networks", 2020): the elementwise product of gradients and activations summed over channels,
 * L = ReLU(Σ_k ∂y_c/∂A_k ⊙ A_k), which is exactly the logit's dependence on each location for a linear head.
 */
import { gradientMethod } from './gradient-based';

export const hiResCam = gradientMethod({
  id: 'hirescam',
  displayName: 'HiResCAM',
  paper: 'Draelos & Carin, HiResCAM, arXiv 2011.08891',
  featureMap: (A, G, C, hw, cam) => {
    for (let k = 0; k < C; k++) {
      const o = k * hw;
      for (let i = 0; i < hw; i++) cam[i] += G[o + i] * A[o + i];
    }
  },
});
