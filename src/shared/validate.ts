/**
 * Tiny runtime validators for IPC payloads (no schema library on purpose: the contract is small and every byte the
 * renderer sends must be checked in the main process).
 *
 * A validator takes an unknown value and either returns it, typed (and, for objects, rebuilt with only the known
 * keys), or throws a {@link ValidationError} whose message a person can read.
 */

export class ValidationError extends Error {
  /** Where in the payload the problem is, e.g. `payload.path`. */
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`${path} ${problem}`);
    this.name = 'ValidationError';
    this.path = path;
  }
}

export type Validator<T> = (value: unknown, path?: string) => T;
/** A validator for an object key that may be absent (see {@link optional}). */
export type OptionalValidator<T> = Validator<T | undefined> & { readonly optional: true };
export type Infer<V> = V extends Validator<infer T> ? T : never;

type Shape = Record<string, Validator<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { optional: true } ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type InferShape<S extends Shape> = Simplify<
  { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined> }
>;

const ROOT = 'payload';

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export interface StringOptions {
  minLength?: number;
  maxLength?: number;
  /** The whole value must match (anchor it with ^…$); `patternHint` says in words what is expected. */
  pattern?: RegExp;
  patternHint?: string;
}

export function string(opts: StringOptions = {}): Validator<string> {
  const { minLength = 0, maxLength = 10_000 } = opts;
  return (value, path = ROOT) => {
    if (typeof value !== 'string') throw new ValidationError(path, `must be text, not ${describe(value)}.`);
    if (value.length < minLength) {
      throw new ValidationError(path, minLength === 1 ? 'must not be empty.' : `must be at least ${minLength} characters.`);
    }
    if (value.length > maxLength) throw new ValidationError(path, `must be at most ${maxLength} characters.`);
    if (value.includes('\0')) throw new ValidationError(path, 'must not contain NUL characters.');
    if (opts.pattern && !opts.pattern.test(value)) {
      throw new ValidationError(path, `must be ${opts.patternHint ?? `text matching ${String(opts.pattern)}`}.`);
    }
    return value;
  };
}

export interface NumberOptions {
  min?: number;
  max?: number;
  integer?: boolean;
}

export function number(opts: NumberOptions = {}): Validator<number> {
  return (value, path = ROOT) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ValidationError(path, `must be a finite number, not ${describe(value)}.`);
    }
    if (opts.integer && !Number.isInteger(value)) throw new ValidationError(path, 'must be a whole number.');
    if (opts.min !== undefined && value < opts.min) throw new ValidationError(path, `must be at least ${opts.min}.`);
    if (opts.max !== undefined && value > opts.max) throw new ValidationError(path, `must be at most ${opts.max}.`);
    return value;
  };
}

export function boolean(): Validator<boolean> {
  return (value, path = ROOT) => {
    if (typeof value !== 'boolean') throw new ValidationError(path, `must be true or false, not ${describe(value)}.`);
    return value;
  };
}

/** One of a fixed list of strings (or numbers). */
export function oneOf<const T extends string | number>(values: readonly T[]): Validator<T> {
  const allowed = new Set<unknown>(values);
  return (value, path = ROOT) => {
    if (!allowed.has(value)) {
      throw new ValidationError(path, `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}.`);
    }
    return value as T;
  };
}

export interface ArrayOptions {
  minLength?: number;
  maxLength?: number;
}

/**
 * A list whose every item passes `item`. Sparse lists are refused: structured clone (Electron's IPC) keeps holes,
 * and `Array.prototype.map` skips them, so `[ , ]` would otherwise pass as a list of valid items and be stored as
 * `[null, null]`. The result is a fresh dense array (extra properties on the list are not carried over).
 */
export function array<T>(item: Validator<T>, opts: ArrayOptions = {}): Validator<T[]> {
  const { minLength = 0, maxLength = 10_000 } = opts;
  return (value, path = ROOT) => {
    if (!Array.isArray(value)) throw new ValidationError(path, `must be a list, not ${describe(value)}.`);
    if (value.length < minLength) throw new ValidationError(path, `must have at least ${minLength} items.`);
    if (value.length > maxLength) throw new ValidationError(path, `must have at most ${maxLength} items.`);
    const out: T[] = new Array<T>(value.length);
    for (let i = 0; i < value.length; i++) {
      if (!Object.hasOwn(value, i)) throw new ValidationError(`${path}[${i}]`, 'is missing (the list has a gap).');
      out[i] = item(value[i], `${path}[${i}]`);
    }
    return out;
  };
}

/** Accepts null as well as whatever `inner` accepts. */
export function nullable<T>(inner: Validator<T>): Validator<T | null> {
  return (value, path = ROOT) => (value === null ? null : inner(value, path));
}

/** A list of distinct values (repeats are refused, so a renderer cannot multiply work by repeating an item). */
export function uniqueArray<T extends string | number>(item: Validator<T>, opts: ArrayOptions = {}): Validator<T[]> {
  const list = array(item, opts);
  return (value, path = ROOT) => {
    const items = list(value, path);
    if (new Set(items).size !== items.length) throw new ValidationError(path, 'must not list the same item twice.');
    return items;
  };
}

/** Marks an object key as optional: absent (or undefined) is accepted, anything else must pass `inner`. */
export function optional<T>(inner: Validator<T>): OptionalValidator<T> {
  const v: Validator<T | undefined> = (value, path = ROOT) => (value === undefined ? undefined : inner(value, path));
  return Object.assign(v, { optional: true as const });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A plain object with exactly the keys of `shape`: unknown keys are rejected (not silently dropped), so a renderer
 * cannot smuggle options the main process never meant to accept. Returns a fresh object holding only known keys.
 */
export function object<S extends Shape>(shape: S): Validator<InferShape<S>> {
  const known = Object.keys(shape);
  return (value, path = ROOT) => {
    if (!isPlainObject(value)) throw new ValidationError(path, `must be an object, not ${describe(value)}.`);
    const extra = Reflect.ownKeys(value).filter((k) => typeof k !== 'string' || !Object.hasOwn(shape, k));
    if (extra.length > 0) {
      // Named in the message as the renderer sent them, so bounded: at most 5 names of at most 40 characters.
      const name = (k: string | symbol): string => (typeof k === 'symbol' ? 'a symbol' : JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}…` : k));
      const list = extra.slice(0, 5).map(name).join(', ') + (extra.length > 5 ? ` and ${extra.length - 5} more` : '');
      throw new ValidationError(path, `has unexpected ${extra.length === 1 ? 'field' : 'fields'} ${list}.`);
    }
    const out: Record<string, unknown> = {};
    for (const key of known) {
      const validator = shape[key];
      const hasKey = Object.hasOwn(value, key);
      if (!hasKey && !(validator as Partial<OptionalValidator<unknown>>).optional) {
        throw new ValidationError(`${path}.${key}`, 'is missing.');
      }
      const checked = validator(hasKey ? value[key] : undefined, `${path}.${key}`);
      if (checked !== undefined) out[key] = checked;
    }
    return out as InferShape<S>;
  };
}

/** For channels that take no payload: only `undefined` is accepted. */
export function none(): Validator<void> {
  return (value, path = ROOT) => {
    if (value !== undefined) throw new ValidationError(path, `must be empty, not ${describe(value)}.`);
  };
}

/** Runs a validator without throwing. */
export function check<T>(
  validator: Validator<T>,
  value: unknown,
): { ok: true; value: T } | { ok: false; error: ValidationError } {
  try {
    return { ok: true, value: validator(value) };
  } catch (e) {
    if (e instanceof ValidationError) return { ok: false, error: e };
    throw e;
  }
}
