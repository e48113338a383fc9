/**
 * A small typed validator for JSON read from disk or the network (artifact manifests). Each
 * checker returns the value with its static type or throws a SchemaError naming the field's path
 * (`manifest.inputs[2].shape[1]`), what was expected and what was found. Unknown object keys are
 * kept and not checked, so a newer writer's additive fields do not break an older reader.
 */
export class SchemaError extends Error {
  constructor(readonly path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'SchemaError';
  }
}

export type Check<T> = (value: unknown, path: string) => T;
/** The static type a checker produces. */
export type Infer<C> = C extends Check<infer T> ? T : never;

/** Short description of a found value for messages (no huge dumps). */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

export const string: Check<string> = (v, path) => {
  if (typeof v !== 'string') throw new SchemaError(path, `expected a string, got ${describeValue(v)}`);
  return v;
};

export const boolean: Check<boolean> = (v, path) => {
  if (typeof v !== 'boolean') throw new SchemaError(path, `expected true or false, got ${describeValue(v)}`);
  return v;
};

/** A safe integer, at least `min` (default 0). */
export function integer(min = 0): Check<number> {
  return (v, path) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      throw new SchemaError(path, `expected an integer ≥ ${min}, got ${describeValue(v)}`);
    }
    return v;
  };
}

export function oneOf<const T extends readonly (string | number)[]>(...values: T): Check<T[number]> {
  return (v, path) => {
    if (!values.includes(v as T[number])) {
      throw new SchemaError(path, `expected ${values.map((x) => JSON.stringify(x)).join(' or ')}, got ${describeValue(v)}`);
    }
    return v as T[number];
  };
}

export function arrayOf<T>(item: Check<T>): Check<T[]> {
  return (v, path) => {
    if (!Array.isArray(v)) throw new SchemaError(path, `expected an array, got ${describeValue(v)}`);
    return v.map((x, i) => item(x, `${path}[${i}]`));
  };
}

export function tripleOf<T>(item: Check<T>): Check<[T, T, T]> {
  const all = arrayOf(item);
  return (v, path) => {
    const out = all(v, path);
    if (out.length !== 3) throw new SchemaError(path, `expected 3 entries, got ${out.length}`);
    return out as [T, T, T];
  };
}

/** A JSON object of any content (free-form statistics). */
export const anyObject: Check<Record<string, unknown>> = (v, path) => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new SchemaError(path, `expected an object, got ${describeValue(v)}`);
  return v as Record<string, unknown>;
};

const OPTIONAL = Symbol('optional');
/** Marks an object field that may be absent. */
export interface Optional<T> extends Check<T | undefined> {
  [OPTIONAL]: true;
}
export function optional<T>(check: Check<T>): Optional<T> {
  const c = ((v: unknown, path: string) => (v === undefined ? undefined : check(v, path))) as Optional<T>;
  c[OPTIONAL] = true;
  return c;
}

type Fields = Record<string, Check<unknown>>;
type RequiredKeys<F extends Fields> = { [K in keyof F]: F[K] extends Optional<unknown> ? never : K }[keyof F];
type OptionalKeys<F extends Fields> = Exclude<keyof F, RequiredKeys<F>>;
type Expand<T> = { [K in keyof T]: T[K] };
export type ObjectOf<F extends Fields> = Expand<
  { [K in RequiredKeys<F>]: Infer<F[K]> } & { [K in OptionalKeys<F>]?: Exclude<Infer<F[K]>, undefined> }
>;

/** An object with the given fields (checked in order); unknown keys are kept unchecked. */
export function objectOf<F extends Fields>(fields: F): Check<ObjectOf<F>> {
  return (v, path) => {
    const o = anyObject(v, path);
    const out: Record<string, unknown> = { ...o };
    for (const [key, check] of Object.entries(fields)) {
      const x = check(o[key], `${path}.${key}`);
      if (x === undefined) delete out[key];
      else out[key] = x;
    }
    return out as ObjectOf<F>;
  };
}
