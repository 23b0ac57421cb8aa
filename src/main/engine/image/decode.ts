/**
 * The only module that uses sharp: decoding any common image format to 8-bit sRGB pixels, and writing PNGs.
 */
import { existsSync, statSync } from 'node:fs';
import sharp, { type Metadata } from 'sharp';
import { CamscopeError, errorMessage } from '../errors';
import type { RawImage } from './pil-resize';

/** Images above this many pixels are refused before decoding (decompression-bomb guard); 100 MP by default. */
export const DEFAULT_MAX_PIXELS = 100_000_000;

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.gif', '.avif', '.bmp'];

/**
 * Decodes an image file to interleaved 8-bit RGB, applying the EXIF orientation and flattening any alpha channel
 * onto white. 16-bit and grayscale files are converted to 8-bit sRGB.
 */
export async function decodeImage(path: string, maxPixels = DEFAULT_MAX_PIXELS): Promise<RawImage> {
  if (!existsSync(path)) throw new CamscopeError('INVALID_ARGUMENT', `Image not found: ${path}`);
  if (!statSync(path).isFile()) throw new CamscopeError('INVALID_IMAGE', `Not an image file: ${path}`);
  if (statSync(path).size === 0) throw new CamscopeError('INVALID_IMAGE', `The image file is empty: ${path}`);
  let meta: Metadata;
  try {
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new CamscopeError('INVALID_IMAGE', `Not a readable image: ${path} (${errorMessage(e)}).`, { cause: e });
  }
  const pixels = (meta.width ?? 0) * (meta.height ?? 0);
  if (pixels > maxPixels) {
    throw new CamscopeError('IMAGE_TOO_LARGE', `The image is too large: ${meta.width}x${meta.height} pixels (limit ${(maxPixels / 1e6).toFixed(0)} megapixels): ${path}`);
  }
  try {
    const { data, info } = await sharp(path, { limitInputPixels: maxPixels, failOn: 'error' })
      .autoOrient()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`unexpected ${info.channels} channels after conversion`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: 3 };
  } catch (e) {
    throw new CamscopeError('INVALID_IMAGE', `The image could not be decoded: ${path} (${errorMessage(e)}).`, { cause: e });
  }
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
