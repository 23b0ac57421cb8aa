/**
 * The attributes that say how to read a DICOM image (Image Pixel, Multi-frame, Modality LUT, VOI LUT and Palette
 * Color modules of PS3.3), read from the header and checked. Patient and institution attributes are never read.
 */
import type { DicomVoi, Lut, VoiFunction } from '../intensity';
import { DicomError, type DicomHeader } from './header';
import type { DataSet, Element } from './parser';

export type Photometric = 'MONOCHROME1' | 'MONOCHROME2' | 'RGB' | 'YBR_FULL' | 'YBR_FULL_422' | 'YBR_ICT' | 'YBR_RCT' | 'PALETTE COLOR';
const PHOTOMETRICS = new Set<string>(['MONOCHROME1', 'MONOCHROME2', 'RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_ICT', 'YBR_RCT', 'PALETTE COLOR']);

export interface PixelModule {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  photometric: Photometric;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
  /** 0: R1G1B1R2G2B2…, 1: RRR…GGG…BBB… */
  planarConfiguration: 0 | 1;
  frames: number;
  modality: string | null;
  rescale: { slope: number; intercept: number };
  modalityLut: Lut | null;
  windows: DicomVoi[];
  palette: { red: Lut; green: Lut; blue: Lut } | null;
}

/** The largest side camscope reads (the 100-megapixel guard refuses far smaller images first). */
const MAX_SIDE = 65535;

const attr = (tag: string): string => `(${tag.slice(1, 5)},${tag.slice(5)})`.toUpperCase();

function readString(ds: DataSet, tag: string): string | null {
  const v = ds.string(tag);
  return v === undefined ? null : v.replace(/\0/g, '').trim() || null;
}

/** A multi-valued DS/IS element as numbers; a value that is not a number is damage, named with the attribute. */
function readNumbers(ds: DataSet, tag: string, name: string): number[] {
  const raw = readString(ds, tag);
  if (raw === null) return [];
  return raw.split('\\').map((p) => {
    const v = Number(p.trim());
    if (p.trim() === '' || !Number.isFinite(v)) throw new DicomError('damaged', `is a damaged DICOM file (its ${name} ${attr(tag)} is '${p.trim().slice(0, 20).replace(/[^\x20-\x7e]/g, '?')}', not a number)`);
    return v;
  });
}

function readUs(ds: DataSet, tag: string): number | null {
  const el = ds.elements[tag];
  if (!el || el.length < 2) return null;
  return ds.uint16(tag) ?? null;
}

function required(ds: DataSet, tag: string, name: string): number {
  const v = readUs(ds, tag);
  if (v === null) throw new DicomError('damaged', `is a damaged DICOM file (it has pixel data but no ${name} ${attr(tag)})`);
  return v;
}

/** A LUT from its descriptor (entries, first mapped value, bits) and data element; signed first value when `signedFirst`. */
function readLut(ds: DataSet, descriptorTag: string, dataTag: string, signedFirst: boolean, name: string): Lut {
  const desc = ds.elements[descriptorTag];
  const data = ds.elements[dataTag];
  if (!desc || desc.length < 6 || !data) throw new DicomError('damaged', `is a damaged DICOM file (its ${name} has no descriptor or no data)`);
  const entries = ds.uint16(descriptorTag, 0)! || 65536;
  const first = signedFirst ? ds.int16(descriptorTag, 1)! : ds.uint16(descriptorTag, 1)!;
  let bits = ds.uint16(descriptorTag, 2)!;
  const eightBitData = data.length === entries; // some writers pack 8-bit entries one per byte
  const values = new Uint16Array(entries);
  for (let i = 0; i < entries; i++) {
    if (eightBitData) values[i] = ds.byteArray[data.dataOffset + i];
    else if (2 * i + 1 < data.length) values[i] = ds.uint16(dataTag, i)!;
    else throw new DicomError('damaged', `is a damaged DICOM file (its ${name} has fewer entries than its descriptor says)`);
  }
  if (eightBitData) bits = 8;
  if (bits < 1 || bits > 16) throw new DicomError('damaged', `is a damaged DICOM file (its ${name} has ${bits}-bit entries)`);
  return { first, data: values, bits };
}

function firstItem(ds: DataSet, tag: string): DataSet | null {
  const el: Element | undefined = ds.elements[tag];
  return el?.items?.[0]?.dataSet ?? null;
}

function readWindows(ds: DataSet, signed: boolean): DicomVoi[] {
  const centers = readNumbers(ds, 'x00281050', 'Window Center');
  const widths = readNumbers(ds, 'x00281051', 'Window Width');
  const explanations = (readString(ds, 'x00281055') ?? '').split('\\');
  const fnName = (readString(ds, 'x00281056') ?? 'LINEAR').toUpperCase();
  const fn: VoiFunction = fnName === 'SIGMOID' || fnName === 'LINEAR_EXACT' ? fnName : 'LINEAR';
  const out: DicomVoi[] = [];
  for (let i = 0; i < Math.min(centers.length, widths.length); i++) {
    // A linear window narrower than 1 (or any width ≤ 0) is meaningless; such entries are skipped, not used.
    if (widths[i] < (fn === 'LINEAR' ? 1 : Number.MIN_VALUE)) continue;
    out.push({ kind: 'window', center: centers[i], width: widths[i], fn, explanation: explanations[i]?.trim().slice(0, 64) || null });
  }
  const luts = ds.elements.x00283010?.items ?? [];
  for (const item of luts) {
    if (!item.dataSet) continue;
    const lut = readLut(item.dataSet, 'x00283002', 'x00283006', signed, 'VOI LUT');
    out.push({ kind: 'lut', lut, explanation: readString(item.dataSet, 'x00283003')?.slice(0, 64) ?? null });
  }
  return out;
}

/** Reads and checks the pixel module; the DICOMDIR, no-image and size refusals are the caller's. */
export function readPixelModule(header: DicomHeader): PixelModule {
  const ds = header.dataSet;
  const rows = required(ds, 'x00280010', 'Rows');
  const columns = required(ds, 'x00280011', 'Columns');
  if (rows === 0 || columns === 0) throw new DicomError('no-image', `says its image is ${columns}x${rows} pixels, so it holds no image to use`);
  if (rows > MAX_SIDE || columns > MAX_SIDE) throw new DicomError('too-large', `${columns}x${rows}`, { width: columns, height: rows });
  const samplesPerPixel = readUs(ds, 'x00280002') ?? 1;
  const bitsAllocated = required(ds, 'x00280100', 'Bits Allocated');
  const bitsStored = readUs(ds, 'x00280101') ?? bitsAllocated;
  const signed = (readUs(ds, 'x00280103') ?? 0) === 1;
  const photometricRaw = (readString(ds, 'x00280004') ?? (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2')).toUpperCase();
  if (!PHOTOMETRICS.has(photometricRaw)) {
    throw new DicomError('unsupported', `has the photometric interpretation '${photometricRaw.slice(0, 20).replace(/[^\x20-\x7e]/g, '?')}', which camscope cannot read`);
  }
  const photometric = photometricRaw as Photometric;
  const expectedSamples = photometric.startsWith('MONOCHROME') || photometric === 'PALETTE COLOR' ? 1 : 3;
  if (samplesPerPixel !== expectedSamples) throw new DicomError('damaged', `is a damaged DICOM file (it has ${samplesPerPixel} samples per pixel for ${photometric})`);
  if (![1, 8, 16, 32].includes(bitsAllocated)) throw new DicomError('unsupported', `has ${bitsAllocated} bits allocated per sample, which camscope cannot read (it reads 1, 8, 16 and 32)`);
  if (bitsStored < 1 || bitsStored > bitsAllocated) throw new DicomError('damaged', `is a damaged DICOM file (its Bits Stored, ${bitsStored}, does not fit its Bits Allocated, ${bitsAllocated})`);
  const framesList = readNumbers(ds, 'x00280008', 'Number of Frames');
  const frames = framesList.length ? framesList[0] : 1;
  if (!Number.isInteger(frames) || frames < 1) throw new DicomError('damaged', `is a damaged DICOM file (its Number of Frames is ${frames})`);
  const slope = readNumbers(ds, 'x00281053', 'Rescale Slope')[0] ?? 1;
  const intercept = readNumbers(ds, 'x00281052', 'Rescale Intercept')[0] ?? 0;
  if (slope === 0) throw new DicomError('damaged', 'is a damaged DICOM file (its Rescale Slope is 0, which maps every pixel to one value)');
  const modalityItem = firstItem(ds, 'x00283000');
  return {
    rows,
    columns,
    samplesPerPixel,
    photometric,
    bitsAllocated,
    bitsStored,
    signed,
    planarConfiguration: samplesPerPixel > 1 && readUs(ds, 'x00280006') === 1 ? 1 : 0,
    frames,
    modality: readString(ds, 'x00080060')?.slice(0, 16) ?? null,
    rescale: { slope, intercept },
    modalityLut: modalityItem ? readLut(modalityItem, 'x00283002', 'x00283006', signed, 'Modality LUT') : null,
    windows: expectedSamples === 1 && photometric !== 'PALETTE COLOR' ? readWindows(ds, signed) : [],
    palette:
      photometric === 'PALETTE COLOR'
        ? {
            red: readLut(ds, 'x00281101', 'x00281201', false, 'red palette'),
            green: readLut(ds, 'x00281102', 'x00281202', false, 'green palette'),
            blue: readLut(ds, 'x00281103', 'x00281203', false, 'blue palette'),
          }
        : null,
  };
}
