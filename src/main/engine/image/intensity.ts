/**
 * The intensity pipeline: turns a high-bit-depth image (a DICOM frame after its modality LUT, or a 16-bit PNG or
 * TIFF) into the 8-bit pixels the preprocessing expects, before the model profile's mean and std. Every mapping
 * computes a value y in [0, 255] in float64 and rounds it as floor(y + 0.5); MONOCHROME1 images are then inverted
 * (255 − y). 8-bit images never come here: their pixels are used as decoded.
 *
 * Mappings (string form in brackets, stable, for cache keys and the CLI):
 * - `dicom-window[:n]`: the file's n-th VOI window or VOI LUT (1-based; windows first, then LUTs, in file order),
 *   with the file's VOI LUT Function (LINEAR, LINEAR_EXACT or SIGMOID, PS3.3 C.11.2.1.2–3). A monochrome DICOM
 *   file that lists none falls back to `range:image`; colour images (DICOM defines no VOI for them) and 16-bit
 *   PNG/TIFF, which carry no window, to `range:bit-depth`.
 * - `window:C,W`: a fixed window of centre C and width W in rescaled units (e.g. Hounsfield), with the
 *   standard's LINEAR formula (C.11.2.1.2.1).
 * - `percentile:LO,HI`: the image's LO and HI percentiles (NumPy's default 'linear' method) mapped to 0 and 255.
 * - `range:bit-depth` / `range:image`: the range the stored bits can hold (after the modality LUT), or the
 *   image's own minimum and maximum, mapped to 0 and 255.
 * - `raw:S,O`: y = clamp(x·S + O, 0, 1)·255, for models trained on a known linear scaling.
 *
 * Defaults (see {@link defaultIntensityMapping}): `dicom-window:1` for DICOM, because the window a file carries is
 * the one its modality and the radiologist chose for the anatomy it shows (a CT without it is unreadable);
 * `range:bit-depth` for 16-bit PNG/TIFF, because such files carry no window, a fixed range keeps intensities
 * comparable across images (no per-image stretch), and it is what converting them to 8 bits gave before (v/257).
 */
import { CamscopeError } from '../errors';
import type { RawImage } from './pil-resize';

export type Samples = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

/** A lookup table (PS3.3 C.11.1/C.11.2): values for inputs first, first+1, … (inputs outside clamp to the ends). */
export interface Lut {
  first: number;
  data: ArrayLike<number>;
  /** Bits of each output entry (LUT Descriptor's third value). */
  bits: number;
}

export type VoiFunction = 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID';
export type DicomVoi =
  | { kind: 'window'; center: number; width: number; fn: VoiFunction; explanation: string | null }
  | { kind: 'lut'; lut: Lut; explanation: string | null };

/** An image whose samples need a mapping to 8 bits. */
export interface SampleImage {
  width: number;
  height: number;
  channels: 1 | 3;
  /** Stored values, pixel-interleaved. */
  samples: Samples;
  /** The range the stored values can take by their bit depth (e.g. −2048..2047 for 12-bit signed). */
  storedMin: number;
  storedMax: number;
  modality: { kind: 'rescale'; slope: number; intercept: number } | { kind: 'lut'; lut: Lut };
  /** VOI windows and LUTs the file lists (monochrome DICOM only). */
  windows: DicomVoi[];
  /** MONOCHROME1: low values are bright. */
  invert: boolean;
  origin: 'dicom' | 'image16';
}

export type IntensityMapping =
  | { kind: 'dicom-window'; window: number }
  | { kind: 'window'; center: number; width: number }
  | { kind: 'percentile'; low: number; high: number }
  | { kind: 'range'; of: 'bit-depth' | 'image' }
  | { kind: 'raw'; scale: number; offset: number };

/** The stable string form (numbers as JavaScript prints them, which round-trips). */
export function formatIntensityMapping(m: IntensityMapping): string {
  switch (m.kind) {
    case 'dicom-window':
      return `dicom-window:${m.window}`;
    case 'window':
      return `window:${m.center},${m.width}`;
    case 'percentile':
      return `percentile:${m.low},${m.high}`;
    case 'range':
      return `range:${m.of}`;
    case 'raw':
      return `raw:${m.scale},${m.offset}`;
  }
}

const USAGE = 'dicom-window, dicom-window:N, window:CENTER,WIDTH, percentile:LOW,HIGH, range:bit-depth, range:image or raw:SCALE,OFFSET';

/** Parses the string form; a bad one is refused in one sentence listing the forms. */
export function parseIntensityMapping(text: string): IntensityMapping {
  const bad = (why: string): CamscopeError => new CamscopeError('INVALID_ARGUMENT', `The intensity mapping "${text}" ${why}; use ${USAGE}.`);
  const [kind, rest, extra] = text.trim().split(':');
  if (extra !== undefined) throw bad('has too many parts');
  const nums = (count: number): number[] => {
    const parts = (rest ?? '').split(',');
    const values = parts.map((p) => (p.trim() === '' ? NaN : Number(p)));
    if (parts.length !== count || values.some((v) => !Number.isFinite(v))) throw bad(`needs ${count} number${count > 1 ? 's' : ''} after "${kind}:"`);
    return values;
  };
  switch (kind) {
    case 'dicom-window': {
      const window = rest === undefined ? 1 : nums(1)[0];
      if (!Number.isInteger(window) || window < 1) throw bad('needs a window number from 1');
      return { kind, window };
    }
    case 'window': {
      const [center, width] = nums(2);
      if (width < 1) throw bad('needs a width of at least 1');
      return { kind, center, width };
    }
    case 'percentile': {
      const [low, high] = nums(2);
      if (!(low >= 0 && low < high && high <= 100)) throw bad('needs 0 ≤ LOW < HIGH ≤ 100');
      return { kind, low, high };
    }
    case 'range':
      if (rest !== 'bit-depth' && rest !== 'image') throw bad('needs "bit-depth" or "image" after "range:"');
      return { kind, of: rest };
    case 'raw': {
      const [scale, offset] = nums(2);
      return { kind, scale, offset };
    }
    default:
      throw bad('is not one camscope knows');
  }
}

/** The mapping used when none is asked for (see the module comment for why). */
export function defaultIntensityMapping(img: Pick<SampleImage, 'origin'>): IntensityMapping {
  return img.origin === 'dicom' ? { kind: 'dicom-window', window: 1 } : { kind: 'range', of: 'bit-depth' };
}

/** The modality LUT (PS3.3 C.11.1): Rescale Slope/Intercept, or a Modality LUT Sequence table. */
export function modalityFunction(img: Pick<SampleImage, 'modality'>): (x: number) => number {
  const m = img.modality;
  if (m.kind === 'rescale') {
    const { slope, intercept } = m;
    return slope === 1 && intercept === 0 ? (x) => x : (x) => x * slope + intercept;
  }
  return lutFunction(m.lut);
}

function lutFunction(lut: Lut): (x: number) => number {
  const last = lut.data.length - 1;
  return (x) => lut.data[Math.min(last, Math.max(0, Math.round(x) - lut.first))];
}

/** The VOI LUT formulas of PS3.3 C.11.2.1.2.1 (LINEAR), C.11.2.1.3.1 (SIGMOID) and C.11.2.1.3.2 (LINEAR_EXACT), output 0–255. */
export function windowFunction(center: number, width: number, fn: VoiFunction = 'LINEAR'): (x: number) => number {
  if (fn === 'SIGMOID') return (x) => 255 / (1 + Math.exp((-4 * (x - center)) / width));
  if (fn === 'LINEAR_EXACT') {
    return (x) => (x <= center - width / 2 ? 0 : x > center + width / 2 ? 255 : ((x - center) / width + 0.5) * 255);
  }
  const low = center - 0.5 - (width - 1) / 2;
  const high = center - 0.5 + (width - 1) / 2;
  return (x) => (x <= low ? 0 : x > high ? 255 : ((x - (center - 0.5)) / (width - 1) + 0.5) * 255);
}

/** lo..hi → 0..255, clamped; a flat range maps everything at or below it to 0 and above it to 255. */
function rangeFunction(lo: number, hi: number): (x: number) => number {
  if (hi <= lo) return (x) => (x > lo ? 255 : 0);
  return (x) => Math.min(1, Math.max(0, (x - lo) / (hi - lo))) * 255;
}

/** The modality values of the image in ascending order, as distinct values with counts (or each value once). */
function sortedValues(img: SampleImage, m: (x: number) => number): { values: Float64Array; counts: Float64Array | null; n: number } {
  const s = img.samples;
  const span = img.storedMax - img.storedMin + 1;
  if (span <= 1 << 20) {
    const counts = new Float64Array(span);
    for (let i = 0; i < s.length; i++) counts[s[i] - img.storedMin]++;
    const present: number[] = [];
    for (let v = 0; v < span; v++) if (counts[v] > 0) present.push(v);
    const mapped = present.map((v) => ({ m: m(v + img.storedMin), c: counts[v] })).sort((a, b) => a.m - b.m);
    return { values: Float64Array.from(mapped, (e) => e.m), counts: Float64Array.from(mapped, (e) => e.c), n: s.length };
  }
  const values = Float64Array.from(s, m).sort();
  return { values, counts: null, n: s.length };
}

/** The k-th smallest (0-based) of the sorted values. */
function orderStatistic(sorted: ReturnType<typeof sortedValues>, k: number): number {
  if (!sorted.counts) return sorted.values[k];
  let seen = 0;
  for (let i = 0; i < sorted.values.length; i++) {
    seen += sorted.counts[i];
    if (k < seen) return sorted.values[i];
  }
  return sorted.values[sorted.values.length - 1];
}

/** numpy.percentile(a, p) with its default 'linear' method, bit for bit (NumPy 1.22+). */
export function percentileOf(sorted: ReturnType<typeof sortedValues>, p: number): number {
  const n = sorted.n;
  const virtual = (n - 1) * (p / 100);
  if (virtual >= n - 1) return orderStatistic(sorted, n - 1);
  const prev = Math.floor(virtual);
  const a = orderStatistic(sorted, prev);
  const b = orderStatistic(sorted, prev + 1);
  const t = virtual - prev;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** Minimum and maximum of the modality values. */
function extent(img: SampleImage, m: (x: number) => number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  const s = img.samples;
  if (img.modality.kind === 'rescale') {
    for (let i = 0; i < s.length; i++) {
      if (s[i] < lo) lo = s[i];
      if (s[i] > hi) hi = s[i];
    }
    const [a, b] = [m(lo), m(hi)];
    return a <= b ? [a, b] : [b, a];
  }
  for (let i = 0; i < s.length; i++) {
    const v = m(s[i]);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** Range of the modality output over every storable value. */
function bitDepthRange(img: SampleImage, m: (x: number) => number): [number, number] {
  if (img.modality.kind === 'lut') return [0, 2 ** img.modality.lut.bits - 1];
  const [a, b] = [m(img.storedMin), m(img.storedMax)];
  return a <= b ? [a, b] : [b, a];
}

/** A linear window in modality units (e.g. Hounsfield): what a viewer's level/width drag starts from. */
export interface LinearWindow {
  center: number;
  width: number;
}

/** The window of lo..hi (a range or percentile mapping is one too). */
function windowOfRange(lo: number, hi: number): LinearWindow {
  return { center: (lo + hi) / 2, width: Math.max(1, hi - lo) };
}

/**
 * y(x) in 0–255 (unrounded) for the mapping, and the linear window it amounts to (null for a LUT or a sigmoid);
 * `file` names the image in the error for a window it lacks.
 */
function mappingFunction(img: SampleImage, mapping: IntensityMapping, m: (x: number) => number, file: string): { f: (v: number) => number; window: LinearWindow | null } {
  switch (mapping.kind) {
    case 'dicom-window': {
      if (img.windows.length === 0) {
        const monochromeDicom = img.origin === 'dicom' && img.channels === 1;
        return mappingFunction(img, { kind: 'range', of: monochromeDicom ? 'image' : 'bit-depth' }, m, file);
      }
      const voi = img.windows[mapping.window - 1];
      if (!voi) {
        throw new CamscopeError('INVALID_ARGUMENT', `Window ${mapping.window} does not exist: ${file} lists ${img.windows.length} window${img.windows.length > 1 ? 's' : ''}, numbered from 1.`);
      }
      if (voi.kind === 'window') {
        return { f: windowFunction(voi.center, voi.width, voi.fn), window: voi.fn === 'SIGMOID' ? null : { center: voi.center, width: voi.width } };
      }
      const lut = lutFunction(voi.lut);
      const scale = 255 / (2 ** voi.lut.bits - 1);
      return { f: (v) => lut(v) * scale, window: null };
    }
    case 'window':
      return { f: windowFunction(mapping.center, mapping.width), window: { center: mapping.center, width: mapping.width } };
    case 'percentile': {
      const sorted = sortedValues(img, m);
      const [lo, hi] = [percentileOf(sorted, mapping.low), percentileOf(sorted, mapping.high)];
      return { f: rangeFunction(lo, hi), window: windowOfRange(lo, hi) };
    }
    case 'range': {
      const [lo, hi] = mapping.of === 'image' ? extent(img, m) : bitDepthRange(img, m);
      return { f: rangeFunction(lo, hi), window: windowOfRange(lo, hi) };
    }
    case 'raw': {
      const { scale, offset } = mapping;
      const f = (v: number): number => Math.min(1, Math.max(0, v * scale + offset)) * 255;
      // v·scale + offset runs from 0 to 1 over −offset/scale … (1 − offset)/scale (reversed for a negative scale).
      const window = scale > 0 ? windowOfRange(-offset / scale, (1 - offset) / scale) : null;
      return { f, window };
    }
  }
}

/** The range of modality values the image's bit depth can hold (a window drag stays within it). */
export function modalityRange(img: SampleImage): [number, number] {
  return bitDepthRange(img, modalityFunction(img));
}

/**
 * Maps the image to 8-bit RGB (grey replicated into three channels, as every decode returns). Stored ranges up
 * to 2^20 values go through a table built once per image; wider ones (32-bit) are mapped pixel by pixel.
 */
export function mapIntensity(img: SampleImage, mapping: IntensityMapping, file = 'this image'): RawImage {
  return mapIntensityWindowed(img, mapping, file).pixels;
}

/** mapIntensity, and the linear window the mapping amounted to on this image (null where it is not linear). */
export function mapIntensityWindowed(img: SampleImage, mapping: IntensityMapping, file = 'this image'): { pixels: RawImage; window: LinearWindow | null } {
  const m = modalityFunction(img);
  const { f, window } = mappingFunction(img, mapping, m, file);
  const byte = (x: number): number => {
    const y = Math.floor(f(m(x)) + 0.5);
    const clamped = y < 0 ? 0 : y > 255 ? 255 : y;
    return img.invert ? 255 - clamped : clamped;
  };
  const { samples, channels, width, height } = img;
  const n = width * height;
  const out = new Uint8Array(n * 3);
  const span = img.storedMax - img.storedMin + 1;
  if (span <= 1 << 20) {
    const table = new Uint8Array(span);
    for (let i = 0; i < span; i++) table[i] = byte(i + img.storedMin);
    const min = img.storedMin;
    if (channels === 3) for (let i = 0; i < n * 3; i++) out[i] = table[samples[i] - min];
    else for (let i = 0, o = 0; i < n; i++, o += 3) out[o] = out[o + 1] = out[o + 2] = table[samples[i] - min];
  } else if (channels === 3) {
    for (let i = 0; i < n * 3; i++) out[i] = byte(samples[i]);
  } else {
    for (let i = 0, o = 0; i < n; i++, o += 3) out[o] = out[o + 1] = out[o + 2] = byte(samples[i]);
  }
  return { pixels: { data: out, width, height, channels: 3 }, window };
}
