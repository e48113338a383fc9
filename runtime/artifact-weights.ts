/**
 * Baking values into an artifact: `axon compile --checkpoint` and deployments ship trained
 * weights in weights.bin instead of the initial ones, so a page or service needs no checkpoint
 * file and no setParams call. Browser-safe; the compiler is not needed.
 */
import { elementCount, type Artifact, type InitSegment, type TensorSpec } from './artifact.ts';
import { sealArtifact } from './artifact-integrity.ts';
import type { TensorData } from './session.ts';

/**
 * A copy of `artifact` whose weights.bin holds `values` (params or state, by name) as their
 * initial contents; the manifest's file list is recomputed. Unknown names, wrong dtypes or
 * element counts and non-finite numbers are refused; `what` names the values' source in errors.
 */
export async function bakeWeights(artifact: Artifact, values: Record<string, TensorData>, what = 'bakeWeights'): Promise<Artifact> {
  const m = artifact.manifest;
  const specs = new Map<string, TensorSpec>([...m.params, ...m.state].map((s) => [s.name, s]));
  const old = artifact.files['weights.bin'];
  if (typeof old === 'string') throw new Error(`${what}: weights.bin of "${m.name}" must be binary`);
  const weights = old ?? new Uint8Array(0);
  const appended: { seg: InitSegment; data: TensorData }[] = [];
  const overwritten: { source: number; data: TensorData }[] = [];
  let end = weights.byteLength;
  for (const [name, data] of Object.entries(values)) {
    const spec = specs.get(name);
    if (!spec) throw new Error(`${what}: "${name}" is not a param or state tensor of "${m.name}" (it has ${[...specs.keys()].join(', ') || 'none'})`);
    checkValues(spec, data, what);
    const bytes = data.length * 4;
    const seg = m.init.find((s) => s.offset === spec.offset && s.bytes === bytes);
    if (seg) overwritten.push({ source: seg.source, data });
    else {
      // no init segment of exactly this tensor (e.g. zero-initialized): append one, applied after the others
      appended.push({ seg: { offset: spec.offset, source: end, bytes }, data });
      end += bytes;
    }
  }
  const out = new Uint8Array(end);
  out.set(weights);
  const write = (at: number, data: TensorData) => out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
  for (const o of overwritten) write(o.source, o.data);
  for (const a of appended) write(a.seg.source, a.data);
  const manifest = { ...m, init: [...m.init, ...appended.map((a) => a.seg)] };
  return sealArtifact({ manifest, files: { ...artifact.files, 'weights.bin': out } });
}

function checkValues(spec: TensorSpec, data: TensorData, what: string): void {
  const want = spec.dtype === 'i32' ? Int32Array : Float32Array;
  if (!(data instanceof want)) {
    throw new Error(`${what}: "${spec.name}" must be ${spec.dtype} (${want.name}), got ${(data as object)?.constructor?.name ?? typeof data}`);
  }
  const n = elementCount(spec.shape);
  if (data.length !== n) throw new Error(`${what}: "${spec.name}" has ${data.length} values, but "${spec.name}" is ${spec.dtype}[${spec.shape.join(', ')}] (${n} values)`);
  if (data instanceof Float32Array) {
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`${what}: "${spec.name}" holds ${data[bad]} at index ${bad}; refusing to bake non-finite weights`);
  }
}
