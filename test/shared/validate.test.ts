import { describe, expect, it } from 'vitest';
import {
  array,
  boolean,
  check,
  none,
  number,
  object,
  oneOf,
  optional,
  string,
  ValidationError,
} from '../../src/shared/validate';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as Error).message;
  }
  throw new Error('expected a ValidationError');
}

describe('validators', () => {
  it('string: type, length, NUL', () => {
    const v = string({ minLength: 1, maxLength: 5 });
    expect(v('abc')).toBe('abc');
    expect(messageOf(() => v(3))).toBe('payload must be text, not a number.');
    expect(messageOf(() => v(''))).toBe('payload must not be empty.');
    expect(messageOf(() => v('abcdef'))).toBe('payload must be at most 5 characters.');
    expect(messageOf(() => v('a\0b'))).toMatch(/NUL/);
    expect(messageOf(() => string()(null))).toBe('payload must be text, not null.');
  });

  it('number: finite, integer, range', () => {
    const v = number({ min: 0, max: 10, integer: true });
    expect(v(3)).toBe(3);
    expect(messageOf(() => v('3'))).toBe('payload must be a finite number, not a string.');
    expect(messageOf(() => v(Number.NaN))).toBe('payload must be a finite number, not NaN.');
    expect(messageOf(() => v(Number.POSITIVE_INFINITY))).toMatch(/finite/);
    expect(messageOf(() => v(1.5))).toBe('payload must be a whole number.');
    expect(messageOf(() => v(-1))).toBe('payload must be at least 0.');
    expect(messageOf(() => v(11))).toBe('payload must be at most 10.');
  });

  it('boolean', () => {
    expect(boolean()(false)).toBe(false);
    expect(messageOf(() => boolean()('true'))).toMatch(/true or false/);
  });

  it('oneOf (enum)', () => {
    const v = oneOf(['cpu', 'webgpu', 'cuda']);
    expect(v('cuda')).toBe('cuda');
    expect(messageOf(() => v('tpu'))).toBe('payload must be one of "cpu", "webgpu", "cuda".');
    expect(messageOf(() => v(0))).toMatch(/one of/);
  });

  it('array: items checked with their index in the path', () => {
    const v = array(number(), { maxLength: 3 });
    expect(v([1, 2])).toEqual([1, 2]);
    expect(messageOf(() => v({ 0: 1, length: 1 }))).toBe('payload must be a list, not an object.');
    expect(messageOf(() => v([1, 'x']))).toBe('payload[1] must be a finite number, not a string.');
    expect(messageOf(() => v([1, 2, 3, 4]))).toBe('payload must have at most 3 items.');
  });

  it('object: known keys only, required and optional keys, nested paths', () => {
    const v = object({ path: string({ minLength: 1 }), ep: optional(oneOf(['cpu', 'cuda'])) });
    expect(v({ path: '/m.onnx' })).toEqual({ path: '/m.onnx' });
    expect(v({ path: '/m.onnx', ep: 'cpu' })).toEqual({ path: '/m.onnx', ep: 'cpu' });
    expect(v({ path: '/m.onnx', ep: undefined })).toEqual({ path: '/m.onnx' });
    expect(messageOf(() => v({}))).toBe('payload.path is missing.');
    expect(messageOf(() => v({ path: 1 }))).toBe('payload.path must be text, not a number.');
    expect(messageOf(() => v({ path: '/m.onnx', extra: true }))).toBe('payload has unexpected field "extra".');
    expect(messageOf(() => v({ path: '/m', a: 1, b: 2 }))).toBe('payload has unexpected fields "a", "b".');
    expect(messageOf(() => v(null))).toBe('payload must be an object, not null.');
    expect(messageOf(() => v(['/m.onnx']))).toBe('payload must be an object, not a list.');
    expect(messageOf(() => v(new Date()))).toMatch(/must be an object/);
  });

  it('object: rejects __proto__ smuggling and returns a fresh object', () => {
    const v = object({ path: string() });
    const evil = JSON.parse('{"path":"x","__proto__":{"polluted":true}}');
    expect(messageOf(() => v(evil))).toMatch(/unexpected field "__proto__"/);
    const input = { path: 'x' };
    expect(v(input)).not.toBe(input);
    expect(v(Object.assign(Object.create(null), { path: 'y' }))).toEqual({ path: 'y' });
  });

  it('none: only undefined', () => {
    expect(none()(undefined)).toBeUndefined();
    expect(messageOf(() => none()({}))).toBe('payload must be empty, not an object.');
    expect(messageOf(() => none()(null))).toBe('payload must be empty, not null.');
  });

  it('check() returns a result instead of throwing', () => {
    expect(check(number(), 2)).toEqual({ ok: true, value: 2 });
    const bad = check(number(), 'x');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.path).toBe('payload');
  });
});

describe('validators added for the workbench contract', () => {
  it('nullable, uniqueArray and string patterns', async () => {
    const { nullable, uniqueArray, number: num, string: str } = await import('../../src/shared/validate');
    const n = nullable(num({ integer: true }));
    expect(n(null)).toBeNull();
    expect(n(3)).toBe(3);
    expect(messageOf(() => n('3'))).toBe('payload must be a finite number, not a string.');
    const u = uniqueArray(num(), { maxLength: 3 });
    expect(u([1, 2])).toEqual([1, 2]);
    expect(messageOf(() => u([1, 1]))).toBe('payload must not list the same item twice.');
    const id = str({ pattern: /^[a-z]+$/, patternHint: 'lower-case letters' });
    expect(id('abc')).toBe('abc');
    expect(messageOf(() => id('ab1'))).toBe('payload must be lower-case letters.');
  });
});
