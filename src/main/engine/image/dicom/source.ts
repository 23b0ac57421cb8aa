/**
 * Bytes of a DICOM file read where they are needed: the header once, then one frame at a time, so a 5,000-frame
 * file (gigabytes) never sits in memory whole. A deflated file is the exception: its dataset must be inflated
 * from the start, so it is held in memory (bounded by {@link MAX_INFLATED_BYTES}).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface ByteSource {
  readonly size: number;
  /** Bytes [offset, offset+length) clipped to the end of the source. */
  read(offset: number, length: number): Uint8Array;
  close(): void;
}

/** Largest dataset a deflated file may inflate to (a zip-bomb guard). */
export const MAX_INFLATED_BYTES = 1024 * 1024 * 1024;

export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
    close: () => {},
  };
}

/** A source over an open file; throws the fs error (ENOENT, EACCES, EIO…) for the caller to word. */
export function fileSource(path: string): ByteSource {
  const fd = openSync(path, 'r');
  let size: number;
  try {
    size = fstatSync(fd).size;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  let open = true;
  return {
    size,
    read(offset, length) {
      const n = Math.max(0, Math.min(length, size - offset));
      const out = new Uint8Array(n);
      let done = 0;
      while (done < n) {
        const got = readSync(fd, out, done, n - done, offset + done);
        if (got === 0) return out.subarray(0, done); // the file shrank while it was read
        done += got;
      }
      return out;
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}
