/** Plain typed-array numerics shared by methods and metrics. No magic: each function says its layout. */

/** Precomputed 1-D bilinear sampling positions for a resize from `inSize` to `outSize` with half-pixel centres. */
export interface AxisSampling {
  i0: Int32Array;
  i1: Int32Array;
  w0: Float32Array;
  w1: Float32Array;
}

/** PyTorch `interpolate(mode='bilinear', align_corners=False)` / OpenCV INTER_LINEAR sampling along one axis. */
export function axisSampling(inSize: number, outSize: number): AxisSampling {
  const s = { i0: new Int32Array(outSize), i1: new Int32Array(outSize), w0: new Float32Array(outSize), w1: new Float32Array(outSize) };
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = Math.max(0, (o + 0.5) * scale - 0.5);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const frac = src - i0;
    s.i0[o] = i0;
    s.i1[o] = Math.min(i0 + 1, inSize - 1);
    s.w1[o] = frac;
    s.w0[o] = 1 - frac;
  }
  return s;
}

export interface Resampler {
  readonly inH: number;
  readonly inW: number;
  readonly outH: number;
  readonly outW: number;
  /** Bilinear resize of one [inH, inW] plane (at `offset` in `src`) into `out` ([outH, outW]). */
  resize(src: Float32Array, offset: number, out: Float32Array): Float32Array;
}

/** A reusable bilinear resampler (half-pixel centres) for maps of one size. */
export function bilinearResampler(inH: number, inW: number, outH: number, outW: number): Resampler {
  const ys = axisSampling(inH, outH);
  const xs = axisSampling(inW, outW);
  // Separable: interpolate each input row horizontally once, then blend pairs of those rows per output row.
  const rows = new Float32Array(inH * outW);
  return {
    inH, inW, outH, outW,
    resize(src, offset, out) {
      for (let r = 0; r < inH; r++) {
        const s = offset + r * inW;
        const o = r * outW;
        for (let x = 0; x < outW; x++) rows[o + x] = xs.w0[x] * src[s + xs.i0[x]] + xs.w1[x] * src[s + xs.i1[x]];
      }
      for (let y = 0; y < outH; y++) {
        const r0 = ys.i0[y] * outW;
        const r1 = ys.i1[y] * outW;
        const wy0 = ys.w0[y], wy1 = ys.w1[y];
        const o = y * outW;
        for (let x = 0; x < outW; x++) out[o + x] = wy0 * rows[r0 + x] + wy1 * rows[r1 + x];
      }
      return out;
    },
  };
}

/** Softmax of one row of logits, computed in float64 with the max subtracted. */
export function softmax(logits: ArrayLike<number>, offset = 0, length = logits.length - offset): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < length; i++) max = Math.max(max, logits[offset + i]);
  const out = new Float64Array(length);
  let sum = 0;
  for (let i = 0; i < length; i++) {
    out[i] = Math.exp(logits[offset + i] - max);
    sum += out[i];
  }
  for (let i = 0; i < length; i++) out[i] /= sum;
  return out;
}

export function minMax(values: ArrayLike<number>, offset = 0, length = values.length - offset): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = offset; i < offset + length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

export function hasNonFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return true;
  return false;
}
