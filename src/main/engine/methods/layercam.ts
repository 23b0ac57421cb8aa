/**
 * LayerCAM (Jiang et al., "LayerCAM: Exploring Hierarchical Class Activation Maps for Localization", IEEE TIP
 * 2021): per-location weights, L = ReLU(Σ_k ReLU(∂y_c/∂A_k^ij) · A_k^ij) (Eqs. 4–5). Suited to earlier layers too.
 */
import { gradientMethod } from './gradient-based';

export const layerCam = gradientMethod({
  id: 'layercam',
  displayName: 'LayerCAM',
  paper: 'Jiang et al., LayerCAM, IEEE TIP 2021',
  featureMap: (A, G, C, hw, cam) => {
    for (let k = 0; k < C; k++) {
      const o = k * hw;
      for (let i = 0; i < hw; i++) if (G[o + i] > 0) cam[i] += G[o + i] * A[o + i];
    }
  },
});
