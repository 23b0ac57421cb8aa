/**
 * DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header of 16 little-endian uint32s (segment count, then up to 15
 * segment offsets), then one PackBits segment per byte plane: for each sample, its most significant byte first.
 * Each header byte n of a segment is a literal run of n+1 bytes (0 ≤ n ≤ 127), a replicate run of the next byte
 * 1−n times (−127 ≤ n ≤ −1), or nothing (−128).
 */
import type { DecodedFrame, FrameShape } from './frame';

class RleError extends Error {}

/** Decodes one PackBits segment into `out` (exactly out.length bytes). */
function decodeSegment(data: Uint8Array, start: number, end: number, out: Uint8Array): void {
  let i = start;
  let o = 0;
  while (o < out.length) {
    if (i >= end) throw new RleError(`an RLE segment ends after ${o} of its ${out.length} bytes`);
    const n = (data[i++] << 24) >> 24;
    if (n >= 0) {
      const count = n + 1;
      if (i + count > end || o + count > out.length) throw new RleError('an RLE literal run overruns its segment');
      out.set(data.subarray(i, i + count), o);
      i += count;
      o += count;
    } else if (n !== -128) {
      const count = 1 - n;
      if (i >= end || o + count > out.length) throw new RleError('an RLE replicate run overruns its segment');
      out.fill(data[i++], o, o + count);
      o += count;
    }
  }
}

export function decodeRle(data: Uint8Array, shape: FrameShape): DecodedFrame {
  const { width, height, components, bitsAllocated } = shape;
  if (data.length < 64) throw new RleError('an RLE frame is shorter than its header');
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  const segments = view.getUint32(0, true);
  const bytesPer = bitsAllocated / 8;
  if (!Number.isInteger(bytesPer) || segments !== components * bytesPer) {
    throw new RleError(`an RLE frame has ${segments} segments where ${components} samples of ${bitsAllocated} bits need ${components * bytesPer}`);
  }
  const offsets = Array.from({ length: segments }, (_, s) => view.getUint32(4 + 4 * s, true));
  const n = width * height;
  const plane = new Uint8Array(n);
  const samples = bytesPer === 1 ? new Uint8Array(n * components) : bytesPer === 2 ? new Uint16Array(n * components) : new Uint32Array(n * components);
  for (let s = 0; s < segments; s++) {
    const end = s + 1 < segments ? offsets[s + 1] : data.length;
    if (offsets[s] < 64 || end > data.length || end < offsets[s]) throw new RleError('an RLE segment offset points outside its frame');
    decodeSegment(data, offsets[s], end, plane);
    const c = Math.floor(s / bytesPer);
    const shift = 8 * (bytesPer - 1 - (s % bytesPer));
    for (let i = 0; i < n; i++) samples[i * components + c] += plane[i] * 2 ** shift;
  }
  return { samples, width, height, components, bitsPerSample: bitsAllocated, signed: false, planar: false, colourConverted: false };
}
