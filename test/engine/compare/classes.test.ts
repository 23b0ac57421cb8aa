/** Two models' classes matched by name: reordered lists match, a missing class is refused in one sentence. */
import { describe, expect, it } from 'vitest';
import { matchClasses } from '../../../src/main/engine/compare/classes';

const A = '/models/a.onnx';
const B = '/models/b.onnx';

describe('matchClasses', () => {
  it('the same names in the same order: the identity', () => {
    expect(matchClasses({ file: A, names: ['cat', 'dog', 'fox'] }, { file: B, names: ['cat', 'dog', 'fox'] })).toEqual({ aToB: [0, 1, 2], bToA: [0, 1, 2], sameOrder: true });
  });

  it('the same names in another order are matched by name (trimmed, case-insensitive)', () => {
    const m = matchClasses({ file: A, names: ['cat', 'dog', 'fox'] }, { file: B, names: ['Fox', ' cat', 'DOG '] });
    expect(m).toEqual({ aToB: [1, 2, 0], bToA: [2, 0, 1], sameOrder: false });
  });

  it('a class of A missing in B: one sentence naming both files and the class', () => {
    expect(() => matchClasses({ file: A, names: ['cat', 'dog', 'fox'] }, { file: B, names: ['cat', 'wolf', 'fox'] })).toThrow(
      'The models /models/a.onnx and /models/b.onnx cannot be compared: class "dog" of a.onnx is not a class of b.onnx (classes are matched by name; each model\'s names come from its sidecar, the dataset\'s labels or the project).',
    );
  });

  it('B with one class more: the first of B\'s classes that A lacks', () => {
    expect(() => matchClasses({ file: A, names: ['cat', 'dog'] }, { file: B, names: ['dog', 'cat', 'emu', 'yak'] })).toThrow(/class "emu" of b\.onnx is not a class of a\.onnx/);
  });

  it('a model naming two classes alike cannot be matched', () => {
    expect(() => matchClasses({ file: A, names: ['cat', 'Cat'] }, { file: B, names: ['cat', 'dog'] })).toThrow(
      /^The model \/models\/a\.onnx calls classes 0 and 1 both "Cat"/,
    );
  });
});
