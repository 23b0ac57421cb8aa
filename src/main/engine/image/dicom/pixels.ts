/**
 * From a frame's bytes (native) or a codec's output (compressed) to stored sample values: byte order, 1-bit
 * unpacking, Bits Stored masking with two's-complement sign extension for Pixel Representation 1 (PS3.5 §8.1.1),
 * planar configuration, YBR_FULL/YBR_FULL_422 to RGB (PS3.3 C.7.6.3.1.2) and Palette Color lookups.
 */
import type { Samples, SampleImage } from '../intensity';
import type { DecodedFrame } from './frame';
import type { PixelModule } from './module';

/** Samples per pixel as stored: YBR_FULL_422 native data holds two luma and two chroma samples per two pixels. */
export function storedSamplesPerPixel(pm: PixelModule): number {
  return pm.photometric === 'YBR_FULL_422' ? 2 : pm.samplesPerPixel;
}

/** One native frame's size in bits. */
export function nativeFrameBits(pm: PixelModule): number {
  return pm.rows * pm.columns * storedSamplesPerPixel(pm) * pm.bitsAllocated;
}

/** Container values of a native frame (before masking), in stored order. */
export function nativeContainers(bytes: Uint8Array, bitOffset: number, pm: PixelModule, littleEndian: boolean, vr: string | undefined): Uint8Array | Uint16Array | Uint32Array {
  const n = pm.rows * pm.columns * storedSamplesPerPixel(pm);
  if (pm.bitsAllocated === 1) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const bit = bitOffset + i;
      out[i] = (bytes[bit >> 3] >> (bit & 7)) & 1; // least significant bit first (PS3.5 §8.1.1)
    }
    return out;
  }
  if (pm.bitsAllocated === 8) {
    // Big endian OW data is byte-swapped in 16-bit words even when each sample is one byte.
    if (!littleEndian && vr === 'OW') return Uint8Array.from({ length: n }, (_, i) => bytes[i ^ 1]);
    return bytes.slice(0, n);
  }
  const size = pm.bitsAllocated / 8;
  const copy = bytes.slice(0, n * size); // aligned, and ours to byte-swap in place
  if (!littleEndian) {
    for (let i = 0; i < copy.length; i += size) copy.subarray(i, i + size).reverse();
  }
  return size === 2 ? new Uint16Array(copy.buffer, 0, n) : new Uint32Array(copy.buffer, 0, n);
}

/** Stored values: the low Bits Stored bits of each container, sign-extended when the pixel data is signed. */
function storedValues(raw: ArrayLike<number>, bitsStored: number, signed: boolean): Samples {
  const n = raw.length;
  const out: Samples = signed
    ? bitsStored <= 8 ? new Int8Array(n) : bitsStored <= 16 ? new Int16Array(n) : new Int32Array(n)
    : bitsStored <= 8 ? new Uint8Array(n) : bitsStored <= 16 ? new Uint16Array(n) : new Uint32Array(n);
  if (bitsStored >= 32) {
    for (let i = 0; i < n; i++) out[i] = raw[i]; // the typed array wraps to two's complement or keeps it unsigned
    return out;
  }
  // Shifting the stored bits to the top of a 32-bit int and back drops the unused high bits and sign-extends.
  const up = 32 - bitsStored;
  if (signed) for (let i = 0; i < n; i++) out[i] = (raw[i] << up) >> up;
  else for (let i = 0; i < n; i++) out[i] = (raw[i] << up) >>> up;
  return out;
}

function interleave(planar: Samples, pixels: number, components: number): Samples {
  const out = new (planar.constructor as new (n: number) => Samples)(planar.length);
  for (let c = 0; c < components; c++) for (let i = 0; i < pixels; i++) out[i * components + c] = planar[c * pixels + i];
  return out;
}

/** YBR_FULL_422 native samples (Y1 Y2 Cb Cr per pair of pixels) to YBR_FULL (Y Cb Cr per pixel). */
function upsample422(s: Samples, pm: PixelModule): Samples {
  const n = pm.rows * pm.columns;
  const out = new (s.constructor as new (n: number) => Samples)(n * 3);
  for (let p = 0; p < n; p += 2) {
    const at = p * 2;
    for (let k = 0; k < 2 && p + k < n; k++) {
      out[3 * (p + k)] = s[at + k];
      out[3 * (p + k) + 1] = s[at + 2];
      out[3 * (p + k) + 2] = s[at + 3];
    }
  }
  return out;
}

/** YBR_FULL → RGB with the equations of PS3.3 C.7.6.3.1.2 (full range, chroma centred at half the range). */
function ybrToRgb(s: Samples, bits: number): void {
  const half = 2 ** (bits - 1);
  const max = 2 ** bits - 1;
  const clamp = (v: number): number => Math.min(max, Math.max(0, Math.floor(v + 0.5)));
  for (let i = 0; i < s.length; i += 3) {
    const y = s[i];
    const cb = s[i + 1] - half;
    const cr = s[i + 2] - half;
    s[i] = clamp(y + 1.402 * cr);
    s[i + 1] = clamp(y - ((0.114 * 1.772) / 0.587) * cb - ((0.299 * 1.402) / 0.587) * cr);
    s[i + 2] = clamp(y + 1.772 * cb);
  }
}

/** Palette Color: each index through the red, green and blue tables (PS3.3 C.7.6.3.1.5), at the tables' depth. */
function applyPalette(s: Samples, palette: NonNullable<PixelModule['palette']>): { samples: Uint16Array; bits: number } {
  const luts = [palette.red, palette.green, palette.blue];
  const out = new Uint16Array(s.length * 3);
  for (let i = 0; i < s.length; i++) {
    for (let c = 0; c < 3; c++) {
      const lut = luts[c];
      out[3 * i + c] = lut.data[Math.min(lut.data.length - 1, Math.max(0, s[i] - lut.first))];
    }
  }
  return { samples: out, bits: Math.max(...luts.map((l) => l.bits)) };
}

/**
 * Builds the {@link SampleImage} of one frame from its containers (native) or a codec's output. `decoded` says
 * whether the colour is already RGB (the codec converted it) and whether samples are planar.
 */
export function frameImage(raw: ArrayLike<number> & { length: number }, pm: PixelModule, decoded: Pick<DecodedFrame, 'planar' | 'colourConverted'> | null): SampleImage {
  const pixels = pm.rows * pm.columns;
  let samples = storedValues(raw, pm.bitsStored, pm.signed && pm.samplesPerPixel === 1);
  const planar = decoded ? decoded.planar : pm.planarConfiguration === 1;
  if (pm.samplesPerPixel === 3 && planar) samples = interleave(samples, pixels, 3);
  let bits = pm.bitsStored;
  if (!decoded && pm.photometric === 'YBR_FULL_422') samples = upsample422(samples, pm);
  if ((pm.photometric === 'YBR_FULL' || pm.photometric === 'YBR_FULL_422') && !decoded?.colourConverted) ybrToRgb(samples, bits);
  if (pm.palette) ({ samples, bits } = applyPalette(samples, pm.palette));
  const colour = pm.samplesPerPixel === 3 || pm.palette !== null;
  const signed = pm.signed && !colour;
  return {
    width: pm.columns,
    height: pm.rows,
    channels: colour ? 3 : 1,
    samples,
    storedMin: signed ? -(2 ** (bits - 1)) : 0,
    storedMax: signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1,
    modality: colour ? { kind: 'rescale', slope: 1, intercept: 0 } : pm.modalityLut ? { kind: 'lut', lut: pm.modalityLut } : { kind: 'rescale', ...pm.rescale },
    windows: colour ? [] : pm.windows,
    invert: pm.photometric === 'MONOCHROME1',
    origin: 'dicom',
  };
}
