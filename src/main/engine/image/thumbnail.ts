/**
 * Thumbnails for the dataset browser: small encoded images (JPEG for photos, PNG for tiny images, which are scaled
 * up by an integer factor with nearest neighbour so 28×28 digits stay crisp). EXIF orientation is applied and alpha
 * flattened onto white, as for the model's input.
 */
import { statSync } from 'node:fs';
import sharp from 'sharp';
import { CamscopeError, errorMessage } from '../errors';
import { DEFAULT_MAX_PIXELS } from './decode';

export const DEFAULT_THUMBNAIL_SIZE = 160;

export interface Thumbnail {
  bytes: Uint8Array;
  mime: 'image/jpeg' | 'image/png';
  width: number;
  height: number;
  /** The file's own size (after EXIF orientation). */
  originalWidth: number;
  originalHeight: number;
}

/** Images whose longer side is at most this are upscaled with nearest neighbour and stored as PNG. */
const TINY = 64;

/** Makes a thumbnail whose longer side is `size` pixels (at most; tiny images get the largest integer upscale). */
export async function makeThumbnail(path: string, size = DEFAULT_THUMBNAIL_SIZE, maxPixels = DEFAULT_MAX_PIXELS): Promise<Thumbnail> {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new CamscopeError('INVALID_ARGUMENT', `Image not found: ${path}`);
  }
  if (!stat.isFile() || stat.size === 0) throw new CamscopeError('INVALID_IMAGE', `Not an image file: ${path}`);
  try {
    const meta = await sharp(path, { limitInputPixels: false }).metadata();
    const w0 = meta.width ?? 0;
    const h0 = meta.height ?? 0;
    if (w0 * h0 > maxPixels) {
      throw new CamscopeError('IMAGE_TOO_LARGE', `The image is too large: ${w0}x${h0} pixels: ${path}`);
    }
    // autoOrient swaps the sides for EXIF orientations 5–8.
    const swap = (meta.orientation ?? 1) >= 5;
    const [ow, oh] = swap ? [h0, w0] : [w0, h0];
    const longer = Math.max(ow, oh);
    const tiny = longer <= TINY;
    // Tiny images: the largest integer upscale that fits; others: shrink to fit, never enlarge.
    const factor = tiny ? Math.max(1, Math.floor(size / longer)) : Math.min(1, size / longer);
    const tw = Math.max(1, Math.round(ow * factor));
    const th = Math.max(1, Math.round(oh * factor));
    let img = sharp(path, { limitInputPixels: maxPixels, failOn: 'none' }).autoOrient().flatten({ background: '#ffffff' });
    if (tw !== ow || th !== oh) img = img.resize(tw, th, { fit: 'fill', kernel: tiny ? 'nearest' : 'lanczos3' });
    img = img.toColourspace('srgb');
    const out = tiny
      ? await img.png({ compressionLevel: 6 }).toBuffer({ resolveWithObject: true })
      : await img.jpeg({ quality: 82, mozjpeg: false }).toBuffer({ resolveWithObject: true });
    return {
      bytes: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength),
      mime: tiny ? 'image/png' : 'image/jpeg',
      width: out.info.width,
      height: out.info.height,
      originalWidth: ow,
      originalHeight: oh,
    };
  } catch (e) {
    if (e instanceof CamscopeError) throw e;
    throw new CamscopeError('INVALID_IMAGE', `The image could not be read: ${path} (${errorMessage(e)}).`, { cause: e });
  }
}
