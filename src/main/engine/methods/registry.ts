/**
 * The one list of explanation methods. The CLI, the app, reports and tests all read it; a method is added by
 * writing its module and one line here.
 */
import { CamscopeError } from '../errors';
import type { CamMethod, ScoreVariant } from './base';
import { GATING_FUNCTIONS, type GatingName } from './gating';
import { augGradCamPlusPlus } from './aug-gradcam-pp';
import { parseApproximation } from './approximate';
import { gradCam } from './gradcam';
import { gradCamPlusPlus } from './gradcam-pp';
import { hiResCam } from './hirescam';
import { layerCam } from './layercam';
import { scoreCam } from './scorecam';
import { xGradCam } from './xgradcam';
import { randomMethod } from './random';
import { GATING_PLACEMENTS, scoreCamPlusPlus, type GatingPlacement } from './scorecam-pp';

export interface MethodInfo {
  id: string;
  displayName: string;
  paper: string;
  needsGradients: boolean;
  /** The random baseline: a reference, instant, never ranked. */
  reference: boolean;
  create(): CamMethod;
}

// Order = the paper's tables: gradient baselines first, then the score-based methods.
const FACTORIES: (() => CamMethod)[] = [
  gradCam, gradCamPlusPlus, xGradCam, layerCam, hiResCam, () => augGradCamPlusPlus(), scoreCam, () => scoreCamPlusPlus(),
  () => randomMethod(), // a reference, not an explanation: reports never rank it
];

export const METHODS: readonly MethodInfo[] = FACTORIES.map((create) => {
  const m = create();
  return { id: m.id, displayName: m.displayName, paper: m.paper, needsGradients: m.needsGradients, reference: Boolean(m.reference), create };
});

export const METHOD_IDS: readonly string[] = METHODS.map((m) => m.id);

/** Method id → display name, for reports, figures and verdicts (a fresh object: callers may add approximations). */
export function methodDisplayNames(): Record<string, string> {
  return Object.fromEntries(METHODS.map((m) => [m.id, m.displayName]));
}

/**
 * Builds a method from its id. Besides the listed ids, ScoreCAM++ ablations are named
 * `scorecam++_<gating>[_<placement>][_logit][_baseline]`, e.g. `scorecam++_sigmoid`, `scorecam++_tanh_mask`.
 * Fast approximations of a score-weighted method (approximate.ts, flagged `approximate`): `<id>@topk=N`, `<id>@noscore`.
 */
export function createMethod(id: string): CamMethod {
  const listed = METHODS.find((m) => m.id === id);
  if (listed) return listed.create();
  const at = id.lastIndexOf('@');
  if (at > 0) {
    const base = createMethod(id.slice(0, at));
    if (!base.withApproximation) throw new CamscopeError('INVALID_ARGUMENT', `"${id}": only Score-CAM and ScoreCAM++ (and its ablations) have approximations.`);
    return base.withApproximation(parseApproximation(id.slice(at + 1)));
  }
  const m = /^scorecam\+\+_(\w+?)(?:_(both|mask|sum))?(_logit)?(_baseline)?$/.exec(id);
  if (m && (GATING_FUNCTIONS as readonly string[]).includes(m[1])) {
    return scoreCamPlusPlus({
      gating: m[1] as GatingName,
      placement: (m[2] ?? 'both') as GatingPlacement,
      score: (m[3] ? 'logit' : 'prob') as ScoreVariant,
      subtractBaseline: Boolean(m[4]),
    });
  }
  throw new CamscopeError('INVALID_ARGUMENT', `Unknown method "${id}". Available: ${METHOD_IDS.join(', ')} (ScoreCAM++ ablations: scorecam++_<${GATING_FUNCTIONS.join('|')}>[_<${GATING_PLACEMENTS.join('|')}>][_logit][_baseline]).`);
}

/** Parses a comma-separated method list ('all' = every listed method), keeping order and dropping repeats. */
export function parseMethodList(spec: string): CamMethod[] {
  const ids = spec.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (ids.length === 0) throw new CamscopeError('INVALID_ARGUMENT', 'No method given.');
  const expanded = ids.flatMap((id) => (id === 'all' ? [...METHOD_IDS] : [id]));
  return [...new Set(expanded)].map(createMethod);
}
