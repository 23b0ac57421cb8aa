/** Localization of every method's map of one image against that image's regions (what evaluation runs store). */
import { regionsInFrame, type FrameRegions } from '../../regions/frame';
import { filterRegions, type Region, type RegionClassFilter } from '../../regions/types';
import type { ModelProfile } from '../../types';
import { localize, type LocalizationSettings, type LocalizationValues } from './index';

export interface ImageRegionsOptions extends LocalizationSettings {
  regionClass: RegionClassFilter;
}

/** The image's regions in the input frame after the class filter; null when none is left (or none is in the frame). */
export async function imageFrameRegions(regions: Region[] | undefined, targetClass: string, original: { width: number; height: number }, profile: Pick<ModelProfile, 'inputSize' | 'resize'>, filter: RegionClassFilter): Promise<FrameRegions | null> {
  const kept = filterRegions(regions ?? [], filter, targetClass);
  if (kept.length === 0) return null;
  const frame = await regionsInFrame(kept, original.width, original.height, profile);
  return frame.area === 0 && frame.points.length === 0 ? null : frame;
}

/** Per method id, the map's localization values; null when the image has no region to compare with. */
export async function localizeImage(
  maps: readonly { method: string; map: ArrayLike<number> }[],
  regions: Region[] | undefined,
  targetClass: string,
  original: { width: number; height: number },
  profile: Pick<ModelProfile, 'inputSize' | 'resize'>,
  o: ImageRegionsOptions,
): Promise<Record<string, LocalizationValues> | null> {
  const frame = await imageFrameRegions(regions, targetClass, original, profile, o.regionClass);
  if (!frame) return null;
  return Object.fromEntries(maps.map((m) => [m.method, localize(m.map, frame, o)]));
}
