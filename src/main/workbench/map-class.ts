/**
 * What a map explains: a class index, or a contrast "A, not B" (the engine's ContrastChoice). Every cache of maps and
 * per-image values keys on both classes, so a contrast map is never served for the plain class or the reverse contrast.
 */
import type { ContrastChoice } from '../engine/explain';

export type MapClass = number | ContrastChoice;

/** A contrast when `versus` is a class, else the plain class. */
export function mapClass(classIndex: number, versus: number | null | undefined): MapClass {
  return versus === null || versus === undefined ? classIndex : { classIndex, versus };
}

/** The explained class A. */
export function explainedClass(c: MapClass): number {
  return typeof c === 'number' ? c : c.classIndex;
}

/** The class B of a contrast, or undefined. */
export function versusClass(c: MapClass): number | undefined {
  return typeof c === 'number' ? undefined : c.versus;
}

/** The class part of an in-memory key: "3" or "3-not-5". */
export function mapClassKey(c: MapClass): string {
  return typeof c === 'number' ? `${c}` : `${c.classIndex}-not-${c.versus}`;
}
