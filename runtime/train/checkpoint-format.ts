/**
 * The checkpoint binary format, browser-safe (a browser can keep these bytes in IndexedDB;
 * runtime/node/checkpoint.ts writes them to files atomically).
 *
 * Layout (all little-endian):
 *   "AXONCKPT"  8 bytes magic
 *   u32         byte length H of the JSON header
 *   H bytes     UTF-8 JSON header (CheckpointHeader), then zero padding to a multiple of 8
 *   blobs       raw f32/i32 tensor data at the header's offsets (relative to the blob start)
 */
import type { TensorData } from '../session.ts';
import { SchemaError, anyObject, arrayOf, integer, objectOf, oneOf, string } from '../schema.ts';

export const CHECKPOINT_FORMAT = 'axon-checkpoint';
export const CHECKPOINT_VERSION = 1;
const MAGIC = 'AXONCKPT';

export interface Checkpoint {
  /** identifies the model architecture; a checkpoint only loads into the same id */
  modelId: string;
  /** completed epochs */
  epoch: number;
  params: Record<string, TensorData>;
  /** optimizer moments, step counters, batch-norm statistics */
  state: Record<string, TensorData>;
  /** JSON-safe extras: loop state (history, best metric, patience), hyperparameters, seed */
  metadata: Record<string, unknown>;
}

interface TensorEntry {
  name: string;
  group: 'param' | 'state';
  dtype: 'f32' | 'i32';
  length: number;
  offset: number;
}

interface CheckpointHeader {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  modelId: string;
  epoch: number;
  createdAt: string;
  metadata: Record<string, unknown>;
  tensors: TensorEntry[];
}

export function encodeCheckpoint(ckpt: Checkpoint): Uint8Array {
  const tensors: TensorEntry[] = [];
  const blobs: TensorData[] = [];
  let offset = 0;
  for (const [group, values] of [['param', ckpt.params], ['state', ckpt.state]] as const) {
    for (const [name, data] of Object.entries(values)) {
      const dtype = data instanceof Int32Array ? 'i32' : data instanceof Float32Array ? 'f32' : null;
      if (!dtype) throw new Error(`checkpoint: tensor "${name}" must be a Float32Array or Int32Array`);
      tensors.push({ name, group, dtype, length: data.length, offset });
      blobs.push(data);
      offset += data.length * 4;
    }
  }
  const header: CheckpointHeader = {
    format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, modelId: ckpt.modelId, epoch: ckpt.epoch,
    createdAt: new Date().toISOString(), metadata: ckpt.metadata, tensors,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const blobStart = align8(12 + json.length);
  const out = new Uint8Array(blobStart + offset);
  const view = new DataView(out.buffer);
  for (let i = 0; i < MAGIC.length; i++) out[i] = MAGIC.charCodeAt(i);
  view.setUint32(8, json.length, true);
  out.set(json, 12);
  tensors.forEach((t, i) => {
    const data = blobs[i]!;
    const base = blobStart + t.offset;
    if (t.dtype === 'f32') for (let k = 0; k < data.length; k++) view.setFloat32(base + 4 * k, data[k]!, true);
    else for (let k = 0; k < data.length; k++) view.setInt32(base + 4 * k, data[k]!, true);
  });
  return out;
}

/**
 * Decodes and validates a checkpoint. With `expectModelId`, a checkpoint of another model
 * is refused with an error naming both ids. `what` names the source (a path) in errors.
 */
export function decodeCheckpoint(bytes: Uint8Array, options: { expectModelId?: string; what?: string } = {}): Checkpoint {
  const what = options.what ?? 'checkpoint';
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (bytes.length < 12 || magic !== MAGIC) throw new Error(`${what}: not an Axon checkpoint (bad magic)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(8, true);
  if (12 + jsonLength > bytes.length) throw new Error(`${what}: truncated header (${jsonLength} header bytes declared, file has ${bytes.length})`);
  let header: CheckpointHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + jsonLength)));
  } catch (e) {
    throw new Error(`${what}: unreadable header JSON (${(e as Error).message})`);
  }
  if (header.format !== CHECKPOINT_FORMAT) throw new Error(`${what}: header format is "${String(header.format)}", expected "${CHECKPOINT_FORMAT}"`);
  if (header.version !== CHECKPOINT_VERSION) {
    throw new Error(`${what}: checkpoint version ${String(header.version)} is not supported (this Axon reads version ${CHECKPOINT_VERSION})`);
  }
  if (options.expectModelId !== undefined && header.modelId !== options.expectModelId) {
    throw new Error(`${what}: checkpoint is for model "${header.modelId}", not "${options.expectModelId}"; pass a checkpoint of this model or start without --resume`);
  }
  let tensors: TensorEntry[];
  try {
    tensors = tensorList(header.tensors, 'header.tensors');
    if (header.metadata !== undefined) anyObject(header.metadata, 'header.metadata');
  } catch (e) {
    if (e instanceof SchemaError) throw new Error(`${what}: ${e.message}`);
    throw e;
  }
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.name)) throw new Error(`${what}: tensor "${t.name}" appears twice`);
    seen.add(t.name);
  }
  const blobStart = align8(12 + jsonLength);
  const ckpt: Checkpoint = { modelId: header.modelId, epoch: header.epoch, params: {}, state: {}, metadata: header.metadata ?? {} };
  for (const t of tensors) {
    const base = blobStart + t.offset;
    if (base + t.length * 4 > bytes.length) {
      throw new Error(`${what}: truncated: tensor "${t.name}" needs bytes ${base}..${base + t.length * 4}, file has ${bytes.length}`);
    }
    const data = t.dtype === 'i32' ? new Int32Array(t.length) : new Float32Array(t.length);
    if (data instanceof Int32Array) for (let k = 0; k < t.length; k++) data[k] = view.getInt32(base + 4 * k, true);
    else for (let k = 0; k < t.length; k++) data[k] = view.getFloat32(base + 4 * k, true);
    if (data instanceof Float32Array) {
      // a diverged run's values: refuse them here rather than resume or deploy NaN weights
      const bad = data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new Error(`${what}: ${t.group === 'state' ? 'state tensor' : 'param'} "${t.name}" holds ${data[bad]} at index ${bad}; the run that saved it diverged: use an earlier checkpoint (or lower the learning rate and retrain)`);
      }
    }
    (t.group === 'state' ? ckpt.state : ckpt.params)[t.name] = data;
  }
  return ckpt;
}

const tensorList = arrayOf(objectOf({
  name: string, group: oneOf('param', 'state'), dtype: oneOf('f32', 'i32'), length: integer(0), offset: integer(0),
}));

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
