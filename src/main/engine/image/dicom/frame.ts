/** What a frame decoder is given (the header's geometry) and what it gives back; shared by codecs.ts and rle.ts. */
/** A decoded frame: samples pixel-interleaved (or planar, see `planar`), unsigned unless `signed`. */
export interface DecodedFrame {
  samples: Uint8Array | Uint16Array | Uint32Array;
  width: number;
  height: number;
  components: number;
  /** Bits per sample the codestream itself declares. */
  bitsPerSample: number;
  /** The codestream's own samples are signed (JPEG 2000 can say so; DICOM's Pixel Representation decides). */
  signed: boolean;
  /** Samples come plane by plane (RLE segments, JPEG-LS without interleaving). */
  planar: boolean;
  /** The codec already turned YCbCr into RGB (libjpeg for 3-component JPEG; OpenJPEG's multi-component transform). */
  colourConverted: boolean;
}

/** The header's geometry of one frame, which a decoded frame must match. */
export interface FrameShape {
  width: number;
  height: number;
  components: number;
  bitsAllocated: number;
  photometric: string;
}
