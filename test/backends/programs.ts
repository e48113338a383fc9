/**
 * Shared helpers for backend tests: build kernel-IR Programs by hand (buffers laid out at
 * 16-byte-aligned arena offsets), assemble a test Artifact from a backend's RenderedProgram,
 * and run the reference interpreter on the same feeds. Used by the wasm and WebGPU suites;
 * keep changes additive.
 */
import type { BinaryAlu, BufferDecl, BufferRole, DType, Expr, Kernel, Program, Store, UnaryAlu, View } from '../../compiler/kernel/ir.ts';
import { allocateMemory, runProgram } from '../../compiler/kernel/interpret.ts';
import type { RenderedProgram } from '../../compiler/backends/backend.ts';
import { ARTIFACT_FORMAT, ARTIFACT_VERSION, type Artifact, type InitSegment, type Manifest, type TensorSpec } from '../../runtime/artifact.ts';
import type { Feeds, TensorData } from '../../runtime/session.ts';
import { mulberry32 } from '../../runtime/data/prng.ts';

export function contiguous(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]!; }
  return s;
}

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export class ProgramBuilder {
  private readonly buffers: BufferDecl[] = [];
  private readonly kernels: Kernel[] = [];
  private readonly roles: Record<'inputs' | 'outputs' | 'params' | 'state', { name: string; buffer: number }[]> = { inputs: [], outputs: [], params: [], state: [] };
  private bytes = 0;

  buffer(name: string, shape: number[], role: BufferRole, dtype: DType = 'f32', init?: Float32Array | Int32Array): number {
    const id = this.buffers.length;
    const n = size(shape);
    this.buffers.push({ id, name, dtype, size: n, shape, role, offset: this.bytes, ...(init ? { init } : {}) });
    this.bytes += Math.ceil((n * 4) / 16) * 16;
    const list = role === 'input' ? 'inputs' : role === 'output' ? 'outputs' : role === 'param' ? 'params' : role === 'state' ? 'state' : undefined;
    if (list) this.roles[list].push({ name, buffer: id });
    return id;
  }

  input(name: string, shape: number[], dtype: DType = 'f32'): number { return this.buffer(name, shape, 'input', dtype); }
  output(name: string, shape: number[], dtype: DType = 'f32'): number { return this.buffer(name, shape, 'output', dtype); }
  temp(shape: number[], dtype: DType = 'f32'): number { return this.buffer(`t${this.buffers.length}`, shape, 'temp', dtype); }
  param(name: string, init: Float32Array, shape: number[] = [init.length]): number { return this.buffer(name, shape, 'param', 'f32', init); }
  stateBuffer(name: string, init: Float32Array | Int32Array, shape: number[] = [init.length]): number {
    return this.buffer(name, shape, 'state', init instanceof Int32Array ? 'i32' : 'f32', init);
  }

  dtype(buffer: number): DType { return this.buffers[buffer]!.dtype; }
  shape(buffer: number): number[] { return this.buffers[buffer]!.shape; }

  kernel(k: Kernel): this { this.kernels.push(k); return this; }

  build(): Program {
    return { buffers: this.buffers, kernels: this.kernels, arenaBytes: this.bytes, ...this.roles };
  }
}

// ---- expression shorthands ----
export const view = (buffer: number, strides: number[], offset = 0): View => ({ buffer, offset, strides });
export const load = (v: View, dtype: DType = 'f32'): Expr => ({ op: 'load', view: v, dtype });
export const lit = (value: number, dtype: DType = 'f32'): Expr => ({ op: 'const', value, dtype });
export const un = (fn: UnaryAlu, a: Expr, dtype: DType = a.dtype): Expr => ({ op: 'unary', fn, a, dtype });
export const bin = (fn: BinaryAlu, a: Expr, b: Expr, dtype: DType = a.dtype): Expr => ({ op: 'binary', fn, a, b, dtype });
export const select = (cond: Expr, a: Expr, b: Expr, dtype: DType = a.dtype): Expr => ({ op: 'select', cond, a, b, dtype });
export const index = (axis: number): Expr => ({ op: 'index', axis, dtype: 'i32' });
export const random = (seed: Expr): Expr => ({ op: 'random', seed, dtype: 'f32' });
export const acc = (dtype: DType = 'f32'): Expr => ({ op: 'acc', dtype });
export const store = (v: View, expr: Expr): Store => ({ view: v, expr });

// ---- deterministic data ----
/** the data pipeline's seeded PRNG (mulberry32) */
export const rng = mulberry32;

export function randomF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

export function randomI32(n: number, seed: number, lo = -10, hi = 10): Int32Array {
  const r = rng(seed);
  return Int32Array.from({ length: n }, () => lo + Math.floor((hi - lo + 1) * r()));
}

/** Random feeds for every input of the program. */
export function randomFeeds(program: Program, seed = 1): Record<string, TensorData> {
  const feeds: Record<string, TensorData> = {};
  program.inputs.forEach(({ name, buffer }, i) => {
    const b = program.buffers[buffer]!;
    feeds[name] = b.dtype === 'i32' ? randomI32(b.size, seed + i) : randomF32(b.size, seed + i);
  });
  return feeds;
}

// ---- artifacts and the reference ----
function spec(program: Program, buffer: number, name: string): TensorSpec {
  const b = program.buffers[buffer]!;
  return { name, shape: b.shape, dtype: b.dtype, offset: b.offset };
}

/** A minimal artifact (the canonical builder will live in compiler/artifact/). */
export function buildTestArtifact(program: Program, rendered: RenderedProgram, name = 'test'): Artifact {
  const init: InitSegment[] = [];
  const chunks: Uint8Array[] = [];
  let source = 0;
  for (const b of program.buffers) {
    if (!b.init) continue;
    const bytes = new Uint8Array(b.init.buffer, b.init.byteOffset, b.init.byteLength);
    init.push({ offset: b.offset, source, bytes: bytes.length });
    chunks.push(bytes);
    source += bytes.length;
  }
  const weights = new Uint8Array(source);
  let at = 0;
  for (const c of chunks) { weights.set(c, at); at += c.length; }
  const manifest: Manifest = {
    format: ARTIFACT_FORMAT,
    formatVersion: ARTIFACT_VERSION,
    axonVersion: 'test',
    backend: 'wasm' in rendered.section ? 'wasm' : 'webgpu',
    name,
    training: program.params.length > 0,
    arenaBytes: program.arenaBytes,
    inputs: program.inputs.map((x) => spec(program, x.buffer, x.name)),
    outputs: program.outputs.map((x) => spec(program, x.buffer, x.name)),
    params: program.params.map((x) => spec(program, x.buffer, x.name)),
    state: program.state.map((x) => spec(program, x.buffer, x.name)),
    init,
    ...rendered.section,
    ...(rendered.stats ? { stats: rendered.stats } : {}),
  };
  return { manifest, files: { ...rendered.files, 'weights.bin': weights } };
}

/** Runs the interpreter on `feeds`; returns outputs, params and state by name (f64 values). */
export function runReference(program: Program, feeds: Feeds): Record<string, Float64Array> {
  const mem = allocateMemory(program);
  for (const { name, buffer } of program.inputs) {
    const v = feeds[name];
    mem.get(buffer)!.set(typeof v === 'number' ? [v] : (v as ArrayLike<number>));
  }
  runProgram(program, mem);
  const out: Record<string, Float64Array> = {};
  for (const { name, buffer } of [...program.outputs, ...program.params, ...program.state]) out[name] = mem.get(buffer)!.slice();
  return out;
}
