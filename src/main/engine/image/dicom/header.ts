/**
 * Recognising a DICOM file by its content and reading its header (everything before the pixel data) with
 * dicom-parser. Part 10 files (`DICM` at byte 128) and bare datasets without the preamble and file meta (as some
 * scanners and old archives write them) are both read; which encoding a bare dataset uses, and whether a file
 * that claims Explicit VR really is (some writers get it wrong), is told from the first element's bytes, as
 * pydicom does.
 */
import { inflateRawSync } from 'node:zlib';
import { dicomParser, type DataSet, type Element } from './parser';
import { MAX_INFLATED_BYTES, memorySource, type ByteSource } from './source';
import { EXPLICIT_VR_BIG_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, transferSyntax, type TransferSyntax } from './syntax';

/** Why a file could not be read as DICOM, in words that complete "The DICOM file <path> …". */
export class DicomError extends Error {
  constructor(
    readonly kind: 'damaged' | 'incomplete' | 'unsupported' | 'no-image' | 'too-large',
    detail: string,
    readonly size?: { width: number; height: number },
  ) {
    super(detail);
    this.name = 'DicomError';
  }
}

/** Value representations of PS3.5 Table 6.2-1: anything else in an explicit-VR file is damage. */
const VRS = new Set('AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '));

export type DatasetEncoding = { littleEndian: boolean; explicitVr: boolean };

/**
 * How a bare dataset starting at `at` is encoded, or null when its first bytes are no DICOM element. Only the
 * groups a dataset starts with are accepted (0002 file meta, 0008 identification), to keep other files out.
 */
export function guessEncoding(b: Uint8Array, at: number): DatasetEncoding | null {
  if (b.length < at + 8) return null;
  const le = b[at] | (b[at + 1] << 8);
  const be = (b[at] << 8) | b[at + 1];
  const vr = String.fromCharCode(b[at + 4], b[at + 5]);
  const explicitVr = VRS.has(vr);
  // Implicit VR: a 32-bit length follows the tag; a first element is short and of even length.
  const implicitLength = (b[at + 4] | (b[at + 5] << 8) | (b[at + 6] << 16) | (b[at + 7] << 24)) >>> 0;
  const plausibleImplicit = implicitLength < 0x10000 && implicitLength % 2 === 0;
  if ((le === 0x0008 || le === 0x0002) && (explicitVr || plausibleImplicit)) return { littleEndian: true, explicitVr };
  if (be === 0x0008 && explicitVr) return { littleEndian: false, explicitVr: true };
  return null;
}

/** Does this file start like DICOM: `DICM` at byte 128, or a bare dataset? */
export function looksLikeDicom(head: Uint8Array): boolean {
  if (head.length >= 132 && head[128] === 0x44 && head[129] === 0x49 && head[130] === 0x43 && head[131] === 0x4d) return true;
  return guessEncoding(head, 0) !== null;
}

/** The pixel data element's place in the file, and how it is encoded. */
export interface PixelDataElement {
  tag: string;
  vr: string | undefined;
  /** Where the value starts (after the element header). */
  offset: number;
  /** The value's length; null when undefined (encapsulated pixel data runs to its sequence delimiter). */
  length: number | null;
}

export interface DicomHeader {
  syntax: TransferSyntax;
  /** The header's elements (values readable from `dataSet.byteArray`). */
  dataSet: DataSet;
  /** The file's bytes as read: the file itself, or its inflated dataset for a deflated file. */
  source: ByteSource;
  pixelData: PixelDataElement | null;
  /** What the file says it is: its SOP Class and Media Storage UIDs, for refusing DICOMDIRs and the like. */
  sopClass: string | null;
  /** Encoding the dataset was actually read with (it may differ from what the file meta claims). */
  encoding: DatasetEncoding;
}

/** Most headers are a few kilobytes; a longer one is read again in larger steps. */
const FIRST_READ = 16 * 1024;
/** Headers are small; one past this (a huge private blob before the pixels) is refused rather than read whole. */
const MAX_HEADER_BYTES = 256 * 1024 * 1024;
const PIXEL_TAGS = ['x7fe00010', 'x7fe00008', 'x7fe00009'];

class NeedMore extends Error {}

function tryParse(head: Uint8Array, complete: boolean, part10: boolean): { dataSet: DataSet; syntax: TransferSyntax; encoding: DatasetEncoding; position: number; pixel: Element | null } {
  let position = 0;
  let metaElements: Record<string, Element> = {};
  let uid: string | null = null;
  if (part10) {
    let meta;
    try {
      meta = dicomParser.readPart10Header(head) as DataSet & { position: number };
    } catch (e) {
      if (!complete) throw new NeedMore();
      throw new DicomError('damaged', 'is a damaged DICOM file (its file meta information cannot be read)', undefined);
    }
    metaElements = meta.elements;
    position = meta.position;
    uid = meta.string('x00020010')?.replace(/\0/g, '').trim() || null;
  }
  const guessed = guessEncoding(head, position);
  const syntax = transferSyntax(uid ?? (guessed ? (guessed.explicitVr ? (guessed.littleEndian ? EXPLICIT_VR_LITTLE_ENDIAN : EXPLICIT_VR_BIG_ENDIAN) : IMPLICIT_VR_LITTLE_ENDIAN) : IMPLICIT_VR_LITTLE_ENDIAN));
  let bytes = head;
  if (syntax.deflated) {
    if (!complete) throw new NeedMore();
    let inflated: Buffer;
    try {
      inflated = inflateRawSync(head.subarray(position), { maxOutputLength: MAX_INFLATED_BYTES });
    } catch {
      throw new DicomError('damaged', 'is a damaged deflated DICOM file (its compressed dataset cannot be inflated)');
    }
    bytes = new Uint8Array(position + inflated.length);
    bytes.set(head.subarray(0, position));
    bytes.set(inflated, position);
  }
  // A file whose meta says Explicit VR but whose dataset is Implicit VR (or the other way) is read as it is.
  const actual = syntax.deflated ? null : guessEncoding(bytes, position);
  const encoding = { littleEndian: syntax.littleEndian, explicitVr: actual && actual.littleEndian === syntax.littleEndian ? actual.explicitVr : syntax.explicitVr };
  const parser = encoding.littleEndian ? dicomParser.littleEndianByteArrayParser : dicomParser.bigEndianByteArrayParser;
  const dataSet = new dicomParser.DataSet(parser, bytes, {});
  // A file that ends with its file meta has an empty dataset (dicom-parser refuses a stream positioned at its end).
  const stream = position < bytes.length ? new dicomParser.ByteStream(parser, bytes as Buffer, position) : null;
  if (stream) try {
    const options = { untilTag: 'x7fe00010' };
    if (encoding.explicitVr) dicomParser.parseDicomDataSetExplicit(dataSet, stream, bytes.length, options);
    else dicomParser.parseDicomDataSetImplicit(dataSet, stream, bytes.length, options);
  } catch {
    if (!complete) throw new NeedMore();
    throw new DicomError('incomplete', 'is an incomplete or damaged DICOM file (an element runs past the end of the file)');
  }
  const pixel = dataSet.elements.x7fe00010 ?? null;
  if (!pixel && !complete && (!stream || stream.position >= bytes.length)) throw new NeedMore();
  if (pixel && !complete && pixel.dataOffset + 16 > bytes.length) throw new NeedMore();
  for (const [tag, el] of Object.entries(metaElements)) dataSet.elements[tag] = el;
  return { dataSet, syntax, encoding, position, pixel };
}

/** Checks every element's VR in an explicit-VR dataset (nested items too): a wrong one means the file is damaged. */
function checkVrs(dataSet: DataSet): void {
  for (const el of Object.values(dataSet.elements)) {
    // Item and delimitation tags (group FFFE) have no VR.
    if (el.vr !== undefined && !el.tag.startsWith('xfffe') && !VRS.has(el.vr)) {
      const tag = `(${el.tag.slice(1, 5)},${el.tag.slice(5)})`.toUpperCase();
      throw new DicomError('damaged', `is a damaged DICOM file (element ${tag} has the invalid value representation '${el.vr.replace(/[^\x20-\x7e]/g, '?')}')`);
    }
    for (const item of el.items ?? []) if (item.dataSet) checkVrs(item.dataSet);
  }
}

/**
 * Reads a DICOM file's header from `source` (which it keeps, or replaces by the inflated bytes of a deflated
 * file). Reads a little at first and more only when the header is longer. Throws {@link DicomError}.
 */
export function readDicomHeader(source: ByteSource): DicomHeader {
  const first = source.read(0, Math.min(source.size, 132));
  const part10 = first.length >= 132 && String.fromCharCode(...first.subarray(128, 132)) === 'DICM';
  if (!part10 && !looksLikeDicom(first)) throw new DicomError('damaged', 'is not a DICOM file');
  let chunk = Math.min(source.size, FIRST_READ);
  for (;;) {
    const head = source.read(0, chunk);
    const complete = head.length >= source.size;
    let parsed;
    try {
      parsed = tryParse(head, complete, part10);
    } catch (e) {
      if (!(e instanceof NeedMore)) throw e;
      if (chunk >= MAX_HEADER_BYTES) throw new DicomError('unsupported', `has a header over ${MAX_HEADER_BYTES >> 20} MB long before its pixel data, more than camscope reads`);
      chunk = Math.min(source.size, chunk * 4, MAX_HEADER_BYTES);
      continue;
    }
    const { dataSet, syntax, encoding, pixel } = parsed;
    if (encoding.explicitVr) checkVrs(dataSet);
    const deflatedSource = syntax.deflated ? memorySource(dataSet.byteArray) : null;
    if (deflatedSource) source.close();
    const sopClass = dataSet.string('x00080016') ?? dataSet.string('x00020002') ?? null;
    const other = PIXEL_TAGS.slice(1).find((t) => dataSet.elements[t]);
    return {
      syntax,
      dataSet,
      source: deflatedSource ?? source,
      pixelData: pixel
        ? { tag: pixel.tag, vr: pixel.vr, offset: pixel.dataOffset, length: pixel.hadUndefinedLength ? null : pixel.length }
        : other
          ? { tag: other, vr: dataSet.elements[other].vr, offset: dataSet.elements[other].dataOffset, length: dataSet.elements[other].length }
          : null,
      sopClass: sopClass?.replace(/\0/g, '').trim() || null,
      encoding,
    };
  }
}
