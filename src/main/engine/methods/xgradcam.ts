/**
 * XGrad-CAM (Fu et al., "Axiom-based Grad-CAM: Towards Accurate Visualization and Explanation of CNNs",
 * BMVC 2020): w_k = Σ_ij (A_k^ij / Σ_ab A_k^ab) · ∂y_c/∂A_k^ij (Eq. 12; 1e-7 guards empty channels),
 * L = ReLU(Σ_k w_k A_k).
 */
import { gradientMethod, weightedSum } from './gradient-based';

export const xGradCam = gradientMethod({
  id: 'xgradcam',
  displayName: 'XGrad-CAM',
  paper: 'Fu et al., Axiom-based Grad-CAM, BMVC 2020',
  featureMap: (A, G, C, hw, cam) => {
    const weights = new Float64Array(C);
    for (let k = 0; k < C; k++) {
      const o = k * hw;
      let sumA = 0;
      let sumGA = 0;
      for (let i = 0; i < hw; i++) {
        sumA += A[o + i];
        sumGA += G[o + i] * A[o + i];
      }
      weights[k] = sumGA / (sumA + 1e-7);
    }
    weightedSum(A, weights, C, hw, cam);
  },
});
