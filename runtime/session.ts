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

function typedFor(dtype: DType, v: FeedValue): TensorData {
  if (typeof v === 'number') v = [v];
  if (Array.isArray(v)) return dtype === 'i32' ? Int32Array.from(v) : Float32Array.from(v);
  return v;
}

/**
 * Validates caller feeds against the manifest's inputs: every input present, no unknown
 * names, right length and dtype. Errors name the input and what was expected.
 */
export function validateFeeds(manifest: Manifest, feeds: Feeds): Map<TensorSpec, TensorData> {
  if (feeds === null || typeof feeds !== 'object') throw new TypeError(`run(feeds): feeds must be an object mapping input names to arrays`);
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
    if (spec.dtype === 'f32' && raw instanceof Int32Array) throw new Error(`input "${spec.name}" expects f32 data (Float32Array) but got Int32Array`);
    if (spec.dtype === 'i32' && raw instanceof Float32Array) throw new Error(`input "${spec.name}" expects i32 data (Int32Array) but got Float32Array`);
    const data = typedFor(spec.dtype, raw);
    const n = elementCount(spec.shape);
    if (data.length !== n) {
      throw new Error(`input "${spec.name}" expects ${n} elements (shape [${spec.shape.join(', ')}]) but got ${data.length}`);
    }
    out.set(spec, data);
  }
  return out;
}

export function checkParamValues(manifest: Manifest, values: Record<string, TensorData | number[]>): Map<TensorSpec, TensorData> {
  const specs = new Map([...manifest.params, ...manifest.state].map((s) => [s.name, s]));
  const out = new Map<TensorSpec, TensorData>();
  for (const [name, v] of Object.entries(values)) {
    const spec = specs.get(name);
    if (!spec) throw new Error(`setParams: unknown parameter "${name}"; known: ${[...specs.keys()].join(', ')}`);
    const data = typedFor(spec.dtype, v);
    const n = elementCount(spec.shape);
    if (data.length !== n) throw new Error(`setParams: "${name}" expects ${n} elements (shape [${spec.shape.join(', ')}]) but got ${data.length}`);
    out.set(spec, data);
  }
  return out;
}
