/**
 * ScoreCAM++ (Chen et al., "ScoreCAM++: Class Discriminative Localization with Normalization and Activation",
 * arXiv 2404.19341), as the authors' code (ScoreCAM_both, activation tanh):
 *   up_k = bilinear(A_k → H×W),  H_k = g(up_k) with g = tanh,  s_k = p_c(f(x ∘ H_k)) (the model's probability: softmax or sigmoid),
 *   L = ReLU(Σ_k s_k · g(up_k)), min-max normalised.
 * The min-max normalisation of Score-CAM is replaced by the gating function g, in the mask and in the sum.
 * Ablations: g ∈ {tanh, relu, sigmoid, mish, swish} (Table 5); g in the mask only, the sum only, or both
 * (Table 6; where g is not applied the mask falls back to min-max and the sum to up_k); logit instead of
 * probability; and Eq. 10's baseline s_k = f(x ∘ H_k) − f(x).
 */
import type { Approximation, CamMethod, ScoreVariant } from './base';
import { approximateId, approximateName, approximateSettings } from './approximate';
import { GATING, type GatingName } from './gating';
import { isConstantChannel, isZeroChannel, minMaxInto, scoreWeightedCam } from './score-based';

export type GatingPlacement = 'both' | 'mask' | 'sum';
export const GATING_PLACEMENTS: readonly GatingPlacement[] = ['both', 'mask', 'sum'];

export interface ScoreCamPlusPlusOptions {
  gating?: GatingName;
  placement?: GatingPlacement;
  score?: ScoreVariant;
  subtractBaseline?: boolean;
  /** A fast approximation (id `<id>@topk=N` / `<id>@noscore`), labelled approximate. */
  approximation?: Approximation;
}

/** `scorecam++` for the paper's method; ablations append their settings: `scorecam++_sigmoid_mask_logit_baseline`. */
export function scoreCamPlusPlusId(o: Required<Omit<ScoreCamPlusPlusOptions, 'approximation'>>): string {
  const parts = [o.gating !== 'tanh' || o.placement !== 'both' ? o.gating : '', o.placement !== 'both' ? o.placement : '',
    o.score === 'logit' ? 'logit' : '', o.subtractBaseline ? 'baseline' : ''].filter(Boolean);
  return ['scorecam++', ...parts].join('_');
}

export function scoreCamPlusPlus(options: ScoreCamPlusPlusOptions = {}): CamMethod {
  const gating = options.gating ?? 'tanh';
  const placement = options.placement ?? 'both';
  const score = options.score ?? 'prob';
  const subtractBaseline = options.subtractBaseline ?? false;
  const g = GATING[gating];
  const gate = (up: Float32Array, out: Float32Array): void => {
    for (let i = 0; i < up.length; i++) out[i] = g(up[i]);
  };
  const gatedMask = placement !== 'sum';
  const gatedSum = placement !== 'mask';
  const isDefault = gating === 'tanh' && placement === 'both' && score === 'prob' && !subtractBaseline;
  const { approximation } = options;
  const id = scoreCamPlusPlusId({ gating, placement, score, subtractBaseline });
  const displayName = isDefault ? 'ScoreCAM++' : `ScoreCAM++ (${gating} in ${placement}, ${score}${subtractBaseline ? ', baseline' : ''})`;
  const settings = { gating, placement, score, subtractBaseline };
  return {
    id: approximation ? approximateId(id, approximation) : id,
    displayName: approximation ? approximateName(displayName, approximation) : displayName,
    paper: 'Chen et al., ScoreCAM++, arXiv 2404.19341',
    needsGradients: false,
    settings: approximation ? approximateSettings(settings, approximation) : settings,
    ...(approximation ? { approximate: true } : { withApproximation: (a: Approximation) => scoreCamPlusPlus({ ...options, approximation: a }) }),
    compute: (ctx) =>
      scoreWeightedCam(ctx, {
        mask: gatedMask ? gate : minMaxInto,
        term: gatedSum ? gate : (up, out) => out.set(up),
        // A channel can be skipped exactly when its summed term is zero everywhere: zero activations with a gate
        // that maps 0 to 0 (or no gate in the sum). A min-max mask additionally needs a non-constant channel.
        skip: (a, offset, length) =>
          (!gatedMask && isConstantChannel(a, offset, length)) ||
          ((!gatedSum || g(0) === 0) && isZeroChannel(a, offset, length)),
        score,
        subtractBaseline,
        maskKind: gatedMask ? gating : 'minmax',
        termKind: gatedSum ? gating : 'identity',
        approximation,
      }),
  };
}
