/**
 * DICOM images for camscope: recognise a file by its content, read its header once, and decode one frame at a
 * time on demand. Every refusal is one sentence naming the file. What leaves this module about a file is only
 * {@link DicomInfo}: modality, size, bit depth, frames and windows — never a patient's or institution's name, ID
 * or birth date, which are not even read.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { CamscopeError } from '../../errors';
import type { DicomVoi, SampleImage } from '../intensity';
import { decodeCompressedFrame } from './codecs';
import { locateFrames, readFrameBytes, type FrameLocator } from './frames';
import { DicomError, looksLikeDicom, readDicomHeader, type DicomHeader } from './header';
import { readPixelModule, type PixelModule } from './module';
import { frameImage, nativeContainers, nativeFrameBits } from './pixels';
import { fileSource } from './source';

export { DicomError, looksLikeDicom } from './header';

/** What camscope tells about a DICOM image (reports, logs, the app): nothing that identifies a person. */
export interface DicomInfo {
  modality: string | null;
  width: number;
  height: number;
  frames: number;
  /** The frame decoded (1-based), when one was. */
  frame?: number;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
  photometric: string;
  transferSyntax: string;
  /** The VOI windows and LUTs the file lists, in the order `dicom-window:N` numbers them (from 1). */
  windows: { center: number | null; width: number | null; function: string; explanation: string | null }[];
}

const DICOMDIR_SOP_CLASS = '1.2.840.10008.1.3.10';

/** Words for a DICOM object that has no image, by its modality (so the refusal says what the file is). */
const NON_IMAGE: Record<string, string> = {
  SR: 'a structured report',
  RTSTRUCT: 'an RT structure set',
  RTPLAN: 'an RT plan',
  RTRECORD: 'an RT treatment record',
  ECG: 'an ECG waveform',
  KO: 'a key object selection',
  PR: 'a presentation state',
  REG: 'a spatial registration',
  SEG: 'a segmentation without pixel data',
  DOC: 'an encapsulated document',
};

/** The one sentence for a DICOM problem, naming `path`. */
export function dicomErrorSentence(path: string, e: DicomError, maxPixels?: number): CamscopeError {
  const d = e.message;
  if (e.kind === 'too-large' && e.size) {
    const limit = maxPixels ? ` (limit ${(maxPixels / 1e6).toFixed(0)} megapixels)` : '';
    return new CamscopeError('IMAGE_TOO_LARGE', `The image is too large: ${path} has ${e.size.width}x${e.size.height} pixels${limit}, so downscale it before using it with camscope.`);
  }
  const advice =
    e.kind === 'unsupported'
      ? "so convert it first to an uncompressed DICOM (dcmtk's dcmdjpeg or gdcmconv --raw do) or to PNG"
      : e.kind === 'incomplete'
        ? 'so copy it again or remove it from the folder'
        : e.kind === 'no-image'
          ? 'so remove it from the folder or open the images it refers to'
          : 'so replace it or remove it from the folder';
  return new CamscopeError('INVALID_IMAGE', `The DICOM file ${path} ${d}, ${advice}.`);
}

function describeWindows(windows: DicomVoi[]): DicomInfo['windows'] {
  return windows.map((w) =>
    w.kind === 'window'
      ? { center: w.center, width: w.width, function: w.fn, explanation: w.explanation }
      : { center: null, width: null, function: 'LUT', explanation: w.explanation },
  );
}

/** An open DICOM image: its info, and its frames decoded one at a time. Close it when done. */
export interface DicomImage {
  info: DicomInfo;
  /** Decodes frame `frame` (1-based). */
  readFrame(frame: number): Promise<SampleImage>;
  close(): void;
}

function imageModule(header: DicomHeader): PixelModule {
  if (header.sopClass === DICOMDIR_SOP_CLASS) {
    throw new DicomError('no-image', 'is a DICOMDIR, an index of other DICOM files rather than an image, so open the folder holding the files it lists instead');
  }
  if (!header.pixelData) {
    const modality = header.dataSet.string('x00080060')?.trim().toUpperCase() ?? '';
    throw new DicomError('no-image', `holds no image (it is ${NON_IMAGE[modality] ?? 'a DICOM object without pixel data'})`);
  }
  if (header.pixelData.tag !== 'x7fe00010') throw new DicomError('unsupported', 'holds floating-point pixel data (a parametric map), which camscope cannot read');
  return readPixelModule(header);
}

/**
 * Opens a DICOM file: reads its header and locates its frames (reading only item headers, never the pixels).
 * Throws a {@link CamscopeError} naming `path` (or the fs error when the file cannot be opened). `maxPixels` is
 * checked on the header, before any frame is read.
 */
export function openDicom(path: string, maxPixels: number): DicomImage {
  const source = fileSource(path); // an fs error (the file went away, permissions) is the caller's to word
  let header: DicomHeader | null = null;
  try {
    header = readDicomHeader(source);
    const pm = imageModule(header);
    if (pm.rows * pm.columns > maxPixels) throw new DicomError('too-large', '', { width: pm.columns, height: pm.rows });
    const { syntax } = header;
    if (!syntax.codec) {
      throw new DicomError('unsupported', `uses the ${syntax.name === 'unknown' ? 'unknown' : syntax.name} transfer syntax (${syntax.uid}), which camscope cannot decode`);
    }
    const locator: FrameLocator = locateFrames(header, pm.frames, nativeFrameBits(pm));
    const opened = header;
    const info: DicomInfo = {
      modality: pm.modality,
      width: pm.columns,
      height: pm.rows,
      frames: pm.frames,
      bitsAllocated: pm.bitsAllocated,
      bitsStored: pm.bitsStored,
      signed: pm.signed,
      photometric: pm.photometric,
      transferSyntax: syntax.name,
      windows: describeWindows(pm.windows),
    };
    return {
      info,
      async readFrame(frame) {
        if (!Number.isInteger(frame) || frame < 1 || frame > pm.frames) {
          throw new CamscopeError('INVALID_ARGUMENT', `Frame ${frame} does not exist: the DICOM file ${path} has ${pm.frames === 1 ? '1 frame' : `${pm.frames} frames`}, numbered from 1.`);
        }
        try {
          const { bytes, bitOffset } = readFrameBytes(opened.source, locator, frame - 1);
          if (syntax.codec === 'native') return frameImage(nativeContainers(bytes, bitOffset, pm, opened.encoding.littleEndian, opened.pixelData!.vr), pm, null);
          const what = pm.frames > 1 ? `frame ${frame}'s ${syntax.name} data` : `its ${syntax.name} data`;
          const shape = { width: pm.columns, height: pm.rows, components: pm.samplesPerPixel, bitsAllocated: pm.bitsAllocated, photometric: pm.photometric };
          const decoded = await decodeCompressedFrame(syntax.codec!, bytes, shape, what);
          return frameImage(decoded.samples, pm, decoded);
        } catch (e) {
          if (e instanceof DicomError) throw dicomErrorSentence(path, e, maxPixels);
          throw e;
        }
      },
      close: () => opened.source.close(),
    };
  } catch (e) {
    (header?.source ?? source).close();
    if (e instanceof DicomError) throw dicomErrorSentence(path, e, maxPixels);
    throw e;
  }
}

/** Reads a file's first bytes (never blocking on a pipe: only regular files are opened); false if unreadable. */
export function isDicomFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    const fd = openSync(path, 'r');
    try {
      const head = new Uint8Array(132);
      const n = readSync(fd, head, 0, 132, 0);
      return looksLikeDicom(head.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/**
 * For folder listings: how many frames a DICOM file has, or why it is no image (a DICOMDIR, a report). A file
 * that is damaged is listed as one image, so opening it tells the user what is wrong.
 */
export function dicomListing(path: string): { frames: number } | { skip: string } {
  let source;
  try {
    source = fileSource(path);
  } catch {
    return { frames: 1 };
  }
  try {
    const header = readDicomHeader(source);
    if (header.sopClass === DICOMDIR_SOP_CLASS) return { skip: 'it is a DICOMDIR (an index of DICOM files), whose files are listed themselves' };
    if (!header.pixelData) {
      const modality = header.dataSet.string('x00080060')?.trim().toUpperCase() ?? '';
      return { skip: `it is ${NON_IMAGE[modality] ?? 'a DICOM object without pixel data'}, not an image` };
    }
    const frames = Number(header.dataSet.string('x00280008') ?? '1');
    return { frames: Number.isInteger(frames) && frames >= 1 ? frames : 1 };
  } catch {
    return { frames: 1 };
  } finally {
    source.close();
  }
}
