/**
 * The DICOM parser camscope uses: cornerstone's dicom-parser (MIT, the most used DICOM Part 10 parser on npm and
 * the one OHIF/cornerstone read every file with). It was chosen over dcmjs and daikon because it parses without
 * copying values and can stop at a tag: it hands back each element's offset and length, so camscope reads the
 * header up to the pixel data and then fetches one frame at a time from the file (dcmjs builds the whole dataset,
 * pixel data included, in memory). It decodes no pixels; the codecs are in codecs.ts.
 *
 * Loaded with require: the package is a webpack UMD bundle whose named exports Node's ESM loader cannot see.
 */
import { createRequire } from 'node:module';
import type * as DicomParserModule from 'dicom-parser';

export type DicomParser = typeof DicomParserModule & {
  DataSet: new (parser: DicomParserModule.ByteArrayParser, byteArray: Uint8Array, elements: Record<string, DicomParserModule.Element>) => DicomParserModule.DataSet;
};
export type { DataSet, Element } from 'dicom-parser';

export const dicomParser = createRequire(import.meta.url)('dicom-parser') as DicomParser;
