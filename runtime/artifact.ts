/**
 * The compiled artifact: what `compile()` produces and what the runtime loads, with no compiler
 * code needed. It is plain data (a manifest and named files), so it can be written to a
 * directory, fetched by a browser, or kept in memory.
 */
export type DType = 'f32' | 'i32';
export type Backend = 'wasm' | 'webgpu';

export const ARTIFACT_FORMAT = 'axon-artifact';
export const ARTIFACT_VERSION = 1;

/** A named tensor living at a fixed byte offset of the arena. */
export interface TensorSpec {
  name: string;
  shape: number[];
  dtype: DType;
  /** byte offset in the arena */
  offset: number;
  /** an i32 input read as class indices: fed values must lie in [0, classes) */
  classes?: number;
}

/** Bytes copied from `weights.bin` into the arena when a session starts. */
export interface InitSegment {
  /** byte offset in the arena */
  offset: number;
  /** byte offset in weights.bin */
  source: number;
  bytes: number;
}

/** One compute dispatch of the WebGPU plan, in execution order. */
export interface WebGpuDispatch {
  /** kernel name (for errors and profiles) */
  name: string;
  /** file holding the WGSL source */
  shader: string;
  entryPoint: string;
  workgroups: [number, number, number];
}

export interface Manifest {
  format: typeof ARTIFACT_FORMAT;
  version: typeof ARTIFACT_VERSION;
  axonVersion: string;
  backend: Backend;
  name: string;
  /** true for training-step artifacts: running them updates params and state in place */
  training: boolean;
  arenaBytes: number;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  params: TensorSpec[];
  /** optimizer state, batch-norm statistics, step counters */
  state: TensorSpec[];
  init: InitSegment[];
  wasm?: {
    /** plain SIMD module; always present */
    module: string;
    /** relaxed-SIMD build, used when the host validates it */
    relaxedModule?: string;
    /** exported function performing one whole run */
    entry: string;
    /** byte address of the arena in the module's linear memory (buffer offsets are relative to it) */
    arenaBase?: number;
    /** 64 KiB pages the module's memory needs (arena + kernel scratch + static data) */
    memoryPages?: number;
    /** kernel scratch bytes reserved after the arena (packed GEMM panels, im2col columns) */
    scratchBytes?: number;
    /**
     * Multithreaded build: imports a shared memory of exactly `memoryPages` pages and exports
     * `threadsInit(threads)`, `workerLoop(index)` and `threadsStop()` besides the entry.
     */
    threads?: {
      module: string;
      relaxedModule?: string;
      /** the most threads (main included) its scratch was planned for */
      maxThreads: number;
      memoryPages: number;
      scratchBytes: number;
    };
  };
  webgpu?: {
    dispatches: WebGpuDispatch[];
  };
  /** free-form compile statistics (node counts, kernels, compile ms) */
  stats?: Record<string, unknown>;
}

export interface Artifact {
  manifest: Manifest;
  /** file name → contents; always holds 'weights.bin' */
  files: Record<string, Uint8Array | string>;
}

/** Checks that an object read from disk or the network is an artifact this runtime can run. */
export function validateManifest(m: unknown): Manifest {
  const o = m as Partial<Manifest> | null;
  if (!o || typeof o !== 'object' || o.format !== ARTIFACT_FORMAT) {
    throw new Error(`not an Axon artifact manifest (expected format "${ARTIFACT_FORMAT}")`);
  }
  if (o.version !== ARTIFACT_VERSION) {
    throw new Error(`Axon artifact version ${String(o.version)} is not supported by this runtime (expects ${ARTIFACT_VERSION}); recompile the model`);
  }
  if (o.backend !== 'wasm' && o.backend !== 'webgpu') throw new Error(`unknown artifact backend ${String(o.backend)}`);
  return o as Manifest;
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
