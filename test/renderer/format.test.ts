// The map cards' time: a map computed in a fraction of a millisecond must not read "0 ms" (a missing value).
import { describe, expect, it } from 'vitest';
import { milliseconds } from '../../src/renderer/src/lib/format';

describe('milliseconds', () => {
  it('says "< 1 ms" below half a millisecond, rounds to ms below a second, then seconds', () => {
    expect(milliseconds(0)).toBe('< 1 ms');
    expect(milliseconds(0.3)).toBe('< 1 ms');
    expect(milliseconds(0.6)).toBe('1 ms');
    expect(milliseconds(42.4)).toBe('42 ms');
    expect(milliseconds(1530)).toBe('1.5 s');
  });
});
