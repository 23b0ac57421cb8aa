/**
 * A minimal Explicit VR Little Endian Part 10 writer for tests that need files too large to commit (5,000
 * frames). Elements are written in the order given (callers keep tag order); pixel data is written native or as
 * RLE fragments, streamed frame by frame so the writer never holds the whole file either.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

type Value = { vr: string; data: Buffer };

const LONG = new Set(['OB', 'OW', 'SQ', 'UN', 'UT', 'OF', 'OD', 'OL', 'UC', 'UR']);

export const str = (vr: string, s: string): Value => {
  const b = Buffer.from(s.length % 2 ? s + (vr === 'UI' ? '\0' : ' ') : s, 'latin1');
  return { vr, data: b };
};
export const us = (v: number): Value => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return { vr: 'US', data: b };
};

function element(group: number, el: number, vr: string, data: Buffer, undefinedLength = false): Buffer {
  const long = LONG.has(vr);
  const h = Buffer.alloc(long ? 12 : 8);
  h.writeUInt16LE(group, 0);
  h.writeUInt16LE(el, 2);
  h.write(vr, 4, 'latin1');
  if (long) h.writeUInt32LE(undefinedLength ? 0xffffffff : data.length, 8);
  else h.writeUInt16LE(data.length, 6);
  return Buffer.concat([h, data]);
}

const item = (data: Buffer, tag = 0xe000): Buffer => {
  const h = Buffer.alloc(8);
  h.writeUInt16LE(0xfffe, 0);
  h.writeUInt16LE(tag, 2);
  h.writeUInt32LE(data.length, 4);
  return Buffer.concat([h, data]);
};

/** PackBits of one byte plane (literal runs only: valid RLE, if not small). */
function packBits(plane: Uint8Array): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < plane.length; i += 128) {
    const run = plane.subarray(i, Math.min(plane.length, i + 128));
    parts.push(Buffer.from([run.length - 1]), Buffer.from(run));
  }
  const out = Buffer.concat(parts);
  return out.length % 2 ? Buffer.concat([out, Buffer.from([0x80])]) : out;
}

/** One 16-bit monochrome frame as an RLE fragment (two segments: high bytes, then low bytes). */
function rleFrame(samples: Uint16Array): Buffer {
  const hi = packBits(Uint8Array.from(samples, (v) => v >> 8));
  const lo = packBits(Uint8Array.from(samples, (v) => v & 0xff));
  const header = Buffer.alloc(64);
  header.writeUInt32LE(2, 0);
  header.writeUInt32LE(64, 4);
  header.writeUInt32LE(64 + hi.length, 8);
  return Buffer.concat([header, hi, lo]);
}

/**
 * Writes a 16-bit unsigned MONOCHROME2 file of `frames` frames of rows×columns, frame k's pixel i being
 * `value(k, i)` (k from 0), native or RLE.
 */
export function writeMultiFrame(path: string, o: { rows: number; columns: number; frames: number; rle: boolean; value: (frame: number, i: number) => number }): void {
  const syntax = o.rle ? '1.2.840.10008.1.2.5' : '1.2.840.10008.1.2.1';
  const metaBody = Buffer.concat([
    element(0x0002, 0x0001, 'OB', Buffer.from([0, 1])),
    element(0x0002, 0x0002, 'UI', str('UI', '1.2.840.10008.5.1.4.1.1.7').data),
    element(0x0002, 0x0003, 'UI', str('UI', '1.2.3.4.5.6.7.8.9').data),
    element(0x0002, 0x0010, 'UI', str('UI', syntax).data),
  ]);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(metaBody.length);
  const dataset: [number, number, Value][] = [
    [0x0008, 0x0016, str('UI', '1.2.840.10008.5.1.4.1.1.7')],
    [0x0008, 0x0060, str('CS', 'OT')],
    [0x0010, 0x0010, str('PN', 'Doe^Jane')],
    [0x0028, 0x0002, us(1)],
    [0x0028, 0x0004, str('CS', 'MONOCHROME2')],
    [0x0028, 0x0008, str('IS', String(o.frames))],
    [0x0028, 0x0010, us(o.rows)],
    [0x0028, 0x0011, us(o.columns)],
    [0x0028, 0x0100, us(16)],
    [0x0028, 0x0101, us(16)],
    [0x0028, 0x0102, us(15)],
    [0x0028, 0x0103, us(0)],
  ];
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, Buffer.alloc(128));
    writeSync(fd, Buffer.concat([Buffer.from('DICM'), element(0x0002, 0x0000, 'UL', groupLength), metaBody]));
    for (const [g, e, v] of dataset) writeSync(fd, element(g, e, v.vr, v.data));
    const n = o.rows * o.columns;
    const frame = (k: number): Uint16Array => Uint16Array.from({ length: n }, (_, i) => o.value(k, i));
    if (!o.rle) {
      const header = Buffer.alloc(12);
      header.writeUInt16LE(0x7fe0, 0);
      header.writeUInt16LE(0x0010, 2);
      header.write('OW', 4, 'latin1');
      header.writeUInt32LE(n * 2 * o.frames, 8);
      writeSync(fd, header);
      for (let k = 0; k < o.frames; k++) writeSync(fd, Buffer.from(frame(k).buffer));
    } else {
      writeSync(fd, element(0x7fe0, 0x0010, 'OB', Buffer.alloc(0), true));
      writeSync(fd, item(Buffer.alloc(0)));
      for (let k = 0; k < o.frames; k++) writeSync(fd, item(rleFrame(frame(k))));
      writeSync(fd, item(Buffer.alloc(0), 0xe0dd));
    }
  } finally {
    closeSync(fd);
  }
}
