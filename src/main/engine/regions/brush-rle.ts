/**
 * Label Studio's brush RLE (label-studio-converter `brush.py`, after thi.ng's rle-pack): a big-endian bit stream of
 * a 32-bit value count, a 5-bit word size − 1, four 4-bit run-length field sizes − 1, then chunks: 1 bit "repeat",
 * 2 bits choosing the run-length field, the run length − 1 in that many bits, and then one word (repeat) or that
 * many words (literal). The values are the RGBA bytes of the image, row by row; the alpha byte marks the brush.
 */

export function decodeBrushRle(bytes: ArrayLike<number>): Uint8Array {
  let bit = 0;
  const total = bytes.length * 8;
  const read = (n: number): number => {
    if (bit + n > total) throw new Error('the brush RLE ends before its last value');
    let v = 0;
    for (let k = 0; k < n; k++, bit++) v = v * 2 + ((bytes[bit >> 3] >> (7 - (bit & 7))) & 1);
    return v;
  };
  const count = read(32);
  const wordSize = read(5) + 1;
  const runSizes = [read(4) + 1, read(4) + 1, read(4) + 1, read(4) + 1];
  const out = new Uint8Array(count);
  let i = 0;
  while (i < count) {
    const repeat = read(1);
    const j = i + 1 + read(runSizes[read(2)]);
    if (j > count) throw new Error('a brush RLE run goes past its last value');
    if (repeat) {
      out.fill(read(wordSize), i, j);
      i = j;
    } else {
      for (; i < j; i++) out[i] = read(wordSize);
    }
  }
  return out;
}

/** The brush of a width × height image: 1 where the alpha byte (every fourth value) is non-zero. */
export function brushMask(rle: ArrayLike<number>, width: number, height: number): Uint8Array {
  const rgba = decodeBrushRle(rle);
  if (rgba.length !== width * height * 4) throw new Error(`the brush RLE holds ${rgba.length} values, not 4 × ${width} × ${height}`);
  const mask = new Uint8Array(width * height);
  for (let p = 0; p < mask.length; p++) if (rgba[4 * p + 3]) mask[p] = 1;
  return mask;
}
