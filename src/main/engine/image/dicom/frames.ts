/**
 * Where each frame's bytes are in the file, so one frame can be read without the others. Native pixel data is
 * one value with the frames back to back. Encapsulated pixel data (PS3.5 A.4) is a sequence of items: a Basic
 * Offset Table, then fragments; a frame is one or more fragments, found through the Extended Offset Table, the
 * Basic Offset Table, one fragment per frame, or (with neither table) the codestream start marker each frame
 * begins with.
 */
import { DicomError, type DicomHeader } from './header';
import type { ByteSource } from './source';

export interface Fragment {
  /** Offset of the fragment's item tag relative to the first fragment's item tag (what offset tables count). */
  itemOffset: number;
  /** Where its data starts in the file, and how long it is. */
  offset: number;
  length: number;
}

export type FrameLocator =
  | { kind: 'native'; offset: number; length: number; frameBits: number }
  | { kind: 'encapsulated'; fragments: Fragment[]; frames: number[][] };

const ITEM = 0xe000fffe; // (FFFE,E000) read as a little-endian uint32
const SEQUENCE_DELIMITER = 0xe0ddfffe;

const u32 = (b: Uint8Array, at: number): number => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;

/** Reads the item headers of encapsulated pixel data: the Basic Offset Table's entries and every fragment. */
function readItems(source: ByteSource, start: number): { bot: number[]; fragments: Fragment[] } {
  let pos = start;
  const header = (): { tag: number; length: number } | null => {
    const b = source.read(pos, 8);
    if (b.length < 8) return null;
    return { tag: u32(b, 0), length: u32(b, 4) };
  };
  const first = header();
  if (!first || first.tag !== ITEM) throw new DicomError('damaged', 'is a damaged DICOM file (its compressed pixel data does not start with an offset table)');
  const botBytes = source.read(pos + 8, first.length);
  if (botBytes.length < first.length) throw new DicomError('incomplete', 'is an incomplete DICOM file (it ends inside its pixel data)');
  const bot: number[] = [];
  for (let i = 0; i + 4 <= botBytes.length; i += 4) bot.push(u32(botBytes, i));
  pos += 8 + first.length;
  const base = pos;
  const fragments: Fragment[] = [];
  for (;;) {
    const h = header();
    if (!h || h.tag === SEQUENCE_DELIMITER) break; // a missing delimiter at the end of the file is tolerated
    if (h.tag !== ITEM) throw new DicomError('damaged', 'is a damaged DICOM file (its compressed pixel data has a broken fragment)');
    if (h.length === 0xffffffff) throw new DicomError('damaged', 'is a damaged DICOM file (a pixel data fragment has an undefined length)');
    if (pos + 8 + h.length > source.size) throw new DicomError('incomplete', 'is an incomplete DICOM file (it ends inside its pixel data)');
    fragments.push({ itemOffset: pos - base, offset: pos + 8, length: h.length });
    pos += 8 + h.length;
  }
  return { bot, fragments };
}

/** Does a fragment start a JPEG (SOI), JPEG 2000 codestream (SOC) or JP2 file? */
function startsCodestream(source: ByteSource, f: Fragment): boolean {
  const b = source.read(f.offset, 12);
  if (b.length >= 2 && b[0] === 0xff && (b[1] === 0xd8 || b[1] === 0x4f)) return true;
  return b.length >= 8 && u32(b, 0) === 0x0c000000 && String.fromCharCode(b[4], b[5], b[6], b[7]) === 'jP  ';
}

/** Groups fragments by the offsets of each frame's first fragment (BOT or EOT), or null if they do not match. */
function byOffsets(fragments: Fragment[], offsets: number[], frames: number): number[][] | null {
  if (offsets.length !== frames) return null;
  const starts = offsets.map((o) => fragments.findIndex((f) => f.itemOffset === o));
  if (starts.some((s, i) => s < 0 || (i > 0 && s <= starts[i - 1]))) return null;
  return starts.map((s, i) => Array.from({ length: (starts[i + 1] ?? fragments.length) - s }, (_, k) => s + k));
}

function extendedOffsets(header: DicomHeader): number[] | null {
  const el = header.dataSet.elements.x7fe00001;
  if (!el || el.length < 8) return null;
  const view = new DataView(header.dataSet.byteArray.buffer, header.dataSet.byteArray.byteOffset + el.dataOffset, el.length);
  return Array.from({ length: el.length >> 3 }, (_, i) => Number(view.getBigUint64(i * 8, true)));
}

/**
 * Locates the frames of the header's pixel data. `frameBits` is one native frame's size in bits (1-bit pixels
 * are packed across frames).
 */
export function locateFrames(header: DicomHeader, frames: number, frameBits: number): FrameLocator {
  const pixel = header.pixelData!;
  const { source } = header;
  if (!header.syntax.encapsulated) {
    if (pixel.length === null) throw new DicomError('damaged', 'is a damaged DICOM file (its uncompressed pixel data has an undefined length)');
    const needed = Math.ceil((frames * frameBits) / 8);
    const available = Math.min(pixel.length, source.size - pixel.offset);
    if (available < needed) throw new DicomError('incomplete', `is an incomplete DICOM file (its pixel data has ${available} of the ${needed} bytes its ${frames > 1 ? `${frames} frames need` : 'image needs'})`);
    return { kind: 'native', offset: pixel.offset, length: available, frameBits };
  }
  if (pixel.length !== null) throw new DicomError('damaged', 'is a damaged DICOM file (its compressed pixel data has a defined length instead of fragments)');
  const { bot, fragments } = readItems(source, pixel.offset);
  if (fragments.length === 0) throw new DicomError('incomplete', 'is an incomplete DICOM file (its compressed pixel data has no fragments)');
  const all = (): number[][] => [fragments.map((_, i) => i)];
  let groups: number[][] | null = frames === 1 ? all() : null;
  const eot = extendedOffsets(header);
  if (!groups && eot) groups = byOffsets(fragments, eot, frames);
  if (!groups && bot.length) groups = byOffsets(fragments, bot, frames);
  if (!groups && fragments.length === frames) groups = fragments.map((_, i) => [i]);
  if (!groups) {
    const starts = fragments.flatMap((f, i) => (startsCodestream(source, f) ? [i] : []));
    if (starts.length === frames && starts[0] === 0) groups = byOffsets(fragments, starts.map((s) => fragments[s].itemOffset), frames);
  }
  if (!groups) throw new DicomError('damaged', `is a damaged DICOM file (its ${fragments.length} pixel data fragments cannot be split into its ${frames} frames)`);
  return { kind: 'encapsulated', fragments, frames: groups };
}

/** The bytes of frame `index` (0-based), and for native 1-bit data the bit where it starts in them. */
export function readFrameBytes(source: ByteSource, locator: FrameLocator, index: number): { bytes: Uint8Array; bitOffset: number } {
  if (locator.kind === 'native') {
    const startBit = index * locator.frameBits;
    const start = Math.floor(startBit / 8);
    const end = Math.ceil((startBit + locator.frameBits) / 8);
    return { bytes: source.read(locator.offset + start, end - start), bitOffset: startBit - start * 8 };
  }
  const parts = locator.frames[index].map((i) => locator.fragments[i]);
  if (parts.length === 1) return { bytes: source.read(parts[0].offset, parts[0].length), bitOffset: 0 };
  const out = new Uint8Array(parts.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of parts) {
    out.set(source.read(f.offset, f.length), at);
    at += f.length;
  }
  return { bytes: out, bitOffset: 0 };
}
