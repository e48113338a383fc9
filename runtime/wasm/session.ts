/**
 * Runs a wasm artifact: one module instance whose linear memory holds the arena, so feeding an
 * input is a copy to its arena offset and a whole step is one call of the exported entry.
 * Browser-safe: no compiler and no Node-only imports.
 */
import { elementCount, type Artifact, type Manifest, type TensorSpec } from '../artifact.ts';
import { checkParamValues, validateFeeds, type Feeds, type Outputs, type RunOptions, type Session, type TensorData } from '../session.ts';
import type { WasmWorkerHandle, WasmWorkerSpawner } from './threads.ts';

function fileBytes(artifact: Artifact, name: string): Uint8Array {
  const f = artifact.files[name];
  if (f === undefined) throw new Error(`wasm artifact "${artifact.manifest.name}" lacks file "${name}"`);
  return typeof f === 'string' ? new TextEncoder().encode(f) : f;
}

/**
 * The smallest module using a relaxed-SIMD instruction (f32x4.relaxed_madd): hosts that validate
 * it get the relaxed build. Node 20 needs `--experimental-wasm-relaxed-simd` (runtime/node/wasm-relaxed.ts).
 */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0,
  10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11,
]);

export function hostSupportsRelaxedSimd(): boolean {
  try {
    return WebAssembly.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}

export class WasmSession implements Session {
  readonly backend = 'wasm' as const;
  private memory: WebAssembly.Memory | undefined;
  private readonly arenaBase: number;

  /**
   * @param moduleFile which build runs (plain SIMD, relaxed SIMD, threaded)
   * @param threads threads running each step, main included
   */
  constructor(
    readonly manifest: Manifest, readonly moduleFile: string, readonly threads: number,
    memory: WebAssembly.Memory, private readonly entry: () => void, private readonly release: () => void = () => {},
    /** the main instance's exports (profiling builds export every kernel function) */
    readonly exports: WebAssembly.Exports = {},
  ) {
    this.memory = memory;
    this.arenaBase = manifest.wasm!.arenaBase ?? 0;
  }

  private mem(): WebAssembly.Memory {
    if (!this.memory) throw new Error(`session for "${this.manifest.name}" was disposed`);
    return this.memory;
  }

  /** A live view of a tensor in the arena (invalidated if memory grows; it never does). */
  private view(spec: TensorSpec): TensorData {
    const buf = this.mem().buffer;
    const at = this.arenaBase + spec.offset;
    const n = elementCount(spec.shape);
    return spec.dtype === 'i32' ? new Int32Array(buf, at, n) : new Float32Array(buf, at, n);
  }

  async run(feeds: Feeds, options?: RunOptions): Promise<Outputs> {
    for (const [spec, data] of validateFeeds(this.manifest, feeds, options)) this.view(spec).set(data);
    this.entry();
    const wanted = options?.outputs;
    const specs = wanted ? wanted.map((name) => {
      const s = this.manifest.outputs.find((o) => o.name === name);
      if (!s) throw new Error(`unknown output "${name}" for model "${this.manifest.name}"; its outputs are ${this.manifest.outputs.map((o) => o.name).join(', ')}`);
      return s;
    }) : this.manifest.outputs;
    const out: Outputs = {};
    for (const s of specs) out[s.name] = this.view(s).slice();
    return out;
  }

  async getParams(includeState = false): Promise<Record<string, TensorData>> {
    const out: Record<string, TensorData> = {};
    for (const s of includeState ? [...this.manifest.params, ...this.manifest.state] : this.manifest.params) out[s.name] = this.view(s).slice();
    return out;
  }

  async setParams(values: Record<string, TensorData | number[]>): Promise<void> {
    for (const [spec, data] of checkParamValues(this.manifest, values)) this.view(spec).set(data);
    // packed copies of the weights (manifest.wasm.weightCache) are stale now: the kernels repack
    const cache = this.manifest.wasm?.weightCache;
    if (cache) {
      const version = new Int32Array(this.mem().buffer, cache.versionAddress, 1);
      version[0] = (version[0]! + 1) | 0;
    }
  }

  dispose(): void {
    if (this.memory) this.release();
    this.memory = undefined;
  }
}

export interface WasmSessionOptions {
  /** use the relaxed-SIMD module when the artifact has one and the host validates it (default true) */
  relaxedSimd?: boolean;
  /** threads per step, main included (default 1); needs a threaded build and `spawnWorker` */
  threads?: number;
  spawnWorker?: WasmWorkerSpawner;
}

function abortImport(name: string) {
  return (_msg: number, _file: number, line: number, col: number) => {
    throw new Error(`wasm kernel aborted in "${name}" at ${line}:${col}`);
  };
}

function copyInitialWeights(artifact: Artifact, memory: WebAssembly.Memory, base: number): void {
  const m = artifact.manifest;
  const weights = fileBytes(artifact, 'weights.bin');
  const bytes = new Uint8Array(memory.buffer);
  for (const seg of m.init) {
    if (seg.source + seg.bytes > weights.length) throw new Error(`weights.bin of "${m.name}" is too short for init segment at arena offset ${seg.offset}`);
    bytes.set(weights.subarray(seg.source, seg.source + seg.bytes), base + seg.offset);
  }
}

/** A pool session: the main instance plus workers on one shared memory. */
async function createThreadedSession(artifact: Artifact, threads: number, relaxed: boolean, spawn: WasmWorkerSpawner): Promise<WasmSession> {
  const m = artifact.manifest;
  const t = m.wasm!.threads!;
  const moduleFile = relaxed && t.relaxedModule ? t.relaxedModule : t.module;
  const module = await WebAssembly.compile(fileBytes(artifact, moduleFile) as Uint8Array<ArrayBuffer>);
  const memory = new WebAssembly.Memory({ initial: t.memoryPages, maximum: t.memoryPages, shared: true });
  const instance = await WebAssembly.instantiate(module, { env: { memory, abort: abortImport(m.name) } });
  const ex = instance.exports as Record<string, unknown>;
  const entry = ex[m.wasm!.entry] as () => void;
  (ex.threadsInit as (n: number) => void)(threads);
  copyInitialWeights(artifact, memory, m.wasm!.arenaBase ?? 0);
  const workers: WasmWorkerHandle[] = [];
  for (let i = 1; i < threads; i++) workers.push(spawn(module, memory, i));
  const stop = (): void => {
    (ex.threadsStop as () => void)();
    for (const w of workers) w.terminate();
  };
  try {
    await Promise.all(workers.map((w) => w.ready));
  } catch (e) {
    stop();
    throw new Error(`wasm session "${m.name}": a worker thread failed to start: ${(e as Error).message}`, { cause: e });
  }
  return new WasmSession(m, moduleFile, threads, memory, entry, stop, instance.exports);
}

/** Instantiates the artifact's module and copies its initial weights into the arena. */
export async function createWasmSession(artifact: Artifact, options: WasmSessionOptions = {}): Promise<WasmSession> {
  const m = artifact.manifest;
  if (m.backend !== 'wasm' || !m.wasm) throw new Error(`artifact "${m.name}" is for the ${m.backend} backend, not wasm`);
  const wantRelaxed = options.relaxedSimd !== false && hostSupportsRelaxedSimd();
  const threads = Math.min(options.threads ?? 1, m.wasm.threads?.maxThreads ?? 1);
  if (threads > 1) {
    if (!options.spawnWorker) throw new Error(`wasm session "${m.name}": threads: ${threads} needs a spawnWorker (Node: runtime/node/wasm-workers.ts)`);
    return createThreadedSession(artifact, threads, wantRelaxed, options.spawnWorker);
  }
  const moduleFile = m.wasm.relaxedModule && wantRelaxed ? m.wasm.relaxedModule : m.wasm.module;
  const module = await WebAssembly.compile(fileBytes(artifact, moduleFile) as Uint8Array<ArrayBuffer>);
  const instance = await WebAssembly.instantiate(module, { env: { abort: abortImport(m.name) } });
  const memory = instance.exports.memory as WebAssembly.Memory | undefined;
  const entry = instance.exports[m.wasm.entry] as (() => void) | undefined;
  if (!memory || typeof entry !== 'function') throw new Error(`wasm module of "${m.name}" does not export memory and "${m.wasm.entry}"`);
  const base = m.wasm.arenaBase ?? 0;
  if (memory.buffer.byteLength < base + m.arenaBytes) {
    memory.grow(Math.ceil((base + m.arenaBytes - memory.buffer.byteLength) / 65536));
  }
  copyInitialWeights(artifact, memory, base);
  return new WasmSession(m, moduleFile, 1, memory, entry, () => {}, instance.exports);
}
