/**
 * `axon run DIR`: load an artifact directory written by `axon compile` (no compiler involved),
 * feed its inputs from files (or zeros), run it once and show the outputs.
 *
 * Input files: .json holds a number or a (nested) array of numbers; .bin holds raw little-endian
 * values of the input's dtype (f32 or i32). Inputs not given are fed zeros, with a note.
 */
import { readFileSync } from 'node:fs';
import { readJsonFile } from '../files.ts';
import { extname } from 'node:path';
import { createSession, loadArtifact } from '../../runtime/node/index.ts';
import { elementCount, type TensorSpec } from '../../runtime/artifact.ts';
import type { Feeds, TensorData } from '../../runtime/session.ts';
import { importOnnxFile, isOnnxPath } from '../onnx-model.ts';

async function compileOnnx(file: string, flags: RunFlags) {
  const { compile } = await import('../../compiler/compile.ts');
  const { graph } = await importOnnxFile(file, flags.shape);
  return compile(graph, { backend: flags.backend ?? 'wasm' });
}

export interface RunFlags {
  /** name=file pairs (--input, repeatable) */
  input?: string[];
  /** one JSON file mapping input names to arrays (--inputs) */
  inputs?: string;
  threads?: number;
  /** run this many times (the outputs are those of the last run; later runs show warm timings) */
  repeat?: number;
  /** an .onnx model instead of an artifact: compiled for this backend first, with these input shapes */
  backend?: 'wasm' | 'webgpu';
  shape?: string[];
}

export interface RunResult {
  name: string;
  backend: string;
  /** the first run: on WebGPU it includes building the pipelines */
  seconds: number;
  /** median of the runs after the first (with --repeat > 1) */
  warmSeconds?: number;
  zeroFed: string[];
  outputs: { name: string; dtype: string; shape: number[]; data: TensorData }[];
}

export async function runCommand(dir: string, flags: RunFlags, io: { log?: (s: string) => void } = {}): Promise<RunResult> {
  const log = io.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const artifact = isOnnxPath(dir) ? await compileOnnx(dir, flags) : await loadArtifact(dir);
  const m = artifact.manifest;
  const given = new Map<string, FeedSource>();
  if (flags.inputs) {
    const obj = readJsonFile(flags.inputs, `--inputs ${flags.inputs}`);
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new Error(`--inputs ${flags.inputs}: expected a JSON object mapping input names to arrays`);
    for (const [name, v] of Object.entries(obj)) given.set(name, { value: v, from: flags.inputs });
  }
  for (const pair of flags.input ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new Error(`--input "${pair}": expected name=file.json or name=file.bin`);
    given.set(pair.slice(0, eq), { file: pair.slice(eq + 1), from: pair.slice(eq + 1) });
  }
  const byName = new Map(m.inputs.map((s) => [s.name, s]));
  const feeds: Feeds = {};
  for (const [name, src] of given) {
    const spec = byName.get(name);
    if (!spec) throw new Error(`artifact "${m.name}" has no input "${name}"; its inputs are ${m.inputs.map(describe).join(', ') || '(none)'}`);
    feeds[name] = readFeed(spec, src);
  }
  const zeroFed = m.inputs.filter((s) => !(s.name in feeds)).map((s) => s.name);
  for (const s of m.inputs) if (!(s.name in feeds)) feeds[s.name] = s.dtype === 'i32' ? new Int32Array(elementCount(s.shape)) : new Float32Array(elementCount(s.shape));
  if (zeroFed.length) log(`note: feeding zeros to ${zeroFed.map((n) => describe(byName.get(n)!)).join(', ')}`);

  const session = await createSession(artifact, flags.threads ? { threads: flags.threads } : {});
  try {
    const times: number[] = [];
    let out = {} as Awaited<ReturnType<typeof session.run>>;
    for (let i = 0; i < Math.max(1, flags.repeat ?? 1); i++) {
      const t0 = performance.now();
      out = await session.run(feeds);
      times.push((performance.now() - t0) / 1000);
    }
    const outputs = m.outputs.map((s) => ({ name: s.name, dtype: s.dtype, shape: s.shape, data: out[s.name]! }));
    const warm = times.slice(1).sort((a, b) => a - b);
    return {
      name: m.name, backend: m.backend, seconds: times[0]!, zeroFed, outputs,
      ...(warm.length ? { warmSeconds: warm[Math.floor(warm.length / 2)]! } : {}),
    };
  } finally {
    session.dispose();
  }
}

type FeedSource = { value: unknown; from: string } | { file: string; from: string };

function readFeed(spec: TensorSpec, src: FeedSource): TensorData {
  const n = elementCount(spec.shape);
  let data: TensorData;
  if ('file' in src && extname(src.file).toLowerCase() === '.bin') {
    let buf: Buffer;
    try {
      buf = readFileSync(src.file);
    } catch (e) {
      throw new Error(`--input ${spec.name}=${src.file}: ${(e as NodeJS.ErrnoException).code === 'EISDIR' ? 'is a directory, not a file' : (e as Error).message}`);
    }
    if (buf.byteLength !== n * 4) throw new Error(`input "${spec.name}" (${describe(spec)}) needs ${n * 4} bytes of little-endian ${spec.dtype}, but ${src.file} has ${buf.byteLength}`);
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    data = spec.dtype === 'i32' ? Int32Array.from({ length: n }, (_, i) => view.getInt32(i * 4, true)) : Float32Array.from({ length: n }, (_, i) => view.getFloat32(i * 4, true));
  } else {
    const value = 'file' in src ? readJsonFile(src.file, `--input ${spec.name}=${src.file}`) : src.value;
    const flat = typeof value === 'number' ? [value] : Array.isArray(value) ? (value.flat(Infinity) as unknown[]) : null;
    if (!flat || flat.some((v) => typeof v !== 'number')) throw new Error(`input "${spec.name}" from ${src.from}: expected a number or an array of numbers`);
    if (flat.length !== n) throw new Error(`input "${spec.name}" (${describe(spec)}) needs ${n} values, but ${src.from} has ${flat.length}`);
    data = spec.dtype === 'i32' ? Int32Array.from(flat as number[]) : Float32Array.from(flat as number[]);
  }
  return data;
}

const describe = (s: TensorSpec) => `${s.name}: ${s.dtype}[${s.shape.join(', ')}]`;

export function formatRun(r: RunResult, first = 8): string {
  const lines = [`ran "${r.name}" on ${r.backend} in ${(r.seconds * 1000).toFixed(1)} ms`
    + (r.warmSeconds !== undefined ? ` (first run); later runs ${(r.warmSeconds * 1000).toFixed(2)} ms (median)` : '')];
  for (const o of r.outputs) {
    const shown = Array.from(o.data.subarray(0, first), (v) => (o.dtype === 'i32' ? String(v) : v.toPrecision(5)));
    lines.push(`  ${o.name}: ${o.dtype}[${o.shape.join(', ')}] = ${shown.join(', ')}${o.data.length > first ? `, … (${o.data.length} values)` : ''}`);
  }
  return lines.join('\n');
}

export function runJson(r: RunResult): string {
  return JSON.stringify({
    name: r.name, backend: r.backend, seconds: r.seconds, warm_seconds: r.warmSeconds ?? null, zero_fed: r.zeroFed,
    outputs: Object.fromEntries(r.outputs.map((o) => [o.name, { dtype: o.dtype, shape: o.shape, data: Array.from(o.data) }])),
  }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}
