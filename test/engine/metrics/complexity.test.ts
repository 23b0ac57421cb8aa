/** Sparseness (Gini) and complexity (entropy) against NumPy/SciPy (test/fixtures/road/make-road.py) and by hand. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { complexity, sparseness } from '../../../src/main/engine/metrics/complexity';

const fixture = JSON.parse(readFileSync(join(__dirname, '../../fixtures/road/road.json'), 'utf8')) as {
  complexity: { name: string; map: number[]; sparseness: number; complexity: number }[];
};

describe('sparseness and complexity against NumPy/SciPy', () => {
  for (const c of fixture.complexity) {
    it(c.name, () => {
      expect(sparseness(c.map)).toBeCloseTo(c.sparseness, 9);
      expect(complexity(c.map)).toBeCloseTo(c.complexity, 9);
    });
  }
});

describe('sparseness and complexity by hand', () => {
  it('one pixel holding everything: Gini 1 − 1/n, entropy 0', () => {
    const m = new Float32Array(10);
    m[3] = 0.7;
    expect(sparseness(m)).toBeCloseTo(0.9, 12);
    expect(complexity(m)).toBe(0);
  });

  it('a flat map: Gini 0, entropy ln n', () => {
    expect(sparseness(new Float32Array(8).fill(0.25))).toBeCloseTo(0, 12);
    expect(complexity(new Float32Array(8).fill(0.25))).toBeCloseTo(Math.log(8), 12);
  });

  it('[0, 1, 1, 2]: Gini (−3·0 − 1 + 1 + 3·2) / (4·4) = 0.375; entropy of (0, ¼, ¼, ½) = 1.5 ln 2', () => {
    expect(sparseness([2, 0, 1, 1])).toBeCloseTo(0.375, 12);
    expect(complexity([2, 0, 1, 1])).toBeCloseTo(1.5 * Math.log(2), 12);
  });

  it('uses absolute values, and is undefined for an all-zero map', () => {
    expect(sparseness([-2, 0, 1, -1])).toBeCloseTo(0.375, 12);
    expect(sparseness(new Float32Array(5))).toBeNull();
    expect(complexity(new Float32Array(5))).toBeNull();
  });
});
