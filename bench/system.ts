/**
 * The plug-in interface every benchmarked system implements. A system is one file in
 * bench/systems/ whose default export is a BenchSystem; its file name is its system name.
 */
import type { BenchCase } from './cases.ts';

export interface SystemInfo {
  /** package name → version actually loaded */
  versions: Record<string, string>;
  /** GPU adapter description, for WebGPU systems */
  adapter?: string;
  /** configuration that matters for reading the numbers (threads, SIMD, flags) */
  notes?: string[];
}

export interface PreparedCase {
  /**
   * Runs the case once and reads its results back to JS (so GPU work is really finished),
   * returning a checksum of what was read: a sum of outputs, or the loss for a training step.
   */
  run(): Promise<number>;
  dispose(): Promise<void> | void;
}

export interface BenchSystem {
  description: string;
  /** loads the library and backend; throwing marks the system unavailable, with the message as reason */
  init(): Promise<SystemInfo>;
  /** true, or the reason this system cannot run the case (reported as "not supported") */
  supports?(c: BenchCase): true | string;
  /** builds/compiles everything the case needs (timed as compile_ms) */
  prepare(c: BenchCase): Promise<PreparedCase>;
  /**
   * CPU threads it computes on. Single-threaded systems (1) are pinned to one CPU, the same for
   * all of them (bench/pin-cpu.ts): on a VM whose vCPUs see different host contention, a process
   * the scheduler keeps on the busier vCPU ran a GEMM 1.6× slower for its whole life, which
   * decided single-thread ratios by chance.
   */
  threads?: number;
}

/** Sum of a typed array in f64, as the checksum systems return. */
export function checksum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s;
}
