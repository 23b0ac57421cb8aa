/**
 * DICOM transfer syntaxes (PS3.5 §10 and Annex A, PS3.6 Table A-1): how a file's dataset is encoded and which
 * decoder its pixel data needs. A syntax whose codec is null is named in the refusal so the user knows what to
 * convert from.
 */

/** How a frame's bytes are turned into samples. */
export type PixelCodec = 'native' | 'rle' | 'jpeg-baseline' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg-2000';

export interface TransferSyntax {
  uid: string;
  name: string;
  littleEndian: boolean;
  explicitVr: boolean;
  /** The dataset after the file meta is raw-deflated (PS3.5 A.5). */
  deflated: boolean;
  /** Pixel data is a sequence of fragments (PS3.5 A.4) rather than one native value. */
  encapsulated: boolean;
  /** The decoder camscope has for it, or null when it cannot decode it. */
  codec: PixelCodec | null;
  lossy: boolean;
}

const syntax = (uid: string, name: string, codec: PixelCodec | null, more: Partial<TransferSyntax> = {}): TransferSyntax => ({
  uid, name, littleEndian: true, explicitVr: true, deflated: false, encapsulated: codec !== 'native', codec, lossy: false, ...more,
});

export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const EXPLICIT_VR_BIG_ENDIAN = '1.2.840.10008.1.2.2';
export const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99';

const TABLE: TransferSyntax[] = [
  syntax(IMPLICIT_VR_LITTLE_ENDIAN, 'Implicit VR Little Endian', 'native', { explicitVr: false }),
  syntax(EXPLICIT_VR_LITTLE_ENDIAN, 'Explicit VR Little Endian', 'native'),
  syntax(EXPLICIT_VR_BIG_ENDIAN, 'Explicit VR Big Endian', 'native', { littleEndian: false }),
  syntax(DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, 'Deflated Explicit VR Little Endian', 'native', { deflated: true }),
  syntax('1.2.840.10008.1.2.5', 'RLE Lossless', 'rle'),
  syntax('1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)', 'jpeg-baseline', { lossy: true }),
  syntax('1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 and 4)', 'jpeg-baseline', { lossy: true }),
  syntax('1.2.840.10008.1.2.4.57', 'JPEG Lossless (Process 14)', 'jpeg-lossless'),
  syntax('1.2.840.10008.1.2.4.70', 'JPEG Lossless (Process 14, Selection Value 1)', 'jpeg-lossless'),
  syntax('1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless', 'jpeg-ls'),
  syntax('1.2.840.10008.1.2.4.81', 'JPEG-LS Near-Lossless', 'jpeg-ls', { lossy: true }),
  syntax('1.2.840.10008.1.2.4.90', 'JPEG 2000 (Lossless Only)', 'jpeg-2000'),
  syntax('1.2.840.10008.1.2.4.91', 'JPEG 2000', 'jpeg-2000', { lossy: true }),
  // Refused: no decoder camscope ships reads them (video, HTJ2K, multi-component JPEG 2000, JPIP references).
  syntax('1.2.840.10008.1.2.4.92', 'JPEG 2000 Part 2 Multi-component (Lossless Only)', null),
  syntax('1.2.840.10008.1.2.4.93', 'JPEG 2000 Part 2 Multi-component', null, { lossy: true }),
  syntax('1.2.840.10008.1.2.4.94', 'JPIP Referenced', null),
  syntax('1.2.840.10008.1.2.4.95', 'JPIP Referenced Deflate', null),
  syntax('1.2.840.10008.1.2.4.100', 'MPEG2 Main Profile / Main Level', null, { lossy: true }),
  syntax('1.2.840.10008.1.2.4.101', 'MPEG2 Main Profile / High Level', null, { lossy: true }),
  syntax('1.2.840.10008.1.2.4.102', 'MPEG-4 AVC/H.264 High Profile', null, { lossy: true }),
  syntax('1.2.840.10008.1.2.4.103', 'MPEG-4 AVC/H.264 BD-compatible High Profile', null, { lossy: true }),
  syntax('1.2.840.10008.1.2.4.104', 'MPEG-4 AVC/H.264 High Profile For 2D Video', null, { lossy: true }),
  syntax('1.2.840.10008.1.2.4.105', 'MPEG-4 AVC/H.264 High Profile For 3D Video', null, { lossy: true }),
  syntax('1.2.840.10008.1.2.4.106', 'MPEG-4 AVC/H.264 Stereo High Profile', null, { lossy: true }),
  syntax('1.2.840.10008.1.2.4.107', 'HEVC/H.265 Main Profile', null, { lossy: true }),
  syntax('1.2.840.10008.1.2.4.108', 'HEVC/H.265 Main 10 Profile', null, { lossy: true }),
  syntax('1.2.840.10008.1.2.4.201', 'High-Throughput JPEG 2000 (Lossless Only)', null),
  syntax('1.2.840.10008.1.2.4.202', 'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)', null),
  syntax('1.2.840.10008.1.2.4.203', 'High-Throughput JPEG 2000', null, { lossy: true }),
];

const BY_UID = new Map(TABLE.map((s) => [s.uid, s]));

/**
 * The transfer syntax of a UID. An unknown (e.g. private) UID is read as Explicit VR Little Endian, which every
 * syntax after the first three uses for its dataset (PS3.5 §10), and its pixel data is refused.
 */
export function transferSyntax(uid: string): TransferSyntax {
  return BY_UID.get(uid) ?? syntax(uid, 'unknown', null);
}
