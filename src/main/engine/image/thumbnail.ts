/**
 * Thumbnails for the dataset browser: small encoded images (JPEG for photos, PNG for tiny images, which are scaled
 * up by an integer factor with nearest neighbour so 28×28 digits stay crisp). EXIF orientation is applied and alpha
 * flattened onto white, as for the model's input.
 */
import type { ImageSource } from '../types';
import { DEFAULT_MAX_PIXELS, openImageFile, type DecodeOptions } from './decode';

export const DEFAULT_THUMBNAIL_SIZE = 160;

export interface Thumbnail {
  bytes: Uint8Array;
  mime: 'image/jpeg' | 'image/png';
  width: number;
  height: number;
  /** The file's own size (after EXIF orientation). */
  originalWidth: number;
  originalHeight: number;
  /** A DICOM or 16-bit image's mapping and window (what the thumbnail was drawn with); null for 8-bit images. */
  source: ImageSource | null;
}

/** Images whose longer side is at most this are upscaled with nearest neighbour and stored as PNG. */
const TINY = 64;

/** Makes a thumbnail whose longer side is `size` pixels (at most; tiny images get the largest integer upscale). */
export async function makeThumbnail(path: string, size = DEFAULT_THUMBNAIL_SIZE, maxPixels = DEFAULT_MAX_PIXELS, options: DecodeOptions = {}): Promise<Thumbnail> {
  // Reading, format and size checks, and every error's sentence (naming this file only) are openImageFile's.
  // DICOM and 16-bit images are shown through the same intensity mapping (options.mapping) as the model sees them.
  const image = await openImageFile(path, maxPixels, options);
  const { width: ow, height: oh } = image;
  const longer = Math.max(ow, oh);
  const tiny = longer <= TINY;
  // Tiny images: the largest integer upscale that fits; others: shrink to fit, never enlarge.
  const factor = tiny ? Math.max(1, Math.floor(size / longer)) : Math.min(1, size / longer);
  const tw = Math.max(1, Math.round(ow * factor));
  const th = Math.max(1, Math.round(oh * factor));
  // failOn 'none': a thumbnail of a damaged file shows what could be decoded of it.
  let img = image.pipeline('none');
  if (tw !== ow || th !== oh) img = img.resize(tw, th, { fit: 'fill', kernel: tiny ? 'nearest' : 'lanczos3' });
  img = img.toColourspace('srgb');
  const out = await image.run(
    tiny ? img.png({ compressionLevel: 6 }).toBuffer({ resolveWithObject: true }) : img.jpeg({ quality: 82, mozjpeg: false }).toBuffer({ resolveWithObject: true }),
  );
  return {
    bytes: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength),
    mime: tiny ? 'image/png' : 'image/jpeg',
    width: out.info.width,
    height: out.info.height,
    originalWidth: ow,
    originalHeight: oh,
    source: image.source,
  };
}
