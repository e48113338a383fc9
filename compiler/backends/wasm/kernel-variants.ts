/**
 * The prebuilt kernel library (assembly/, compiled by `npm run build:kernels`): its variants,
 * the asc flags of each, and the hash that says whether the committed build matches the sources.
 * Shared by scripts/build-kernels.ts, the backend and the up-to-date test, so the flags are
 * written once.
 */
import { sha256Hex } from './hash.ts';

export type KernelVariant = 'plain' | 'relaxed' | 'threads' | 'threads-relaxed';
export const KERNEL_VARIANTS: readonly KernelVariant[] = ['plain', 'relaxed', 'threads', 'threads-relaxed'];

export function variantOf(relaxedSimd: boolean, threads: boolean): KernelVariant {
  return threads ? (relaxedSimd ? 'threads-relaxed' : 'threads') : (relaxedSimd ? 'relaxed' : 'plain');
}

export const KERNEL_FILES: { readonly [V in KernelVariant]: string } = {
  plain: 'kernels.wasm',
  relaxed: 'kernels.relaxed.wasm',
  threads: 'kernels.threads.wasm',
  'threads-relaxed': 'kernels.threads.relaxed.wasm',
};

/** The library's sources (assembly/), entry first. */
export const KERNEL_SOURCES = ['index.ts', 'index.threads.ts', 'alu.ts', 'conv.ts', 'depthwise.ts', 'gemm.ts', 'layout.ts', 'pool.ts', 'threads.ts'] as const;

export const isThreaded = (v: KernelVariant): boolean => v === 'threads' || v === 'threads-relaxed';

/** Entry files (under assembly/) of a variant. */
export function kernelEntries(v: KernelVariant): string[] {
  return isThreaded(v) ? ['index.ts', 'index.threads.ts'] : ['index.ts'];
}

export function kernelAscFlags(v: KernelVariant): string[] {
  const relaxed = v === 'relaxed' || v === 'threads-relaxed';
  const threads = isThreaded(v);
  return [
    '--runtime', 'stub', '--noAssert', '--optimizeLevel', '3', '--shrinkLevel', '0',
    '--enable', ['simd', ...(relaxed ? ['relaxed-simd'] : []), ...(threads ? ['threads'] : [])].join(','),
    // one page: the backend rewrites the limits for each program (compiler/backends/wasm/link.ts)
    '--initialMemory', '1',
    ...(threads ? ['--importMemory', '--sharedMemory', '--maximumMemory', '1'] : []),
  ];
}

/** Constants of the library that the backend plans with, read from the built module's exports. */
export interface KernelConstants {
  KC: number;
  NR: number;
  PLAN_EDGE_ROWS: number;
  PLAN_MC: number;
  GEMM_MR: number;
  GEMM_MC: number;
  /** threaded variants only: the pool's control block and job block, and the jobs in it */
  CONTROL_BYTES?: number;
  JOB_ARG_BYTES?: number;
  GEMM_JOB_BYTES?: number;
  POOL_JOB_BYTES?: number;
}
export const KERNEL_CONSTANT_NAMES: readonly (keyof KernelConstants)[] = ['KC', 'NR', 'PLAN_EDGE_ROWS', 'PLAN_MC', 'GEMM_MR', 'GEMM_MC'];
export const THREAD_CONSTANT_NAMES: readonly (keyof KernelConstants)[] = ['CONTROL_BYTES', 'JOB_ARG_BYTES', 'GEMM_JOB_BYTES', 'POOL_JOB_BYTES'];

/** KERNEL_BUILD_INFO of kernels/kernels.generated.ts, written by `npm run build:kernels`. */
export interface KernelBuildInfo {
  /** kernelSourceHash of the sources and flags the files were built from */
  sourceHash: string;
  ascVersion: string;
  /** per variant: its file and its constants (MR and MC differ between plain and relaxed) */
  variants: { [V in KernelVariant]: { file: string; bytes: number; sha256: string; constants: KernelConstants } };
}

export async function kernelSourceHash(sources: Record<string, string>, ascVersion: string): Promise<string> {
  return sha256Hex(JSON.stringify([ascVersion, KERNEL_VARIANTS.map((v) => [kernelEntries(v), kernelAscFlags(v)]), KERNEL_SOURCES.map((f) => [f, sources[f]])]));
}
