/**
 * The one session interface both backends implement, and the feed validation they share.
 */
import { elementCount, type DType, type Manifest, type TensorSpec } from './artifact.ts';

export type TensorData = Float32Array | Int32Array;
export type FeedValue = TensorData | number[] | number;
export type Feeds = Record<string, FeedValue>;
export type Outputs = Record<string, TensorData>;

export interface RunOptions {
  /** read back only these outputs (default: all) */
  outputs?: string[];
  /**
   * Refuse f32 feeds holding NaN or ±Infinity (default false: such values are fed as they are
   * and propagate through the IEEE arithmetic into the outputs; a training step then writes
   * non-finite params unless it was built with `trainStep(…, { skipNonFinite: true })`).
   */
  checkFinite?: boolean;
}

export interface Session {
  readonly manifest: Manifest;
  readonly backend: Manifest['backend'];
  /** Runs the program once. Training artifacts also update their params and state in place. */
  run(feeds: Feeds, options?: RunOptions): Promise<Outputs>;
  /** Current values of params (and, with `includeState`, optimizer state), by name. */
  getParams(includeState?: boolean): Promise<Record<string, TensorData>>;
  /** Overwrites params/state by name; unknown names and wrong sizes are errors. */
  setParams(values: Record<string, TensorData | number[]>): Promise<void>;
  /** Releases the module memory or GPU buffers (and a device the session created). */
  dispose(): void;
}

const describeValue = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'no prototype'})`;
  return `a ${typeof v}${typeof v === 'string' ? ` ("${v.length > 20 ? `${v.slice(0, 20)}…` : v}")` : ''}`;
};

/**
 * A feed or param value as the typed array of `dtype`, or an error naming `what` and what is
 * wrong: a string, object, null or a nested array is never coerced, a typed array must be the
 * dtype's own (Float32Array for f32, Int32Array for i32), and a number array must hold only
 * numbers (integers for i32: 1.5 would be truncated silently).
 */
function typedFor(what: string, dtype: DType, shape: readonly number[], v: unknown): TensorData {
  const want = `${dtype === 'i32' ? 'an Int32Array' : 'a Float32Array'} (or an array of numbers) with ${elementCount(shape)} elements for shape [${shape.join(', ')}]`;
  if (typeof v === 'number') v = [v];
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (Array.isArray(x) || ArrayBuffer.isView(x)) throw new TypeError(`${what} is a nested array; flatten nested arrays first (e.g. value.flat(Infinity)): expected ${want}`);
      if (typeof x !== 'number') throw new TypeError(`${what}: element ${i} is ${describeValue(x)}, not a number; expected ${want}`);
      if (dtype === 'i32' && !Number.isInteger(x)) throw new RangeError(`${what} is i32 but element ${i} is ${x}, not an integer`);
    }
    return dtype === 'i32' ? Int32Array.from(v as number[]) : Float32Array.from(v as number[]);
  }
  if (dtype === 'f32' && v instanceof Float32Array) return v;
  if (dtype === 'i32' && v instanceof Int32Array) return v;
  if (ArrayBuffer.isView(v)) throw new TypeError(`${what} expects ${dtype} data (${dtype === 'i32' ? 'Int32Array' : 'Float32Array'}) but got ${v.constructor.name}; convert it with ${dtype === 'i32' ? 'Int32Array' : 'Float32Array'}.from(value)`);
  throw new TypeError(`${what} is ${describeValue(v)}; expected ${want}`);
}

/** i32 class labels outside [0, classes) would select no class: a silently wrong loss */
function checkClassIndices(spec: TensorSpec, data: TensorData): void {
  const k = spec.classes!;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < 0 || v >= k) throw new RangeError(`input "${spec.name}" holds class labels in [0, ${k}) but element ${i} is ${v}`);
  }
}

/**
 * Validates caller feeds against the manifest's inputs: every input present, no unknown
 * names, right length and dtype. Errors name the input and what was expected.
 */
export function validateFeeds(manifest: Manifest, feeds: Feeds, options: RunOptions = {}): Map<TensorSpec, TensorData> {
  if (feeds === null || typeof feeds !== 'object' || Array.isArray(feeds) || ArrayBuffer.isView(feeds)) throw new TypeError(`run(feeds): feeds must be an object mapping input names to arrays, got ${describeValue(feeds)}`);
  const byName = new Map(manifest.inputs.map((s) => [s.name, s]));
  const expected = () => {
    const all = manifest.inputs.map((s) => `${s.name}: ${s.dtype}[${s.shape.join(', ')}]`);
    return all.length > 12 ? `${all.slice(0, 12).join('; ')}; … (${all.length} in all)` : all.join('; ');
  };
  for (const name of Object.keys(feeds)) {
    if (!byName.has(name)) throw new Error(`unknown input "${name}" for model "${manifest.name}"; its inputs are ${expected() || '(none)'}`);
  }
  const out = new Map<TensorSpec, TensorData>();
  for (const spec of manifest.inputs) {
    const raw = feeds[spec.name];
    if (raw === undefined) throw new Error(`missing input "${spec.name}" (${spec.dtype}[${spec.shape.join(', ')}]) for model "${manifest.name}"`);
    const data = typedFor(`input "${spec.name}"`, spec.dtype, spec.shape, raw);
    const n = elementCount(spec.shape);
    if (data.length !== n) {
      throw new Error(`input "${spec.name}" expects ${n} elements (shape [${spec.shape.join(', ')}]) but got ${data.length}`);
    }
    if (spec.classes !== undefined) checkClassIndices(spec, data);
    if (options.checkFinite && spec.dtype === 'f32') {
      const bad = firstNonFinite(data);
      if (bad) throw new RangeError(`input "${spec.name}" holds ${bad.value} at element ${bad.index} (run option checkFinite)`);
    }
    out.set(spec, data);
  }
  return out;
}

function firstNonFinite(values: TensorData): { index: number; value: number } | undefined {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return { index: i, value: values[i]! };
  return undefined;
}

/** Validates setParams values: known names, each the param's own typed array (or numbers), right length, finite. */
export function checkParamValues(manifest: Manifest, values: Record<string, TensorData | number[]>): Map<TensorSpec, TensorData> {
  if (values === null || typeof values !== 'object') throw new TypeError(`setParams: expected an object mapping param names to arrays, got ${describeValue(values)}`);
  const specs = new Map([...manifest.params, ...manifest.state].map((s) => [s.name, s]));
  const out = new Map<TensorSpec, TensorData>();
  for (const [name, v] of Object.entries(values)) {
    const spec = specs.get(name);
    if (!spec) throw new Error(`setParams: unknown parameter "${name}"; known: ${[...specs.keys()].join(', ')}`);
    const data = typedFor(`setParams: "${name}"`, spec.dtype, spec.shape, v);
    const n = elementCount(spec.shape);
    if (data.length !== n) throw new Error(`setParams: "${name}" expects ${n} elements (shape [${spec.shape.join(', ')}]) but got ${data.length}`);
    const bad = spec.dtype === 'f32' ? firstNonFinite(data) : undefined;
    if (bad) throw new RangeError(`setParams: "${name}" holds ${bad.value} at element ${bad.index}; params and state must be finite`);
    out.set(spec, data);
  }
  return out;
}
