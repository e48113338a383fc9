/**
 * Packed weights kept across runs. A forward convolution (its weights, the GEMM's A) or a matmul
 * (its B) whose operand no kernel of the program writes and the caller never feeds (an inference
 * program's params and constants) packs it into the GEMM micro-kernel's panels once, into a
 * region of its own after the arena, instead of gathering and packing it on every run (for
 * ResNet-18 at batch 1 that was 47 MB copied twice per image; for a batch-1 matmul, packing B
 * was most of the work). The session bumps a version word whenever it writes params from outside
 * (setParams, checkpoints); each cached conv stores the version it packed, plus one, and packs
 * again when the two differ. Fresh memory is zero, so nothing is valid before the first run.
 *
 * Memory: [arena][version word][slot…][scratch]. The plan depends only on the program and the
 * largest micro-kernel tile (PLAN_EDGE_ROWS), so every library variant of an artifact lays the
 * region out identically and the manifest names one version address.
 */
import { kernelAccess } from '../../../kernel/plan.ts';
import type { ConvKernel, Kernel, Program } from '../../../kernel/ir.ts';
import { align, type MemoryLayout } from '../layout.ts';
import type { KernelConstants } from '../kernel-variants.ts';
import type { Emitter } from './alu.ts';

/** One cached conv or matmul: the word holding its version stamp, and its packed weights (a conv's group g at data + g·groupBytes). */
export interface WeightCacheSlot {
  stamp: number;
  data: number;
  groupBytes: number;
}

export interface WeightCachePlan {
  versionAddress: number;
  /** bytes from versionAddress to the end of the last slot (64-aligned) */
  bytes: number;
  slots: Map<Kernel, WeightCacheSlot>;
}

/** Packed weights beyond this many bytes are packed per run again (the region doubles weight memory). */
export const WEIGHT_CACHE_BUDGET_BYTES = 512 * 1024 * 1024;

/** Bytes assembly/gemm.ts packAll needs for an m×k A, for either build's tile height (at most PLAN_EDGE_ROWS). */
export function packedABytes(constants: KernelConstants, m: number, k: number): number {
  return (m + constants.PLAN_EDGE_ROWS) * k * 4;
}

/** Bytes assembly/gemm.ts packBAll needs for a k×n B. */
export function packedBBytes(constants: KernelConstants, k: number, n: number): number {
  return Math.ceil(n / constants.NR) * constants.NR * k * 4;
}

/** Whether this conv's weights go through the GEMM path (depthwise convs read them directly). */
function packsWeights(k: ConvKernel): boolean {
  const g = k.geometry;
  const depthwise = g.groups > 1 && g.groups === g.inChannels && g.groups === g.outChannels;
  return k.mode === 'forward' && !depthwise;
}

/**
 * The cache region starting at `start` (64-aligned), or undefined when no kernel qualifies.
 * `layout` is the program's layout without the region (for buffer overlaps).
 */
export function planWeightCache(program: Program, layout: MemoryLayout, constants: KernelConstants, start: number, budget = WEIGHT_CACHE_BUDGET_BYTES): WeightCachePlan | undefined {
  const written = new Set<number>(program.inputs.map((i) => i.buffer));
  for (const k of program.kernels) for (const b of kernelAccess(k).writes) written.add(b);
  const fixed = (buffer: number): boolean => ![...written].some((w) => layout.overlaps(w, buffer));
  const slots = new Map<Kernel, WeightCacheSlot>();
  let at = start + 64;
  for (const k of program.kernels) {
    let groupBytes: number, groups: number;
    if (k.kind === 'conv2d' && packsWeights(k) && fixed(k.other.buffer)) {
      const g = k.geometry;
      const taps = (g.inChannels / g.groups) * g.kernelHeight * g.kernelWidth;
      groupBytes = align(packedABytes(constants, g.outChannels / g.groups, taps), 64);
      groups = g.groups;
    } else if (k.kind === 'matmul' && k.k > 0 && (k.batch === 1 || k.b.strides[0] === 0) && fixed(k.b.buffer)) {
      // one B for every batch item
      groupBytes = align(packedBBytes(constants, k.k, k.n), 64);
      groups = 1;
    } else {
      continue;
    }
    const bytes = 64 + groupBytes * groups;
    if (at + bytes - start > budget) continue;
    slots.set(k, { stamp: at, data: at + 64, groupBytes });
    at += bytes;
  }
  return slots.size === 0 ? undefined : { versionAddress: start, bytes: at - start, slots };
}

/** Runs `pack` (which fills the slot) only when the slot's stamp is not the weights' version + 1, then stamps it. */
export function emitRefreshIfStale(e: Emitter, plan: WeightCachePlan, slot: WeightCacheSlot, pack: () => void): void {
  const f = e.f;
  f.i32(slot.stamp).mem('i32.load').i32(plan.versionAddress).mem('i32.load').i32(1).op('i32.add').op('i32.ne').if();
  pack();
  f.i32(slot.stamp).i32(plan.versionAddress).mem('i32.load').i32(1).op('i32.add').mem('i32.store');
  f.end();
}
