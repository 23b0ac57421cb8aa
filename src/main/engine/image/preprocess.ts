/**
 * One generic preprocessor driven by the model profile. It reproduces torchvision's PIL pipeline bit for bit
 * (Resize with Pillow's bilinear filter, CenterCrop with Python's rounding, ToTensor, Normalize in float32), so
 * scores match models trained and evaluated with torchvision.
 */
import { CamscopeError } from '../errors';
import type { ImageSource, ModelProfile } from '../types';
import { decodeOpenedImage, DEFAULT_MAX_PIXELS, openImageFile, type DecodeOptions } from './decode';
import { profileMapping } from './intensity-setting';
import { resizeBilinearPil, type RawImage } from './pil-resize';

export interface PreparedImage {
  /** Normalized CHW float32 tensor in the model's input frame. */
  tensor: Float32Array;
  /** The same frame as 8-bit pixels (RGB or gray, interleaved) for overlays and figures. */
  pixels: Uint8Array;
  width: number;
  height: number;
  /** Size of the decoded file before resizing. */
  originalWidth: number;
  originalHeight: number;
  /** A DICOM or 16-bit image's bit depth, frame, windows and the intensity mapping that made its pixels (see ImageSource); absent for 8-bit images. */
  source?: ImageSource;
}

/** Python's round(): halves go to the even neighbour (torchvision CenterCrop uses it). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Pillow's RGB→L conversion (ITU-R 601-2 luma, fixed point), so grayscale models see what PIL would give them. */
function toGray(img: RawImage): RawImage {
  const n = img.width * img.height;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = img.data[3 * i], g = img.data[3 * i + 1], b = img.data[3 * i + 2];
    out[i] = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;
  }
  return { data: out, width: img.width, height: img.height, channels: 1 };
}

function crop(img: RawImage, left: number, top: number, width: number, height: number): RawImage {
  const c = img.channels;
  const out = new Uint8Array(width * height * c);
  for (let y = 0; y < height; y++) {
    const src = ((top + y) * img.width + left) * c;
    out.set(img.data.subarray(src, src + width * c), y * width * c);
  }
  return { data: out, width, height, channels: c };
}

/** torchvision Resize(size) for a square target (shorter side → size), generalised as "cover" for other shapes. */
function coverSize(w: number, h: number, outW: number, outH: number): [number, number] {
  if (outW === outH) {
    const s = outW;
    return w <= h ? [s, Math.floor((s * h) / w)] : [Math.floor((s * w) / h), s];
  }
  const scale = Math.max(outW / w, outH / h);
  return [Math.max(outW, Math.floor(w * scale)), Math.max(outH, Math.floor(h * scale))];
}

/**
 * Most pixels the shorter-side resize may produce before the crop (50 MP, ~150 MB of RGB). The source guard
 * (DEFAULT_MAX_PIXELS) does not bound it: a 1×25000 image is 25,000 pixels, but resizing its shorter side to 224
 * makes 224×5,600,000.
 */
export const DEFAULT_MAX_RESIZED_PIXELS = 50_000_000;

/**
 * Resize and crop decoded pixels into the model's input frame, then normalize. `file` names the image in the error
 * raised when the resize would exceed `maxResizedPixels` (checked before anything is resized).
 */
export function prepareDecoded(decoded: RawImage, profile: ModelProfile, file = 'this image', maxResizedPixels = DEFAULT_MAX_RESIZED_PIXELS): PreparedImage {
  const [outH, outW] = profile.inputSize;
  let img = profile.channels === 1 ? toGray(decoded) : decoded;
  if (profile.resize === 'stretch') {
    img = resizeBilinearPil(img, outW, outH);
  } else {
    const [rw, rh] = coverSize(img.width, img.height, outW, outH);
    if (rw * rh > maxResizedPixels) {
      throw new CamscopeError(
        'IMAGE_TOO_LARGE',
        `The image is too elongated: ${file} (${img.width}x${img.height} pixels) would be resized to ${rw}x${rh} pixels for the model, over the ${(maxResizedPixels / 1e6).toFixed(0)}-megapixel limit, so crop it closer to square first.`,
      );
    }
    img = resizeBilinearPil(img, rw, rh);
    img = crop(img, roundHalfEven((rw - outW) / 2), roundHalfEven((rh - outH) / 2), outW, outH);
  }
  const c = profile.channels;
  const plane = outW * outH;
  const tensor = new Float32Array(c * plane);
  // Pixel scale 1: ToTensor's [0, 1]; scale 255: the raw 0–255 values (models that normalise inside the graph).
  const raw = profile.scale === 255;
  for (let ch = 0; ch < c; ch++) {
    // float32 at every step, as ToTensor + Normalize do in PyTorch.
    const mean = Math.fround(profile.mean[ch]);
    const std = Math.fround(profile.std[ch]);
    for (let i = 0; i < plane; i++) {
      const p = img.data[i * c + ch];
      const v = raw ? p : Math.fround(p / 255);
      tensor[ch * plane + i] = Math.fround(Math.fround(v - mean) / std);
    }
  }
  return { tensor, pixels: img.data, width: outW, height: outH, originalWidth: decoded.width, originalHeight: decoded.height };
}

/**
 * Decodes and prepares one image file. `options.mapping` says how DICOM and 16-bit images become the 8-bit pixels
 * normalized here (absent: the profile's "intensity", else their default); 8-bit images ignore it.
 */
export async function prepareImage(
  path: string,
  profile: ModelProfile,
  maxPixels = DEFAULT_MAX_PIXELS,
  maxResizedPixels = DEFAULT_MAX_RESIZED_PIXELS,
  options: DecodeOptions = {},
): Promise<PreparedImage> {
  const mapping = options.mapping ?? profileMapping(profile);
  const opened = await openImageFile(path, maxPixels, mapping ? { mapping } : {});
  const prepared = prepareDecoded(await decodeOpenedImage(opened), profile, path, maxResizedPixels);
  return opened.source ? { ...prepared, source: opened.source } : prepared;
}
