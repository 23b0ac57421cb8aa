/**
 * The intensity mapping a model's images go through (see intensity.ts), as a setting: read from the model's
 * settings file ("intensity"), set by an option (the CLI's --intensity, the app's Model screen) or left to
 * camscope's per-image default; and how results, reports and the app record that choice and its source.
 */
import { CamscopeError } from '../errors';
import type { IntensitySetting, ModelProfile } from '../types';

export type { IntensitySetting, IntensitySource } from '../types';
import { defaultIntensityMapping, formatIntensityMapping, parseIntensityMapping, type IntensityMapping } from './intensity';

export const INTENSITY_DEFAULTS = {
  dicom: formatIntensityMapping(defaultIntensityMapping({ origin: 'dicom' })),
  image16: formatIntensityMapping(defaultIntensityMapping({ origin: 'image16' })),
};

/** The sidecar's "intensity", normalised to the stable string form (so "dicom-window" and "dicom-window:1" are one key); undefined when absent. */
export function sidecarIntensity(raw: Record<string, unknown> | null, source = 'model settings'): string | undefined {
  const v = raw?.intensity;
  if (v === undefined) return undefined;
  if (typeof v !== 'string') {
    throw new CamscopeError('INVALID_PROFILE', `${source}: "intensity" must be a text such as "dicom-window" or "window:40,400", not ${JSON.stringify(v)}.`);
  }
  try {
    return formatIntensityMapping(parseIntensityMapping(v));
  } catch (e) {
    const why = (e as Error).message.replace(/^The intensity mapping /, '').replace(/\.$/, '');
    throw new CamscopeError('INVALID_PROFILE', `${source}: "intensity" ${why}.`);
  }
}

/** The mapping the profile asks for, or undefined for camscope's per-image default. */
export function profileMapping(profile: Pick<ModelProfile, 'intensity'>): IntensityMapping | undefined {
  return profile.intensity ? parseIntensityMapping(profile.intensity) : undefined;
}

export function intensitySetting(profile: Pick<ModelProfile, 'intensity' | 'intensitySource'>): IntensitySetting {
  return {
    mapping: profile.intensity ?? null,
    source: profile.intensity ? (profile.intensitySource ?? 'sidecar') : 'default',
    defaults: { ...INTENSITY_DEFAULTS },
  };
}
