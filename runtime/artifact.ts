/**
 * The compiled artifact: what `compile()` produces and what the runtime loads, with no compiler
 * code needed. It is plain data (a manifest and named files), so it can be written to a
 * directory, fetched by a browser, or kept in memory.
 */
export type DType = 'f32' | 'i32';
export type Backend = 'wasm' | 'webgpu';

export const ARTIFACT_FORMAT = 'axon-artifact';
/**
 * The artifact format this runtime writes (docs/artifact-format.md). It reads every version from
 * OLDEST_READABLE_ARTIFACT_VERSION up to this one and refuses newer ones.
 *   1: the first format (`version: 1`); no file list, sizes or hashes
 *   2: `formatVersion: 2`; `files` lists every file with its size and SHA-256
 */
export const ARTIFACT_VERSION = 2;
export const OLDEST_READABLE_ARTIFACT_VERSION = 1;

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
  /** the arena segments bound at bindings 0, 1, … (absent: [0], the whole arena) */
  bindings?: number[];
}

/** One file of the artifact directory (besides manifest.json). */
export interface ArtifactFile {
  /** a plain file name inside the artifact directory: letters, digits, '.', '_', '-' */
  name: string;
  bytes: number;
  /** lowercase hex SHA-256 of the contents */
  sha256: string;
}

export interface Manifest {
  format: typeof ARTIFACT_FORMAT;
  /** ARTIFACT_VERSION when written by this Axon; older readable versions keep theirs */
  formatVersion: number;
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
    /** bytes reserved after the arena: packed weights kept across runs, kernel scratch (packed GEMM panels, im2col columns) */
    scratchBytes?: number;
    /**
     * Packed weights kept across runs (a region after the arena): the session adds 1 to the i32
     * at `versionAddress` (a byte address) whenever it writes params, so the kernels pack again.
     */
    weightCache?: { versionAddress: number; bytes: number };
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
    /**
     * The arena is split into GPU buffers of this many bytes (the last one shorter): segment s
     * holds arena bytes [s·segmentBytes, (s+1)·segmentBytes) and no tensor crosses a boundary.
     * Absent: one buffer holds the whole arena.
     */
    segmentBytes?: number;
    /** optional WebGPU features the shaders enable (e.g. 'subgroups'): the device is requested with them */
    features?: ('subgroups' | 'shader-f16')[];
  };
  /** free-form compile statistics (node counts, kernels, compile ms) */
  stats?: Record<string, unknown>;
  /**
   * Every file of the artifact with its size and hash (format 2). Always present in a manifest
   * written by saveArtifact and in compile()'s result; loaders read exactly these files.
   */
  files?: ArtifactFile[];
}

export interface Artifact {
  manifest: Manifest;
  /** file name → contents; always holds 'weights.bin' */
  files: Record<string, Uint8Array | string>;
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
