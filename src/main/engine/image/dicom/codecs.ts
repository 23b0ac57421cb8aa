/**
 * Decoders for compressed DICOM frames, all WebAssembly or pure JavaScript so nothing needs a system library:
 * cornerstone's WASM builds of libjpeg-turbo (8-bit JPEG baseline), CharLS (JPEG-LS) and OpenJPEG (JPEG 2000),
 * the codecs OHIF decodes every compressed study with; rii-mango's jpeg-lossless-decoder-js (pure JS, JPEG
 * lossless process 14, also cornerstone's); and camscope's own RLE decoder (rle.ts). 12-bit JPEG (Extended,
 * process 4) has no decoder here and is refused.
 *
 * The WASM modules are loaded once, on first use, with require so their .wasm is found beside their JS.
 */
import { createRequire } from 'node:module';
import { DicomError } from './header';
import { decodeRle } from './rle';
import type { DecodedFrame, FrameShape } from './frame';
import type { PixelCodec } from './syntax';

export type { DecodedFrame, FrameShape };

interface EmscriptenDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned?: boolean };
  getInterleaveMode?(): number;
  delete(): void;
}
type WasmModule = Record<string, new () => EmscriptenDecoder>;

const require = createRequire(import.meta.url);
const modules = new Map<string, Promise<WasmModule>>();

/** Loads an Emscripten module once; its console output (OpenJPEG logs every header it reads) is dropped. */
function wasm(name: string): Promise<WasmModule> {
  let m = modules.get(name);
  if (!m) {
    const factory = require(name) as (options: object) => Promise<WasmModule>;
    m = factory({ print: () => {}, printErr: () => {} });
    modules.set(name, m);
  }
  return m;
}

async function runWasm(module: string, className: string, data: Uint8Array): Promise<{ info: ReturnType<EmscriptenDecoder['getFrameInfo']>; bytes: Uint8Array; interleave: number }> {
  const mod = await wasm(module);
  const decoder = new mod[className]();
  try {
    decoder.getEncodedBuffer(data.length).set(data);
    decoder.decode();
    const info = decoder.getFrameInfo();
    // Copied out: the decoded buffer is a view of WASM memory, freed with the decoder.
    const bytes = decoder.getDecodedBuffer().slice();
    return { info, bytes, interleave: decoder.getInterleaveMode?.() ?? 2 };
  } finally {
    decoder.delete();
  }
}

/** Little-endian 16-bit samples (what the WASM codecs write) as a Uint16Array. */
function as16(bytes: Uint8Array): Uint16Array {
  const copy = bytes.byteOffset % 2 === 0 ? bytes : bytes.slice();
  return new Uint16Array(copy.buffer, copy.byteOffset, copy.length >> 1);
}

/** The precision a JPEG's start-of-frame declares (8 or 12 for DCT, 2–16 for lossless), or null if none is found. */
export function jpegPrecision(b: Uint8Array): number | null {
  let i = 2;
  while (i + 4 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return b[i + 4];
    i += 2 + ((b[i + 2] << 8) | b[i + 3]);
  }
  return null;
}

/** What a JPEG's own markers say about its colour (what libjpeg reads to decide whether to convert YCbCr to RGB). */
function jpegColourMarkers(b: Uint8Array): { jfif: boolean; adobeTransform: number | null; ids: number[] } {
  let jfif = false;
  let adobeTransform: number | null = null;
  let ids: number[] = [];
  let i = 2;
  while (i + 4 <= b.length && b[i] === 0xff) {
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    const length = (b[i + 2] << 8) | b[i + 3];
    const tag = String.fromCharCode(...b.subarray(i + 4, i + 9));
    if (marker === 0xe0 && tag === 'JFIF\0') jfif = true;
    // libjpeg only takes an Adobe segment with its full 12 data bytes; a shorter one is ignored, as here.
    if (marker === 0xee && tag === 'Adobe' && length >= 14) adobeTransform = b[i + 4 + 11];
    if (marker >= 0xc0 && marker <= 0xc3) ids = Array.from({ length: b[i + 9] }, (_, c) => b[i + 10 + 3 * c]);
    if (marker === 0xda) break;
    i += 2 + length;
  }
  return { jfif, adobeTransform, ids };
}

/** Would libjpeg turn this 3-component JPEG from YCbCr to RGB (jdapimin.c default_decompress_parms)? */
function libjpegConverts(m: ReturnType<typeof jpegColourMarkers>): boolean {
  if (m.jfif) return true;
  if (m.adobeTransform !== null) return m.adobeTransform !== 0;
  return !(m.ids[0] === 0x52 && m.ids[1] === 0x47 && m.ids[2] === 0x42); // 'R','G','B' means RGB; anything else YCbCr
}

/** An Adobe APP14 segment saying "no colour transform" (version 100, transform 0). */
const ADOBE_NO_TRANSFORM = Uint8Array.from([0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00]);

/**
 * 8-bit JPEG through libjpeg-turbo. Colour follows the JPEG's own markers when they say something (JFIF, a
 * valid Adobe segment, component IDs 1-2-3 or R-G-B), and the DICOM Photometric Interpretation when they do not:
 * an RGB file whose JPEG carries unknown IDs and no marker (libjpeg would guess YCbCr) gets an Adobe "no
 * transform" segment, as pydicom tells Pillow; a YBR file whose JPEG says RGB is converted here instead.
 */
async function decodeJpegBaseline(data: Uint8Array, photometric: string): Promise<DecodedFrame> {
  const precision = jpegPrecision(data);
  if (precision !== null && precision !== 8) {
    throw new DicomError('unsupported', `holds ${precision}-bit JPEG (JPEG Extended, process 4) pixel data, which camscope cannot decode`);
  }
  let stream = data;
  const markers = jpegColourMarkers(data);
  const silent = !markers.jfif && markers.adobeTransform === null && !(markers.ids.join() === '1,2,3' || markers.ids.join() === '82,71,66');
  if (markers.ids.length === 3 && photometric === 'RGB' && silent) {
    stream = new Uint8Array(data.length + ADOBE_NO_TRANSFORM.length);
    stream.set(data.subarray(0, 2));
    stream.set(ADOBE_NO_TRANSFORM, 2);
    stream.set(data.subarray(2), 2 + ADOBE_NO_TRANSFORM.length);
  }
  const { info, bytes } = await runWasm('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs', 'JPEGDecoder', stream);
  const converted = info.componentCount === 3 && libjpegConverts(jpegColourMarkers(stream));
  return { samples: bytes, width: info.width, height: info.height, components: info.componentCount, bitsPerSample: 8, signed: false, planar: false, colourConverted: converted };
}

async function decodeJpegLs(data: Uint8Array): Promise<DecodedFrame> {
  const { info, bytes, interleave } = await runWasm('@cornerstonejs/codec-charls/decodewasmjs', 'JpegLSDecoder', data);
  const samples = info.bitsPerSample > 8 ? as16(bytes) : bytes;
  return { samples, width: info.width, height: info.height, components: info.componentCount, bitsPerSample: info.bitsPerSample, signed: false, planar: info.componentCount > 1 && interleave === 0, colourConverted: false };
}

async function decodeJpeg2000(data: Uint8Array): Promise<DecodedFrame> {
  const { info, bytes } = await runWasm('@cornerstonejs/codec-openjpeg/decodewasmjs', 'J2KDecoder', data);
  // Signed samples are kept as their two's-complement bit patterns; pixels.ts sign-extends them from Bits Stored.
  const signed = info.isSigned === true;
  const samples = info.bitsPerSample > 8 ? as16(bytes) : bytes;
  return { samples, width: info.width, height: info.height, components: info.componentCount, bitsPerSample: info.bitsPerSample, signed, planar: false, colourConverted: info.componentCount === 3 };
}

interface LosslessDecoder {
  decode(buffer: ArrayBuffer, offset: number, length: number, numBytes?: number): Uint8Array | Uint16Array;
  width?: number;
  xDim: number;
  yDim: number;
  numComp: number;
  precision: number;
}

function decodeJpegLossless(data: Uint8Array): DecodedFrame {
  const { Decoder } = require('jpeg-lossless-decoder-js') as { Decoder: new () => LosslessDecoder };
  const decoder = new Decoder();
  const samples = decoder.decode(data.buffer as ArrayBuffer, data.byteOffset, data.length);
  return { samples, width: decoder.xDim, height: decoder.yDim, components: decoder.numComp, bitsPerSample: decoder.precision, signed: false, planar: false, colourConverted: false };
}

/** Expected layout of a frame, which the RLE segments and the checks need. */

/**
 * Decodes one compressed frame. Throws {@link DicomError} with 'unsupported' for data its codec cannot read
 * (12-bit JPEG), and 'damaged' when the codec fails or its output does not have the header's size.
 */
export async function decodeCompressedFrame(codec: Exclude<PixelCodec, 'native'>, data: Uint8Array, shape: FrameShape, what: string): Promise<DecodedFrame> {
  let frame: DecodedFrame;
  try {
    if (codec === 'rle') frame = decodeRle(data, shape);
    else if (codec === 'jpeg-baseline') frame = await decodeJpegBaseline(data, shape.photometric);
    else if (codec === 'jpeg-lossless') frame = decodeJpegLossless(data);
    else if (codec === 'jpeg-ls') frame = await decodeJpegLs(data);
    else frame = await decodeJpeg2000(data);
  } catch (e) {
    if (e instanceof DicomError) throw e;
    throw new DicomError('damaged', `is a damaged DICOM file (${what} cannot be decoded)`);
  }
  if (frame.width === 0 || frame.height === 0) throw new DicomError('damaged', `is a damaged DICOM file (${what} cannot be decoded)`);
  if (frame.width !== shape.width || frame.height !== shape.height || frame.components !== shape.components) {
    throw new DicomError(
      'damaged',
      `is a damaged DICOM file (${what} decodes to ${frame.width}x${frame.height} pixels with ${frame.components} samples each, but its header says ${shape.width}x${shape.height} with ${shape.components})`,
    );
  }
  return frame;
}
