/**
 * Score-CAM (Wang et al., "Score-CAM: Score-Weighted Visual Explanations for Convolutional Neural Networks",
 * CVPR-W 2020), with the official code's semantics:
 *   up_k = bilinear(A_k → H×W),  H_k = (up_k − min) / (max − min),  s_k = p_c(f(x ∘ H_k)) (the model's probability: softmax or sigmoid),
 *   L = ReLU(Σ_k s_k · up_k), min-max normalised. Channels with constant A_k are skipped (H_k is undefined).
 */
import type { Approximation, CamMethod } from './base';
import { approximateId, approximateName, approximateSettings } from './approximate';
import type { ScoreVariant } from './base';
import { isConstantChannel, minMaxInto, scoreWeightedCam } from './score-based';

export interface ScoreCamOptions {
  score?: ScoreVariant;
  /** A fast approximation (id `scorecam@topk=N` / `scorecam@noscore`), labelled approximate. */
  approximation?: Approximation;
}

export function scoreCam(options: ScoreCamOptions = {}): CamMethod {
  const score = options.score ?? 'prob';
  const { approximation } = options;
  return {
    id: approximation ? approximateId('scorecam', approximation) : 'scorecam',
    displayName: approximation ? approximateName('Score-CAM', approximation) : 'Score-CAM',
    paper: 'Wang et al., Score-CAM, CVPR Workshops 2020',
    needsGradients: false,
    settings: approximation ? approximateSettings({ score }, approximation) : { score },
    ...(approximation ? { approximate: true } : { withApproximation: (a: Approximation) => scoreCam({ ...options, approximation: a }) }),
    compute: (ctx) =>
      scoreWeightedCam(ctx, {
        mask: minMaxInto,
        term: (up, out) => out.set(up),
        skip: isConstantChannel,
        score,
        subtractBaseline: false,
        maskKind: 'minmax',
        termKind: 'identity',
        approximation,
      }),
  };
}
