/**
 * LayerCAM (Jiang et al., "LayerCAM: Exploring Hierarchical Class Activation Maps for Localization", IEEE TIP
 * 2021): per-location weights, L = ReLU(Σ_k ReLU(∂y_c/∂A_k^ij) · A_k^ij) (Eqs. 4–5). Suited to earlier layers too.
 */
import type { CamMethod } from './base';
import { gradientCam } from './gradient-based';

export function layerCam(): CamMethod {
  return {
    id: 'layercam',
    displayName: 'LayerCAM',
    paper: 'Jiang et al., LayerCAM, IEEE TIP 2021',
    needsGradients: true,
    settings: { score: 'logit' },
    compute: async (ctx) =>
      gradientCam(ctx, (A, G, C, hw, cam) => {
        for (let k = 0; k < C; k++) {
          const o = k * hw;
          for (let i = 0; i < hw; i++) if (G[o + i] > 0) cam[i] += G[o + i] * A[o + i];
        }
      }),
  };
}
