/**
 * Grad-CAM++ (Chattopadhyay et al., "Grad-CAM++: Generalized Gradient-based Visual Explanations", WACV 2018),
 * with the closed form for an exponential output (Eq. 19) as pytorch-grad-cam implements it:
 *   α_k^ij = g² / (2 g² + Σ_ab A_k^ab · g³ + ε)  (0 where g = 0),  w_k = Σ_ij α_k^ij · ReLU(g_k^ij),
 *   L = ReLU(Σ_k w_k A_k), with g = ∂y_c/∂A_k^ij and ε = 1e-6.
 * Contrast "A, not B": the same formula with g = ∂S/∂A_k^ij for S = y_A − y_B, i.e. the exponential output is
 * exp(S). The closed form needs only that the explained output is exp of a score whose second derivatives vanish
 * (piecewise linear, as a ReLU network's logits), and y_A − y_B is such a score. exp(y_A) − exp(y_B) would not
 * be: its higher derivatives mix both classes' gradients and leave no closed form in one seeded backward pass.
 */
import { gradientMethod, weightedSum, type FeatureMap } from './gradient-based';

export const gradCamPlusPlusMap: FeatureMap = (A, G, C, hw, cam) => {
  const weights = new Float64Array(C);
  for (let k = 0; k < C; k++) {
    const o = k * hw;
    let sumA = 0;
    for (let i = 0; i < hw; i++) sumA += A[o + i];
    let w = 0;
    for (let i = 0; i < hw; i++) {
      const g = G[o + i];
      if (g === 0) continue;
      const g2 = g * g;
      const alpha = g2 / (2 * g2 + sumA * g2 * g + 1e-6);
      if (g > 0) w += alpha * g;
    }
    weights[k] = w;
  }
  weightedSum(A, weights, C, hw, cam);
};

export const gradCamPlusPlus = gradientMethod({
  id: 'gradcam++',
  displayName: 'Grad-CAM++',
  paper: 'Chattopadhyay et al., Grad-CAM++, WACV 2018',
  featureMap: gradCamPlusPlusMap,
});
