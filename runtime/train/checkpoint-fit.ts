/**
 * Does a checkpoint fit a session or artifact? Before its values go anywhere (a resumed run, an
 * evaluation, weights baked into an artifact), every param must be there with the right dtype
 * and element count, no param may be foreign, and a resumed run needs the whole optimizer state.
 * Errors name the checkpoint (`what`, usually its path) and the tensor. Browser-safe.
 */
import { elementCount, type Manifest, type TensorSpec } from '../artifact.ts';
import type { TensorData } from '../session.ts';
import type { Checkpoint } from './checkpoint-format.ts';

export interface CheckpointFitOptions {
  /** names the checkpoint in errors (its path or URL) */
  what: string;
  /** require every state tensor (optimizer moments, step counters): resuming a training step */
  needState?: boolean;
  /** what to do when the state is missing (default: advice for --resume) */
  stateHint?: string;
}

export interface FittedCheckpoint {
  /** the manifest's params, from the checkpoint */
  params: Record<string, TensorData>;
  /** the manifest's state tensors the checkpoint has (all of them with needState) */
  state: Record<string, TensorData>;
}

const describe = (s: TensorSpec) => `${s.dtype}[${s.shape.join(', ')}]`;
const list = (names: string[]) => (names.length > 8 ? `${names.slice(0, 8).join(', ')}, … (${names.length} in all)` : names.join(', ')) || 'none';

export function fitCheckpoint(ckpt: Checkpoint, manifest: Pick<Manifest, 'name' | 'params' | 'state'>, options: CheckpointFitOptions): FittedCheckpoint {
  const { what } = options;
  const paramNames = new Set(manifest.params.map((s) => s.name));
  const foreign = Object.keys(ckpt.params).filter((n) => !paramNames.has(n));
  if (foreign.length) {
    throw new Error(`${what}: param${foreign.length > 1 ? 's' : ''} ${list(foreign.map((n) => `"${n}"`))} ${foreign.length > 1 ? 'are' : 'is'} not in "${manifest.name}" (its params: ${list([...paramNames])}); is the checkpoint of another architecture or other model options?`);
  }
  const missing = manifest.params.filter((s) => !(s.name in ckpt.params));
  if (missing.length) {
    throw new Error(`${what}: lacks param${missing.length > 1 ? 's' : ''} ${list(missing.map((s) => `"${s.name}" (${describe(s)})`))} of "${manifest.name}"; the checkpoint is incomplete or of another model`);
  }
  const params: Record<string, TensorData> = {};
  for (const spec of manifest.params) params[spec.name] = checkTensor(ckpt.params[spec.name]!, spec, 'param', what);

  const state: Record<string, TensorData> = {};
  const lacking: TensorSpec[] = [];
  for (const spec of manifest.state) {
    const data = ckpt.state[spec.name];
    if (data === undefined) lacking.push(spec);
    else state[spec.name] = checkTensor(data, spec, 'state tensor', what);
  }
  if (options.needState && lacking.length) {
    const none = lacking.length === manifest.state.length;
    throw new Error(`${what}: ${none ? 'has no optimizer state' : `lacks optimizer state ${list(lacking.map((s) => `"${s.name}"`))}`} (needed to resume "${manifest.name}": ${list(manifest.state.map((s) => s.name))}); `
      + (options.stateHint ?? 'resume from the last.axckpt a run wrote, or train without --resume'));
  }
  return { params, state };
}

function checkTensor(data: TensorData, spec: TensorSpec, kind: string, what: string): TensorData {
  const dtype = data instanceof Int32Array ? 'i32' : data instanceof Float32Array ? 'f32' : null;
  if (dtype !== spec.dtype) {
    throw new Error(`${what}: ${kind} "${spec.name}" is ${dtype ?? 'not a typed array'}, but the model's "${spec.name}" is ${describe(spec)}`);
  }
  const n = elementCount(spec.shape);
  if (data.length !== n) {
    throw new Error(`${what}: ${kind} "${spec.name}" has ${data.length} values, but the model's "${spec.name}" is ${describe(spec)} (${n} values); was it trained with other model options (e.g. --hidden)?`);
  }
  return data;
}
