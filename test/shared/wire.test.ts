import { describe, expect, it } from 'vitest';
import { decodeWire, encodeWire, hasBinary } from '../../src/shared/wire';

describe('wire envelope (web bridge)', () => {
  it('round-trips JSON with typed arrays, keeping their types and values', () => {
    const value = {
      ok: true,
      value: {
        jobId: 'e-1',
        map: Float32Array.of(0, 0.25, 1),
        pixels: Uint8Array.of(1, 2, 3, 4, 5),
        rows: [{ indices: Int32Array.of(-1, 7) }, null, 'x'],
        nested: { deep: [Float64Array.of(Math.PI)] },
        skipped: undefined,
      },
    };
    const bytes = encodeWire(value);
    expect([...bytes.subarray(0, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('CSW1');
    const back = decodeWire(bytes) as typeof value;
    expect(back.value.map).toBeInstanceOf(Float32Array);
    expect([...back.value.map]).toEqual([0, 0.25, 1]);
    expect([...back.value.pixels]).toEqual([1, 2, 3, 4, 5]);
    expect((back.value.rows[0] as { indices: Int32Array }).indices).toEqual(Int32Array.of(-1, 7));
    expect(back.value.rows.slice(1)).toEqual([null, 'x']);
    expect(back.value.nested.deep[0][0]).toBe(Math.PI);
    expect('skipped' in back.value).toBe(false);
  });

  it('handles views into larger buffers and unaligned input', () => {
    const big = new Float32Array(100).map((_, i) => i);
    const view = big.subarray(10, 13);
    const bytes = encodeWire({ view });
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const back = decodeWire(shifted.subarray(3)) as { view: Float32Array };
    expect([...back.view]).toEqual([10, 11, 12]);
  });

  it('plain values pass through; non-envelopes are refused', () => {
    expect(decodeWire(encodeWire(null))).toBeNull();
    expect(decodeWire(encodeWire([1, 'a', { b: false }]))).toEqual([1, 'a', { b: false }]);
    expect(() => decodeWire(new TextEncoder().encode('{"v":1}'))).toThrow(/not a camscope envelope/);
    expect(hasBinary({ a: [1, { b: Uint8Array.of(1) }] })).toBe(true);
    expect(hasBinary({ a: [1, { b: 'x' }] })).toBe(false);
  });
});
