/**
 * Kernel variants per adapter: a pure function from an adapter's limits and features to the GEMM
 * schedules' parameters (register tile, lane counts, subgroup use). Without a description the
 * defaults fit WebGPU's guaranteed limits and use no optional feature, so the artifact runs on
 * every adapter; with one, the artifact may need that adapter's features (manifest.webgpu.features).
 *
 * Measured on llvmpipe (8-wide subgroups; per-dispatch CPU-ms, FashionSimpleNet step, batch 64,
 * docs/webgpu-profile.md): the subgroup A fetch with 8 rows per lane took the three large
 * convolutions to 0.5–0.7× their CPU time, 16 rows for the convolutions a further 0.78–0.96×;
 * 8 rows without subgroups was a wash (0.94× in all), slower for the dense layers, so the row
 * count follows the subgroup choice.
 *
 * shader-f16 is not used: every kernel accumulates and stores f32 (training must match the
 * reference interpreter to f32 tolerances); an f16 storage variant would change results.
 */
import type { WebGpuAdapterDescription } from '../../../runtime/webgpu/device.ts';
import { DEFAULT_GEMM_VARIANT, GEMV_ROWS, type GemmVariant } from './kernels/gemm.ts';

export type { WebGpuAdapterDescription };

/** The most lanes a rowblock workgroup gets when the adapter allows it. */
const ROWBLOCK_LANES = 64;

export function selectGemmVariant(adapter?: WebGpuAdapterDescription): GemmVariant {
  if (!adapter) return DEFAULT_GEMM_VARIANT;
  const { maxComputeInvocationsPerWorkgroup: invocations, maxComputeWorkgroupSizeX: sizeX, maxComputeWorkgroupStorageSize: shared } = adapter.limits;
  const widest = Math.min(invocations, sizeX);
  // subgroupBroadcast needs the lane count known when the shader is generated: one fixed width
  const fixed = adapter.subgroupMinSize !== undefined && adapter.subgroupMinSize === adapter.subgroupMaxSize ? adapter.subgroupMinSize : undefined;
  const subgroupSize = adapter.features.includes('subgroups') && fixed !== undefined && isPow2(fixed) && fixed >= 4 && fixed <= 128 && fixed <= widest ? fixed : undefined;
  // workgroups hold whole subgroups (or llvmpipe-style 8-lane vectors when the width is unknown)
  const laneMultiple = Math.min(subgroupSize ?? Math.max(DEFAULT_GEMM_VARIANT.laneMultiple, adapter.subgroupMinSize ?? 0), floorPow2(widest));
  const maxLanes = Math.max(laneMultiple, Math.floor(Math.min(Math.max(ROWBLOCK_LANES, laneMultiple), widest) / laneMultiple) * laneMultiple);
  // GEMV: lanes (a multiple of 16) whose partial sums (GEMV_ROWS vec4 per lane) fit workgroup memory
  const gemvFit = Math.floor(Math.min(DEFAULT_GEMM_VARIANT.gemvLanes, widest, shared / (GEMV_ROWS * 16)) / 16) * 16;
  return {
    // 8 rows when one subgroup load covers them (S a multiple of 8); else the measured default
    rows: subgroupSize !== undefined && subgroupSize % 8 === 0 ? 8 : DEFAULT_GEMM_VARIANT.rows,
    // convolutions' B loads carry im2col index math and padding tests: on narrow (CPU-SIMD-like)
    // subgroups 16 rows amortize them further (llvmpipe: 0.78–0.96× the 8-row CPU time); wide
    // GPU subgroups keep 8 (not measured on one: no real GPU here)
    ...(subgroupSize === 8 || subgroupSize === 16 ? { convRows: 16 } : {}),
    laneMultiple,
    maxLanes,
    gemvLanes: Math.max(16, gemvFit),
    ...(subgroupSize !== undefined ? { subgroupSize } : {}),
  };
}

const isPow2 = (x: number) => Number.isInteger(x) && x > 0 && (x & (x - 1)) === 0;
const floorPow2 = (x: number) => 2 ** Math.floor(Math.log2(Math.max(1, x)));
