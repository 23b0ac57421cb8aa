/**
 * The result cache: predictions, maps and per-image metric values kept in the project, keyed by everything that
 * determines them, so reopening a project, the image view, faithfulness, drill-down and exports read what an
 * earlier computation (or an evaluation) already made instead of running the model again.
 *
 * Keys hash: the model file's fingerprint, the preprocessing (with the intensity mapping of DICOM and 16-bit images,
 * when one is set) and output semantics, the requested precision (ScoreCAM's
 * scoring arithmetic), the image's content identity (size + modification and status-change times, as resumes use),
 * and for maps the layer, method id and settings and the explained class (and, for a contrast "A, not B", the class B:
 * absent from the hashed object otherwise, so plain keys stay what they were). The provider is not in the key: CPU and
 * GPU results agree to rounding.
 *
 * Maps are stored as 16-bit values at the input resolution (the CLI's map PNG precision, ≤ 7.7e-6 from the exact
 * map), deflated; metric values and logits exactly.
 */
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { CamMap } from '../methods/base';
import type { Classifier } from '../model/classifier';

/** Where cached entries live (the project database implements it). */
export interface ResultStore {
  cacheGet(key: string): Uint8Array | null;
  cachePut(entries: readonly { key: string; kind: string; bytes: Uint8Array }[]): void;
}

export type CacheKind = 'prediction' | 'map' | 'faithfulness';

function hash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 40);
}

/** What determines a model's numbers (not its class names, which only label them). */
export function modelIdentity(c: Classifier): Record<string, unknown> {
  // The intensity mapping is in (a DICOM's pixels depend on it); who set it is not.
  const { classes: _names, layer: _layer, intensitySource: _source, ...preprocessing } = c.profile;
  return { fingerprint: c.inspection.fingerprint, preprocessing, output: c.inspection.output, precision: c.requestedPrecision };
}

export function predictionKey(c: Classifier, content: string): string {
  return `prediction:${hash({ model: modelIdentity(c), content })}`;
}

/** `versus`: the class a contrast map was explained against (undefined: the plain class). */
export function mapKey(c: Classifier, content: string, classIndex: number, method: { id: string; settings: Record<string, unknown> }, versus?: number): string {
  return `map:${hash({ model: modelIdentity(c), layer: c.layer.name, layout: c.layer.layout, content, classIndex, ...contrast(versus), method: method.id, settings: method.settings })}`;
}

export function faithfulnessKey(c: Classifier, content: string, classIndex: number, method: string, versus?: number): string {
  return `faithfulness:${hash({ model: modelIdentity(c), layer: c.layer.name, content, classIndex, ...contrast(versus), method })}`;
}

function contrast(versus: number | undefined): { versus?: number } {
  return versus === undefined ? {} : { versus };
}

/** A cached map: the map itself and what was recorded when it was computed. */
export interface CachedMap {
  result: CamMap;
  timeMs: number;
}

/** [4-byte header length][JSON header][deflated uint16 little-endian values]. */
export function encodeMap(m: CachedMap): Uint8Array {
  const { map, width, height, flat, forwardPasses } = m.result;
  const q = new Uint16Array(map.length);
  for (let i = 0; i < map.length; i++) q[i] = Math.round(Math.min(1, Math.max(0, map[i])) * 65535);
  const header = new TextEncoder().encode(JSON.stringify({ width, height, flat, forwardPasses, timeMs: m.timeMs }));
  const body = deflateRawSync(new Uint8Array(q.buffer), { level: 6 });
  const out = new Uint8Array(4 + header.length + body.length);
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 4);
  out.set(body, 4 + header.length);
  return out;
}

export function decodeMap(bytes: Uint8Array): CachedMap {
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  const h = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + n))) as { width: number; height: number; flat: boolean; forwardPasses: number; timeMs: number };
  const raw = inflateRawSync(bytes.subarray(4 + n));
  const q = new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
  const map = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) map[i] = q[i] / 65535;
  return { result: { map, width: h.width, height: h.height, flat: h.flat, forwardPasses: h.forwardPasses }, timeMs: h.timeMs };
}

export function encodeFloats(v: Float32Array): Uint8Array {
  return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

export function decodeFloats(bytes: Uint8Array): Float32Array {
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

export function decodeJson<T>(bytes: Uint8Array): T {
  return JSON.parse(new TextDecoder().decode(bytes)) as T;
}
