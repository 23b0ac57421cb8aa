/**
 * A BMP decoder (sharp's libvips has none). It reads what real files use: uncompressed BI_RGB at 1, 4, 8 (palette),
 * 16 (5-5-5), 24 and 32 bits (the fourth byte unused, as Pillow reads it), BI_BITFIELDS / BI_ALPHABITFIELDS at 16 and
 * 32 bits with any contiguous masks, the Windows 40/52/56/108/124-byte headers and the OS/2 12-byte header, bottom-up
 * and top-down rows. Run-length (RLE4/RLE8), embedded JPEG/PNG and CMYK bitmaps are refused in one sentence.
 *
 * The result is 8-bit RGB like every other decode: an alpha channel (from an alpha mask) is flattened onto white
 * with sharp's own rounding, floor((c·a + 255·(255 − a)) / 255), unless every pixel's alpha is 0 (writers that
 * leave the alpha byte zeroed mean "opaque"). Verified against Pillow on fixtures made by
 * test/fixtures/images/make_bmp_fixtures.py.
 */
import type { RawImage } from './pil-resize';

/** Why a BMP cannot be decoded, in words that complete "<file> is …" (see decode.ts, which adds the file name). */
export class BmpError extends Error {
  constructor(
    readonly kind: 'incomplete' | 'damaged' | 'unsupported' | 'too-large',
    detail: string,
    /** The header's size (for 'too-large'). */
    readonly size?: { width: number; height: number },
  ) {
    super(detail);
    this.name = 'BmpError';
  }
}

export interface BmpHeader {
  width: number;
  height: number;
  bitsPerPixel: number;
  compression: number;
  topDown: boolean;
}

const BI_RGB = 0;
const BI_RLE8 = 1;
const BI_RLE4 = 2;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

const COMPRESSION_NAMES: Record<number, string> = {
  [BI_RLE8]: 'run-length (RLE8) compressed',
  [BI_RLE4]: 'run-length (RLE4) compressed',
  4: 'JPEG-compressed',
  5: 'PNG-compressed',
  11: 'CMYK',
  12: 'CMYK run-length (RLE8) compressed',
  13: 'CMYK run-length (RLE4) compressed',
};

export function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

interface Layout extends BmpHeader {
  headerSize: number;
  dataOffset: number;
  masks: [number, number, number, number] | null;
  palette: Uint8Array | null;
  paletteEntries: number;
}

function parse(bytes: Uint8Array): Layout {
  if (!isBmp(bytes)) throw new BmpError('damaged', 'not a BMP file (it does not start with "BM")');
  if (bytes.length < 26) throw new BmpError('incomplete', 'an incomplete BMP file (it ends inside its header)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  let width: number;
  let height: number;
  let bitsPerPixel: number;
  let compression = BI_RGB;
  let colorsUsed = 0;
  if (headerSize === 12) {
    width = view.getUint16(18, true);
    height = view.getUint16(20, true);
    bitsPerPixel = view.getUint16(24, true);
  } else if ([40, 52, 56, 64, 108, 124].includes(headerSize)) {
    if (bytes.length < 14 + 40) throw new BmpError('incomplete', 'an incomplete BMP file (it ends inside its header)');
    width = view.getInt32(18, true);
    height = view.getInt32(22, true);
    bitsPerPixel = view.getUint16(28, true);
    compression = view.getUint32(30, true);
    colorsUsed = view.getUint32(46, true);
  } else {
    throw new BmpError('unsupported', `a BMP file with an unknown ${headerSize}-byte header`);
  }
  const topDown = height < 0;
  height = Math.abs(height);
  if (width <= 0 || height <= 0) throw new BmpError('damaged', `a damaged BMP file (its header says ${width}×${height} pixels)`);
  if (COMPRESSION_NAMES[compression]) {
    throw new BmpError('unsupported', `a ${COMPRESSION_NAMES[compression]} BMP file, which camscope cannot read`);
  }
  if (compression !== BI_RGB && compression !== BI_BITFIELDS && compression !== BI_ALPHABITFIELDS) {
    throw new BmpError('unsupported', `a BMP file with unknown compression ${compression}`);
  }
  if (![1, 4, 8, 16, 24, 32].includes(bitsPerPixel)) {
    throw new BmpError('unsupported', `a ${bitsPerPixel}-bit BMP file, which camscope cannot read`);
  }
  if (compression !== BI_RGB && bitsPerPixel !== 16 && bitsPerPixel !== 32) {
    throw new BmpError('damaged', `a damaged BMP file (bit-field masks on ${bitsPerPixel}-bit pixels)`);
  }

  let masks: Layout['masks'] = null;
  let afterHeader = 14 + headerSize;
  if (compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS) {
    // The masks sit right after the 40-byte part of the header: inside the larger headers, after the 40-byte one.
    const count = compression === BI_ALPHABITFIELDS || headerSize >= 56 ? 4 : 3;
    if (bytes.length < 54 + 4 * count) throw new BmpError('incomplete', 'an incomplete BMP file (it ends inside its header)');
    masks = [view.getUint32(54, true), view.getUint32(58, true), view.getUint32(62, true), count === 4 ? view.getUint32(66, true) : 0];
    if (headerSize === 40) afterHeader += 4 * count;
  } else if (bitsPerPixel === 16) {
    masks = [0x7c00, 0x03e0, 0x001f, 0];
  } else if (bitsPerPixel === 32) {
    masks = [0x00ff0000, 0x0000ff00, 0x000000ff, 0]; // BI_RGB: the fourth byte is not alpha
  }

  let palette: Uint8Array | null = null;
  let paletteEntries = 0;
  if (bitsPerPixel <= 8) {
    const entrySize = headerSize === 12 ? 3 : 4;
    const max = 1 << bitsPerPixel;
    paletteEntries = colorsUsed > 0 && colorsUsed <= max ? colorsUsed : max;
    // Some writers claim more entries than fit before the pixels: read what is there.
    const room = Math.floor(((dataOffset > afterHeader ? dataOffset : bytes.length) - afterHeader) / entrySize);
    paletteEntries = Math.max(0, Math.min(paletteEntries, room));
    if (paletteEntries === 0) throw new BmpError('damaged', `a damaged BMP file (its ${bitsPerPixel}-bit pixels have no colour table)`);
    palette = new Uint8Array(paletteEntries * 3);
    for (let i = 0; i < paletteEntries; i++) {
      const at = afterHeader + i * entrySize;
      palette[3 * i] = bytes[at + 2];
      palette[3 * i + 1] = bytes[at + 1];
      palette[3 * i + 2] = bytes[at];
    }
  }
  return { width, height, bitsPerPixel, compression, topDown, headerSize, dataOffset, masks, palette, paletteEntries };
}

/** The size and kind of a BMP, from its header only (nothing is decoded). */
export function readBmpHeader(bytes: Uint8Array): BmpHeader {
  const { width, height, bitsPerPixel, compression, topDown } = parse(bytes);
  return { width, height, bitsPerPixel, compression, topDown };
}

/** Shift and width of a contiguous bit mask (0 for an empty mask). */
function maskShape(mask: number): { shift: number; max: number } {
  if (mask === 0) return { shift: 0, max: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  if ((max & (max + 1)) !== 0) throw new BmpError('unsupported', 'a BMP file with non-contiguous colour masks, which camscope cannot read');
  return { shift, max };
}

/** A lookup from an n-bit channel value to 8 bits: the value·255/max, truncated, as Pillow reads 5- and 6-bit fields. */
function scaleTable(max: number): Uint8Array {
  const t = new Uint8Array(max + 1);
  for (let v = 0; v <= max; v++) t[v] = Math.floor((v * 255) / max);
  return t;
}

/**
 * Decodes a BMP to interleaved 8-bit RGB. `maxPixels` is checked on the header before any pixel memory is taken.
 * Throws {@link BmpError} (its message completes "<file> is …").
 */
export function decodeBmp(bytes: Uint8Array, maxPixels: number): RawImage {
  const h = parse(bytes);
  const { width, height, bitsPerPixel: bpp } = h;
  if (width * height > maxPixels) throw new BmpError('too-large', `${width}×${height} pixels`, { width, height });
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  if (h.dataOffset < 14 + h.headerSize || h.dataOffset > bytes.length) {
    throw new BmpError('damaged', 'a damaged BMP file (its pixel data offset points outside the file)');
  }
  if (h.dataOffset + stride * height > bytes.length) {
    throw new BmpError('incomplete', 'an incomplete BMP file (it ends before its pixel data does)');
  }
  const out = new Uint8Array(width * height * 3);
  const rgba = h.masks && h.masks[3] !== 0 ? new Uint8Array(width * height) : null;
  let alphaSeen = false;

  const fields = h.masks?.map(maskShape) ?? null;
  const tables = fields?.map((f) => (f.max > 0 ? scaleTable(f.max) : null)) ?? null;

  for (let row = 0; row < height; row++) {
    const y = h.topDown ? row : height - 1 - row;
    const src = h.dataOffset + row * stride;
    let dst = y * width * 3;
    if (h.palette) {
      const pal = h.palette;
      const perByte = 8 / bpp;
      const mask = (1 << bpp) - 1;
      for (let x = 0; x < width; x++) {
        const byte = bytes[src + Math.floor(x / perByte)];
        const idx = (byte >> ((perByte - 1 - (x % perByte)) * bpp)) & mask;
        // An index past the colour table is black (as Pillow's palette reads it).
        if (idx < h.paletteEntries) {
          out[dst] = pal[3 * idx];
          out[dst + 1] = pal[3 * idx + 1];
          out[dst + 2] = pal[3 * idx + 2];
        }
        dst += 3;
      }
    } else if (bpp === 24) {
      for (let x = 0; x < width; x++) {
        const s = src + 3 * x;
        out[dst] = bytes[s + 2];
        out[dst + 1] = bytes[s + 1];
        out[dst + 2] = bytes[s];
        dst += 3;
      }
    } else {
      const [r, g, b, a] = fields!;
      const [tr, tg, tb, ta] = tables!;
      for (let x = 0; x < width; x++) {
        const s = src + (bpp === 16 ? 2 * x : 4 * x);
        const v = bpp === 16 ? bytes[s] | (bytes[s + 1] << 8) : (bytes[s] | (bytes[s + 1] << 8) | (bytes[s + 2] << 16) | (bytes[s + 3] << 24)) >>> 0;
        out[dst] = tr ? tr[(v >>> r.shift) & r.max] : 0;
        out[dst + 1] = tg ? tg[(v >>> g.shift) & g.max] : 0;
        out[dst + 2] = tb ? tb[(v >>> b.shift) & b.max] : 0;
        if (rgba && ta) {
          const alpha = ta[(v >>> a.shift) & a.max];
          rgba[y * width + x] = alpha;
          if (alpha !== 0) alphaSeen = true;
        }
        dst += 3;
      }
    }
  }
  if (rgba && alphaSeen) {
    for (let i = 0; i < rgba.length; i++) {
      const alpha = rgba[i];
      if (alpha === 255) continue;
      for (let c = 0; c < 3; c++) out[3 * i + c] = Math.floor((out[3 * i + c] * alpha + 255 * (255 - alpha)) / 255);
    }
  }
  return { data: out, width, height, channels: 3 };
}
