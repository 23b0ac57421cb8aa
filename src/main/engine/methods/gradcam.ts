/**
 * Grad-CAM (Selvaraju et al., "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based Localization",
 * ICCV 2017): w_k = (1/Z) Σ_ij ∂y_c/∂A_k^ij (Eq. 1), L = ReLU(Σ_k w_k A_k) (Eq. 2).
 */
import { gradientMethod, weightedSum } from './gradient-based';

export const gradCam = gradientMethod({
  id: 'gradcam',
  displayName: 'Grad-CAM',
  paper: 'Selvaraju et al., Grad-CAM, ICCV 2017',
  featureMap: (A, G, C, hw, cam) => {
    const weights = new Float64Array(C);
    for (let k = 0; k < C; k++) {
      let s = 0;
      for (let i = 0; i < hw; i++) s += G[k * hw + i];
      weights[k] = s / hw;
    }
    weightedSum(A, weights, C, hw, cam);
  },
});
