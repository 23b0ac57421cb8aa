/**
 * A compact binary envelope for contract values that carry typed arrays (maps, pixels, thumbnails, prediction
 * tables), used by the web bridge where there is no structured clone: the JSON skeleton holds `{"$bin": i}`
 * placeholders and the arrays follow as raw bytes, 8-byte aligned so they can be viewed without copying.
 *
 * Layout: "CSW1" | u32 LE byte length of the JSON | JSON (UTF-8) | padding to 8 | parts.
 * No imports on purpose: the bridge serves this file to the browser as is (transpiled).
 */

type TypedArrayName = 'u8' | 'i32' | 'f32' | 'f64' | 'u16' | 'i16' | 'u32';
type AnyTypedArray = Uint8Array | Int32Array | Float32Array | Float64Array | Uint16Array | Int16Array | Uint32Array;

interface Part {
  t: TypedArrayName;
  /** Byte offset from the start of the parts section. */
  o: number;
  /** Element count. */
  n: number;
}

const MAGIC = [0x43, 0x53, 0x57, 0x31]; // "CSW1"

function typedName(v: ArrayBufferView): TypedArrayName | null {
  if (v instanceof Uint8Array) return 'u8';
  if (v instanceof Int32Array) return 'i32';
  if (v instanceof Float32Array) return 'f32';
  if (v instanceof Float64Array) return 'f64';
  if (v instanceof Uint16Array) return 'u16';
  if (v instanceof Int16Array) return 'i16';
  if (v instanceof Uint32Array) return 'u32';
  return null;
}

function construct(t: TypedArrayName, buffer: ArrayBuffer, offset: number, n: number): AnyTypedArray {
  switch (t) {
    case 'u8':
      return new Uint8Array(buffer, offset, n);
    case 'i32':
      return new Int32Array(buffer, offset, n);
    case 'f32':
      return new Float32Array(buffer, offset, n);
    case 'f64':
      return new Float64Array(buffer, offset, n);
    case 'u16':
      return new Uint16Array(buffer, offset, n);
    case 'i16':
      return new Int16Array(buffer, offset, n);
    case 'u32':
      return new Uint32Array(buffer, offset, n);
  }
}

const align8 = (n: number): number => (n + 7) & ~7;

/** Does the value hold any typed array (then it needs the envelope rather than plain JSON)? */
export function hasBinary(value: unknown): boolean {
  if (ArrayBuffer.isView(value)) return true;
  if (Array.isArray(value)) return value.some(hasBinary);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasBinary);
  return false;
}

/** Encodes a JSON-like value that may contain typed arrays. */
export function encodeWire(value: unknown): Uint8Array {
  const parts: Part[] = [];
  const views: ArrayBufferView[] = [];
  let size = 0;
  const walk = (v: unknown): unknown => {
    if (ArrayBuffer.isView(v)) {
      const t = typedName(v);
      if (!t) throw new TypeError('wire: unsupported binary view');
      const n = (v as AnyTypedArray).length;
      parts.push({ t, o: size, n });
      views.push(v);
      size = align8(size + v.byteLength);
      return { $bin: parts.length - 1 };
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = walk(x);
      return out;
    }
    return v;
  };
  const skeleton = walk(value);
  const json = new TextEncoder().encode(JSON.stringify({ v: skeleton === undefined ? null : skeleton, p: parts }));
  const head = align8(8 + json.length);
  const out = new Uint8Array(head + size);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(4, json.length, true);
  out.set(json, 8);
  views.forEach((view, i) => out.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), head + parts[i].o));
  return out;
}

/** Decodes {@link encodeWire}'s bytes; typed arrays are views on `bytes`' buffer (copied first when unaligned). */
export function decodeWire(bytes: Uint8Array): unknown {
  if (bytes.length < 8 || MAGIC.some((m, i) => bytes[i] !== m)) throw new Error('wire: not a camscope envelope');
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  const jsonLength = new DataView(aligned.buffer, aligned.byteOffset, aligned.byteLength).getUint32(4, true);
  const { v, p } = JSON.parse(new TextDecoder().decode(aligned.subarray(8, 8 + jsonLength))) as { v: unknown; p: Part[] };
  const head = aligned.byteOffset + align8(8 + jsonLength);
  const restore = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(restore);
    if (x !== null && typeof x === 'object') {
      const keys = Object.keys(x);
      if (keys.length === 1 && keys[0] === '$bin') {
        const part = p[(x as { $bin: number }).$bin];
        return construct(part.t, aligned.buffer as ArrayBuffer, head + part.o, part.n);
      }
      const out: Record<string, unknown> = {};
      for (const [k, y] of Object.entries(x)) out[k] = restore(y);
      return out;
    }
    return x;
  };
  return restore(v);
}
