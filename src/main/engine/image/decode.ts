/**
 * Reading image files: every decode of a file the user chose goes through {@link openImageFile}, which reads the
 * file itself, says in one sentence naming the file why it cannot be used, and hands sharp (or, for BMP, camscope's
 * own decoder) the bytes. Also writes PNGs.
 *
 * Why the messages never quote libvips: its error buffer is one per process, shared by every thread (libvips'
 * error.c: "The error buffer is global, that is, it is shared between all threads"). sharp runs each job on a libuv
 * worker thread, and when a job fails it reads that buffer and then clears it. With several decodes in flight, a
 * failing job reads the messages of other files that failed at the same time (a PNG with a bad CRC reported
 * "VipsJpeg: premature end of JPEG image" from a truncated JPEG next to it), and one job's clear wipes another's
 * message ("Unknown error"). sharp's success or failure is per job and reliable; only the text is not. So the text
 * comes from what camscope itself can tell about the file: whether it could be read (permissions, I/O), what its
 * first bytes say it is, its header's size, and for JPEG and PNG whether the file is cut short or fails a checksum.
 *
 * DICOM files (recognised by content, with or without .dcm; a multi-frame file's frame named `file#N`) and 16-bit
 * PNG/TIFF keep their full bit depth until the intensity mapping (intensity.ts) makes the 8-bit pixels the
 * preprocessing uses; 8-bit images are decoded exactly as before.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { CamscopeError, errorMessage } from '../errors';
import { BmpError, decodeBmp, readBmpHeader } from './bmp';
import { isDicomFile, looksLikeDicom, openDicom, type DicomInfo } from './dicom';
import { defaultIntensityMapping, formatIntensityMapping, mapIntensityWindowed, modalityRange, type IntensityMapping, type SampleImage } from './intensity';
import type { ImageSource } from '../types';
import type { RawImage } from './pil-resize';

/** Images above this many pixels are refused before decoding (decompression-bomb guard); 100 MP by default. */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/** Files above this size are refused before they are read (a 100-megapixel 16-bit RGBA TIFF is 800 MB). */
export const MAX_IMAGE_FILE_BYTES = 1024 * 1024 * 1024;

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.gif', '.avif', '.bmp'];

/** What a file's first bytes say it is. */
export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'avif' | 'bmp' | 'dicom';

const FORMAT_NAMES: Record<ImageFormat, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  gif: 'GIF',
  webp: 'WebP',
  tiff: 'TIFF',
  avif: 'AVIF',
  bmp: 'BMP',
  dicom: 'DICOM',
};

const ascii = (b: Uint8Array, from: number, to: number): string => String.fromCharCode(...b.subarray(from, to));

/** The image format named by a file's magic bytes, or null when they are none camscope reads. */
export function sniffImageFormat(b: Uint8Array): ImageFormat | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && ascii(b, 0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (b.length >= 6 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a')) return 'gif';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'webp';
  if (b.length >= 4 && ['II*\0', 'MM\0*', 'II+\0', 'MM\0+'].includes(ascii(b, 0, 4))) return 'tiff';
  if (b.length >= 12 && ascii(b, 4, 8) === 'ftyp' && ['avif', 'avis', 'mif1', 'msf1'].includes(ascii(b, 8, 12))) return 'avif';
  if (b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d) return 'bmp';
  if (looksLikeDicom(b)) return 'dicom';
  return null;
}

/** Does the file look like text (so the message can say so)? */
function looksLikeText(b: Uint8Array): boolean {
  const head = b.subarray(0, 512);
  let printable = 0;
  for (const c of head) if (c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 0xc2) printable++;
  return head.length > 0 && printable / head.length > 0.95;
}

/** Reads a whole file. A seam for tests, which inject read errors (EACCES, EIO) that root cannot provoke. */
export const fileSystem = {
  exists: (path: string) => existsSync(path),
  stat: (path: string) => stat(path),
  readFile: (path: string) => readFile(path),
};

export function fileError(path: string, e: unknown): CamscopeError {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new CamscopeError('INVALID_ARGUMENT', `Image not found: ${path} does not exist any more, so choose the file again or remove it from the list.`);
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new CamscopeError('INVALID_IMAGE', `camscope is not allowed to read ${path}; give your user read permission on the file (or copy it to a folder you own) and try again.`, { cause: e });
  }
  const what = code ? `${code}: ${errorMessage(e)}` : errorMessage(e);
  return new CamscopeError('INVALID_IMAGE', `The file ${path} could not be read from the disk (${what}); check that the drive is connected and healthy, or copy the file again.`, { cause: e });
}

/** A file read whole, with the format its first bytes name. */
export interface ImageFileBytes {
  path: string;
  bytes: Buffer;
  format: ImageFormat;
}

/**
 * Reads an image file into memory. Refuses, in one sentence naming the file: a missing file, a folder or other
 * non-file, an empty or oversized file, a file camscope may not read or the disk could not read, and contents that
 * are no image format camscope reads.
 */
export async function readImageFile(path: string): Promise<ImageFileBytes> {
  let info;
  try {
    info = await fileSystem.stat(path);
  } catch (e) {
    throw fileError(path, e);
  }
  if (info.isDirectory()) {
    throw new CamscopeError('INVALID_IMAGE', `Not an image file: ${path} is a folder, so open the images inside it instead.`);
  }
  if (!info.isFile()) {
    throw new CamscopeError('INVALID_IMAGE', `Not an image file: ${path} is a device, pipe or socket, so choose an ordinary image file instead.`);
  }
  if (info.size === 0) {
    throw new CamscopeError('INVALID_IMAGE', `The image file is empty: ${path} has 0 bytes, so replace it with a valid image or remove it.`);
  }
  if (info.size > MAX_IMAGE_FILE_BYTES) {
    const mb = (n: number): string => `${Math.round(n / 2 ** 20)} MB`;
    throw new CamscopeError('IMAGE_TOO_LARGE', `The image file ${path} is ${mb(info.size)}, more than camscope reads (${mb(MAX_IMAGE_FILE_BYTES)}); downscale or compress it first.`);
  }
  let bytes: Buffer;
  try {
    bytes = await fileSystem.readFile(path);
  } catch (e) {
    throw fileError(path, e);
  }
  if (bytes.length === 0) {
    throw new CamscopeError('INVALID_IMAGE', `The image file is empty: ${path} has 0 bytes, so replace it with a valid image or remove it.`);
  }
  const format = sniffImageFormat(bytes);
  if (!format) {
    const kind = looksLikeText(bytes) ? 'it holds text, not JPEG, PNG, WebP, TIFF, GIF, AVIF, BMP or DICOM data' : 'its contents are not JPEG, PNG, WebP, TIFF, GIF, AVIF, BMP or DICOM data';
    throw new CamscopeError('INVALID_IMAGE', `Not a readable image: ${path} is not an image camscope can read (${kind}), so convert it to PNG or JPEG or remove it.`);
  }
  return { path, bytes, format };
}

/**
 * Where the entropy-coded data of a JPEG's first scan starts; 'damaged' when its marker structure breaks before
 * that, 'incomplete' when the file ends first.
 */
function jpegScanStart(b: Uint8Array): number | 'damaged' | 'incomplete' {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return 'damaged';
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    const length = (b[i + 2] << 8) | b[i + 3];
    if (marker === 0xda) return i + 2 + length < b.length ? i + 2 + length : 'incomplete';
    i += 2 + length;
  }
  return 'incomplete';
}

/** Is the JPEG cut short: it ends inside its headers, or no end-of-image marker follows the first scan? */
function jpegIsTruncated(b: Uint8Array): boolean {
  const scan = jpegScanStart(b);
  if (scan === 'incomplete') return true;
  if (scan === 'damaged') return false;
  for (let i = b.length - 2; i >= scan; i--) if (b[i] === 0xff && b[i + 1] === 0xd9) return false;
  return true;
}

/** Walks a PNG's chunks: 'incomplete' if it ends before IEND, the failing chunk's name on a CRC mismatch, else null. */
function pngProblem(b: Uint8Array): string | null {
  let i = 8;
  while (i + 12 <= b.length) {
    const length = ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
    const type = ascii(b, i + 4, i + 8);
    const end = i + 8 + length;
    if (end + 4 > b.length) return 'incomplete';
    const stored = ((b[end] << 24) | (b[end + 1] << 16) | (b[end + 2] << 8) | b[end + 3]) >>> 0;
    if (crc32(b.subarray(i + 4, end)) !== stored) return `its ${type.replace(/[^\x20-\x7e]/g, '?')} chunk fails its checksum`;
    if (type === 'IEND') return null;
    i = end + 4;
  }
  return 'incomplete';
}

/** The sentence for a file sharp could not decode, from what camscope can tell about it itself (never libvips' text). */
function undecodable(file: ImageFileBytes): CamscopeError {
  const { path, bytes, format } = file;
  const name = FORMAT_NAMES[format];
  let message = `The image could not be decoded: ${path} is a damaged ${name} file, so replace it or remove it from the folder.`;
  const incomplete = `The image could not be decoded: ${path} is an incomplete ${name} file (it ends before its image data does), so copy or download it again, or remove it from the folder.`;
  if (format === 'jpeg' && jpegIsTruncated(bytes)) message = incomplete;
  if (format === 'png') {
    const problem = pngProblem(bytes);
    if (problem === 'incomplete') message = incomplete;
    else if (problem) message = `The image could not be decoded: ${path} is a damaged PNG file (${problem}), so replace it or remove it from the folder.`;
  }
  if (format === 'avif') {
    message = `The image could not be decoded: ${path} is a damaged AVIF file or a HEIF variant camscope cannot read, so convert it to PNG or JPEG or remove it from the folder.`;
  }
  return new CamscopeError('INVALID_IMAGE', message);
}

function tooLarge(path: string, width: number, height: number, maxPixels: number): CamscopeError {
  return new CamscopeError(
    'IMAGE_TOO_LARGE',
    `The image is too large: ${path} has ${width}x${height} pixels (limit ${(maxPixels / 1e6).toFixed(0)} megapixels), so downscale it before using it with camscope.`,
  );
}

function bmpError(path: string, e: unknown, maxPixels: number): CamscopeError {
  if (!(e instanceof BmpError)) return new CamscopeError('INVALID_IMAGE', `The image could not be decoded: ${path} is a damaged BMP file, so replace it or remove it from the folder.`, { cause: e });
  if (e.kind === 'too-large' && e.size) return tooLarge(path, e.size.width, e.size.height, maxPixels);
  const advice = e.kind === 'unsupported' ? 'so save it as PNG or JPEG and try again' : e.kind === 'incomplete' ? 'so copy it again or remove it from the folder' : 'so replace it or remove it from the folder';
  return new CamscopeError('INVALID_IMAGE', `The image could not be decoded: ${path} is ${e.message}, ${advice}.`);
}

/** An image file read and checked, ready to decode: its size after EXIF orientation and a sharp pipeline on it. */
export interface OpenedImage {
  path: string;
  format: ImageFormat;
  /** The size as shown (EXIF orientations 5–8 swap the stored sides). */
  width: number;
  height: number;
  /** A pipeline on the file with the EXIF orientation applied and alpha flattened onto white. */
  pipeline(failOn: 'none' | 'error'): Sharp;
  /** Runs a sharp job on this file, turning its failure into this file's own sentence. */
  run<T>(job: Promise<T>): Promise<T>;
  /** The pixels, when camscope decoded them itself (BMP, DICOM, 16-bit files): 8-bit RGB, nothing left to flatten. */
  decoded: RawImage | null;
  /** A DICOM image's modality, size, bit depth, frame and windows (nothing that identifies a person); else null. */
  dicom: DicomInfo | null;
  /**
   * A DICOM or 16-bit image's bit depth, frame, windows, and the intensity mapping that made its 8-bit pixels (string
   * form, for cache keys) with the window it amounted to (the image view's info and window control); null for 8-bit images.
   */
  source: ImageSource | null;
}

/** How to decode: the intensity mapping for DICOM and 16-bit images (their default when absent). */
export interface DecodeOptions {
  mapping?: IntensityMapping;
}

/**
 * The file and frame a path names: `scan.dcm#3` is frame 3 of scan.dcm when no file is called `scan.dcm#3`
 * (how folder listings name the frames of a multi-frame DICOM file).
 */
export function frameReference(path: string): { file: string; frame: number | null } {
  const m = /^(.*)#([1-9][0-9]*)$/.exec(path);
  if (!m || fileSystem.exists(path) || !fileSystem.exists(m[1])) return { file: path, frame: null };
  return { file: m[1], frame: Number(m[2]) };
}

/** An OpenedImage whose pixels camscope decoded itself (sharp only encodes them, e.g. for thumbnails). */
function openedFromPixels(path: string, format: ImageFormat, pixels: RawImage, more: Pick<OpenedImage, 'dicom' | 'source'>): OpenedImage {
  const raw = { width: pixels.width, height: pixels.height, channels: 3 as const };
  const run = async <T>(job: Promise<T>): Promise<T> => {
    try {
      return await job;
    } catch (e) {
      throw new CamscopeError('INVALID_IMAGE', `The image ${path} was decoded but its pixels could not be processed, so report this file to camscope's developers.`, { cause: e });
    }
  };
  return { path, format, width: pixels.width, height: pixels.height, pipeline: () => sharp(pixels.data, { raw }), run, decoded: pixels, ...more };
}

/** Maps high-bit-depth samples to 8-bit RGB with the asked (or default) mapping; `source` without the file's DICOM facts. */
function mapped(samples: SampleImage, options: DecodeOptions, path: string): { pixels: RawImage; source: ImageSource } {
  const asked = options.mapping ?? defaultIntensityMapping(samples);
  const { pixels, window } = mapIntensityWindowed(samples, asked, path);
  const mapping = formatIntensityMapping(asked);
  const source: ImageSource = {
    kind: samples.origin, modality: null, width: samples.width, height: samples.height, bitsStored: 16, signed: false,
    frame: 1, frames: 1, mapping, window, windows: [], valueRange: modalityRange(samples), inverted: samples.invert,
  };
  return { pixels, source };
}

async function openDicomImage(path: string, file: string, frame: number | null, maxPixels: number, options: DecodeOptions): Promise<OpenedImage> {
  let image;
  try {
    image = openDicom(file, maxPixels);
  } catch (e) {
    if (e instanceof CamscopeError) throw e;
    throw fileError(file, e);
  }
  let samples: SampleImage;
  try {
    samples = await image.readFrame(frame ?? 1);
  } finally {
    image.close();
  }
  const { pixels, source } = mapped(samples, options, path);
  const info = image.info;
  const dicomSource: ImageSource = {
    ...source, modality: info.modality, bitsStored: info.bitsStored, signed: info.signed, frame: frame ?? 1, frames: info.frames, windows: info.windows,
  };
  return openedFromPixels(path, 'dicom', pixels, { dicom: { ...info, frame: frame ?? 1 }, source: dicomSource });
}

/**
 * A 16-bit PNG or TIFF, kept at 16 bits until the intensity mapping: oriented by sharp, grey or RGB at 16 bits,
 * alpha flattened onto white here (sharp's flatten takes its background in 8-bit units on 16-bit images).
 */
async function openSixteenBit(file: ImageFileBytes, grey: boolean, maxPixels: number, options: DecodeOptions, run: OpenedImage['run']): Promise<OpenedImage> {
  const { data, info } = await run(
    sharp(file.bytes, { limitInputPixels: maxPixels, failOn: 'error' }).autoOrient().toColourspace(grey ? 'grey16' : 'rgb16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true }),
  );
  const all = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
  const colour = info.channels >= 3 ? 3 : 1;
  const alpha = info.channels === colour + 1;
  const n = info.width * info.height;
  const samples = new Uint16Array(n * colour);
  for (let i = 0; i < n; i++) {
    const a = alpha ? all[i * info.channels + colour] : 65535;
    for (let c = 0; c < colour; c++) {
      const v = all[i * info.channels + c];
      samples[i * colour + c] = a === 65535 ? v : Math.floor((v * a + 65535 * (65535 - a)) / 65535 + 0.5);
    }
  }
  const image: SampleImage = {
    width: info.width, height: info.height, channels: colour, samples, storedMin: 0, storedMax: 65535,
    modality: { kind: 'rescale', slope: 1, intercept: 0 }, windows: [], invert: false, origin: 'image16',
  };
  const { pixels, source } = mapped(image, options, file.path);
  return openedFromPixels(file.path, file.format, pixels, { dicom: null, source });
}

/**
 * Reads an image file, checks its header's size against `maxPixels` (before decoding) and returns a way to decode
 * it. Every error names this file and only this file.
 */
export async function openImageFile(path: string, maxPixels = DEFAULT_MAX_PIXELS, options: DecodeOptions = {}): Promise<OpenedImage> {
  const ref = frameReference(path);
  // Only regular files are sniffed, so a pipe is refused by readImageFile below instead of blocking here.
  if (ref.frame !== null || isDicomFile(path)) {
    if (ref.frame !== null && !isDicomFile(ref.file)) {
      throw new CamscopeError('INVALID_IMAGE', `Not a multi-frame image: ${ref.file} is not a DICOM file, so ${path} names no frame of it.`);
    }
    return openDicomImage(path, ref.file, ref.frame, maxPixels, options);
  }
  const file = await readImageFile(path);
  const run = async <T>(job: Promise<T>): Promise<T> => {
    try {
      return await job;
    } catch {
      throw undecodable(file);
    }
  };
  if (file.format === 'bmp') {
    let header;
    try {
      header = readBmpHeader(file.bytes);
    } catch (e) {
      throw bmpError(path, e, maxPixels);
    }
    if (header.width * header.height > maxPixels) throw tooLarge(path, header.width, header.height, maxPixels);
    let pixels: RawImage;
    try {
      pixels = decodeBmp(file.bytes, maxPixels);
    } catch (e) {
      throw bmpError(path, e, maxPixels);
    }
    const raw = { width: pixels.width, height: pixels.height, channels: 3 as const };
    return { path, format: 'bmp', width: pixels.width, height: pixels.height, pipeline: () => sharp(pixels.data, { raw }), run, decoded: pixels, dicom: null, source: null };
  }
  const meta = await run(sharp(file.bytes, { limitInputPixels: false }).metadata());
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (w * h > maxPixels) throw tooLarge(path, w, h, maxPixels);
  if (meta.depth === 'ushort' && (file.format === 'png' || file.format === 'tiff')) {
    return openSixteenBit(file, (meta.channels ?? 3) <= 2, maxPixels, options, run);
  }
  const swap = (meta.orientation ?? 1) >= 5;
  return {
    path,
    format: file.format,
    width: swap ? h : w,
    height: swap ? w : h,
    pipeline: (failOn) => sharp(file.bytes, { limitInputPixels: maxPixels, failOn }).autoOrient().flatten({ background: '#ffffff' }),
    run,
    decoded: null,
    dicom: null,
    source: null,
  };
}

/**
 * Decodes an image file to interleaved 8-bit RGB, applying the EXIF orientation and flattening any alpha channel
 * onto white. Grayscale 8-bit files are converted to 8-bit sRGB; DICOM and 16-bit PNG/TIFF go through
 * `options.mapping` (their default when absent, see intensity.ts).
 */
export async function decodeImage(path: string, maxPixels = DEFAULT_MAX_PIXELS, options: DecodeOptions = {}): Promise<RawImage> {
  return decodeOpenedImage(await openImageFile(path, maxPixels, options));
}

/** The 8-bit RGB pixels of an opened image (see decodeImage). */
export async function decodeOpenedImage(image: OpenedImage): Promise<RawImage> {
  const { path } = image;
  if (image.decoded) return image.decoded;
  const { data, info } = await image.run(image.pipeline('error').toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true }));
  if (info.channels !== 3) throw new CamscopeError('INVALID_IMAGE', `The image could not be decoded: ${path} gave ${info.channels} colour channels instead of 3, so convert it to an RGB PNG or JPEG.`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: 3 };
}

/** Writes a [0,1] map as a 16-bit grayscale PNG (value·65535, rounded). */
export async function writeMapPng(path: string, map: Float32Array, width: number, height: number): Promise<void> {
  const u16 = new Uint16Array(width * height);
  for (let i = 0; i < u16.length; i++) {
    const v = map[i];
    u16[i] = Number.isFinite(v) ? Math.round(Math.min(1, Math.max(0, v)) * 65535) : 0;
  }
  await sharp(u16, { raw: { width, height, channels: 1 } }).toColourspace('grey16').png().toFile(path);
}

/** Reads a 16-bit grayscale PNG back as [0,1] values (the inverse of writeMapPng). */
export async function readMapPng(path: string): Promise<{ map: Float32Array; width: number; height: number }> {
  const { data, info } = await sharp(path).extractChannel(0).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  const u16 = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
  const map = new Float32Array(info.width * info.height);
  for (let i = 0; i < map.length; i++) map[i] = u16[i * info.channels] / 65535;
  return { map, width: info.width, height: info.height };
}

/** Writes interleaved 8-bit RGB or gray pixels as a PNG. */
export async function writeRgbPng(path: string, pixels: Uint8Array, width: number, height: number): Promise<void> {
  const channels = pixels.length / (width * height);
  if (channels !== 1 && channels !== 3) throw new CamscopeError('INVALID_ARGUMENT', `cannot write ${channels}-channel pixels`);
  await sharp(pixels, { raw: { width, height, channels } }).png().toFile(path);
}
