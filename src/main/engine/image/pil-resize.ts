/**
 * Bit-exact port of Pillow's bilinear resampling for 8-bit images
 * (`Image.resize(size, Image.BILINEAR)`, libImaging/Resample.c).
 *
 * torchvision's `transforms.Resize` on PIL images calls exactly this, so matching it byte for
 * byte lets camscope reproduce PyTorch reference preprocessing.
 *
 * Algorithm (as in Resample.c, default box = whole image, no `reducing_gap`):
 *  - `precompute_coeffs` per axis: scale = in/out, filterscale = max(1, scale) (the filter is
 *    stretched when downscaling, i.e. antialiased), support = 1.0 * filterscale; for each output
 *    pixel, center = (x + 0.5) * scale, taps xmin..xmax = trunc(center ± support + 0.5) clamped,
 *    weights = triangle((x + xmin - center + 0.5) / filterscale) normalised to sum 1.
 *  - `normalize_coeffs_8bpc`: weights → fixed point with PRECISION_BITS = 32 - 8 - 2 = 22,
 *    `trunc(w * 2^22 ± 0.5)`.
 *  - a horizontal pass then a vertical pass; each accumulates from `1 << 21` (rounding), then
 *    clips `sum >> 22` to [0, 255]. A pass is skipped when its dimension does not change.
 *
 * Channels are resampled independently (Pillow's behaviour for L/RGB/RGBX/CMYK). Note that
 * Pillow premultiplies alpha for LA/RGBA before resizing; this function does not.
 */

/** Interleaved 8-bit image: data.length === width*height*channels. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

const PRECISION_BITS = 32 - 8 - 2; // 22
const ONE = 1 << PRECISION_BITS; // 4194304
const HALF = 1 << (PRECISION_BITS - 1); // rounding offset
const CLIP_HIGH = ONE << 8; // 2^30: any sum at or above this clips to 255

/** Integer coefficients for one axis, as produced by precompute_coeffs + normalize_coeffs_8bpc. */
interface AxisCoeffs {
  /** Taps per output pixel (row stride of `kk`). */
  ksize: number;
  /** First input index for each output pixel. */
  xmin: Int32Array;
  /** Number of taps for each output pixel. */
  count: Int32Array;
  /** outSize * ksize fixed-point weights (22 fractional bits). */
  kk: Int32Array;
}

function bilinearFilter(x: number): number {
  if (x < 0.0) x = -x;
  if (x < 1.0) return 1.0 - x;
  return 0.0;
}

function precomputeCoeffs(inSize: number, outSize: number): AxisCoeffs {
  const support0 = 1.0; // bilinear filter support
  // Pillow computes (double)(in1 - in0) / outSize with in0 = 0, in1 = inSize (exact as float).
  const scale = inSize / outSize;
  const filterscale = scale < 1.0 ? 1.0 : scale;
  const support = support0 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;

  const xminArr = new Int32Array(outSize);
  const countArr = new Int32Array(outSize);
  const kk = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1.0 / filterscale;

  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale; // in0 + (xx + 0.5) * scale, in0 = 0
    let ww = 0.0;
    // C's (int) cast truncates toward zero.
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    for (let x = 0; x < xmax; x++) {
      const w = bilinearFilter((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    const base = xx * ksize;
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0.0 ? k[x] / ww : k[x];
      // normalize_coeffs_8bpc: (int)(±0.5 + v * (1 << PRECISION_BITS)), truncating toward zero.
      kk[base + x] = v < 0 ? Math.trunc(-0.5 + v * ONE) : Math.trunc(0.5 + v * ONE);
    }
    // Remaining entries of the row stay 0 (Int32Array is zero-initialised).
    xminArr[xx] = xmin;
    countArr[xx] = xmax;
  }
  return { ksize, xmin: xminArr, count: countArr, kk };
}

/** clip8 from Resample.c: (sum >> 22) clamped to [0, 255]. */
function clip8(ss: number): number {
  if (ss >= CLIP_HIGH) return 255;
  if (ss <= 0) return 0;
  return ss >> PRECISION_BITS; // ss < 2^30 here, so int32 shift is exact
}

function resampleHorizontal(
  src: Uint8Array,
  inWidth: number,
  height: number,
  channels: number,
  outWidth: number,
  c: AxisCoeffs,
): Uint8Array {
  const out = new Uint8Array(outWidth * height * channels);
  const { ksize, xmin, count, kk } = c;
  const inStride = inWidth * channels;
  if (channels === 1) {
    for (let y = 0; y < height; y++) {
      const row = y * inStride;
      let o = y * outWidth;
      for (let xx = 0; xx < outWidth; xx++) {
        const n = count[xx];
        const kb = xx * ksize;
        let p = row + xmin[xx];
        let s0 = HALF;
        for (let x = 0; x < n; x++, p++) s0 += src[p] * kk[kb + x];
        out[o++] = clip8(s0);
      }
    }
  } else if (channels === 3) {
    for (let y = 0; y < height; y++) {
      const row = y * inStride;
      let o = y * outWidth * 3;
      for (let xx = 0; xx < outWidth; xx++) {
        const n = count[xx];
        const kb = xx * ksize;
        let p = row + xmin[xx] * 3;
        let s0 = HALF;
        let s1 = HALF;
        let s2 = HALF;
        for (let x = 0; x < n; x++, p += 3) {
          const w = kk[kb + x];
          s0 += src[p] * w;
          s1 += src[p + 1] * w;
          s2 += src[p + 2] * w;
        }
        out[o++] = clip8(s0);
        out[o++] = clip8(s1);
        out[o++] = clip8(s2);
      }
    }
  } else {
    for (let y = 0; y < height; y++) {
      const row = y * inStride;
      let o = y * outWidth * channels;
      for (let xx = 0; xx < outWidth; xx++) {
        const n = count[xx];
        const kb = xx * ksize;
        const p0 = row + xmin[xx] * channels;
        for (let ch = 0; ch < channels; ch++) {
          let s = HALF;
          let p = p0 + ch;
          for (let x = 0; x < n; x++, p += channels) s += src[p] * kk[kb + x];
          out[o++] = clip8(s);
        }
      }
    }
  }
  return out;
}

function resampleVertical(
  src: Uint8Array,
  width: number,
  channels: number,
  outHeight: number,
  c: AxisCoeffs,
): Uint8Array {
  const rowLen = width * channels;
  const out = new Uint8Array(rowLen * outHeight);
  const { ksize, xmin, count, kk } = c;
  for (let yy = 0; yy < outHeight; yy++) {
    const n = count[yy];
    const kb = yy * ksize;
    const first = xmin[yy] * rowLen;
    const o = yy * rowLen;
    for (let i = 0; i < rowLen; i++) {
      let s = HALF;
      let p = first + i;
      for (let y = 0; y < n; y++, p += rowLen) s += src[p] * kk[kb + y];
      out[o + i] = clip8(s);
    }
  }
  return out;
}

function checkDim(name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new RangeError(`resizeBilinearPil: ${name} must be a positive integer, got ${v}`);
}

/**
 * Resize an 8-bit interleaved image exactly like Pillow's `Image.resize((outWidth, outHeight),
 * Image.BILINEAR)`. Returns a new image (the input is never modified, even when no pass runs).
 */
export function resizeBilinearPil(img: RawImage, outWidth: number, outHeight: number): RawImage {
  const { data, width, height, channels } = img;
  checkDim('width', width);
  checkDim('height', height);
  checkDim('channels', channels);
  checkDim('outWidth', outWidth);
  checkDim('outHeight', outHeight);
  if (data.length !== width * height * channels) {
    throw new RangeError(
      `resizeBilinearPil: data.length ${data.length} !== width*height*channels ${width * height * channels}`,
    );
  }

  let buf = data;
  if (outWidth !== width) {
    // Pillow only resamples the rows the vertical pass will read; every row is computed
    // identically, so resampling all rows gives the same result.
    buf = resampleHorizontal(buf, width, height, channels, outWidth, precomputeCoeffs(width, outWidth));
  }
  if (outHeight !== height) {
    buf = resampleVertical(buf, outWidth, channels, outHeight, precomputeCoeffs(height, outHeight));
  }
  if (buf === data) buf = data.slice();
  return { data: buf, width: outWidth, height: outHeight, channels };
}
