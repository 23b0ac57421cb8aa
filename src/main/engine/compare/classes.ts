/**
 * Matching two models' classes by name, so that "the same class" means the same thing in both even when their
 * outputs are in another order. Names are compared trimmed and case-insensitively (as labels are matched to class
 * names, evaluate/dataset.ts); both models must name exactly the same classes, each once.
 */
import { basename } from 'node:path';
import { CamscopeError } from '../errors';
import type { ClassMatch } from './types';

/** One model's class names and the file they belong to (named in the refusal). */
export interface NamedClasses {
  file: string;
  names: readonly string[];
}

// Declared with the comparison's data (./types), which the app's contract reads without this file's node imports.
export type { ClassMatch } from './types';

/** The form a name is compared in. */
export function classKey(name: string): string {
  return name.trim().toLowerCase();
}

function indexByName(m: NamedClasses): Map<string, number> {
  const byName = new Map<string, number>();
  m.names.forEach((name, i) => {
    const key = classKey(name);
    const first = byName.get(key);
    if (first !== undefined) {
      throw new CamscopeError('INVALID_ARGUMENT', `The model ${m.file} calls classes ${first} and ${i} both "${name.trim()}", so its classes cannot be matched by name with another model's; give each class its own name (in the model's sidecar or the project).`);
    }
    byName.set(key, i);
  });
  return byName;
}

/**
 * A's and B's classes matched by name; refuses, in one sentence naming both files, when a class of one is not a
 * class of the other (the first such class: A's in A's order, else B's in B's order).
 */
export function matchClasses(a: NamedClasses, b: NamedClasses): ClassMatch {
  const inA = indexByName(a);
  const inB = indexByName(b);
  const refuse = (name: string, owner: NamedClasses, other: NamedClasses): never => {
    throw new CamscopeError('INVALID_ARGUMENT', `The models ${a.file} and ${b.file} cannot be compared: class "${name.trim()}" of ${basename(owner.file)} is not a class of ${basename(other.file)} (classes are matched by name; each model's names come from its sidecar, the dataset's labels or the project).`);
  };
  const aToB = a.names.map((name) => inB.get(classKey(name)) ?? refuse(name, a, b));
  const bToA = b.names.map((name) => inA.get(classKey(name)) ?? refuse(name, b, a));
  return { aToB, bToA, sameOrder: aToB.every((j, i) => j === i) && a.names.length === b.names.length };
}
