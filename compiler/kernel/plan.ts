/**
 * Static memory planning: one arena for the whole program. Persistent buffers (inputs, params,
 * state, consts, outputs) get fixed slots; temporaries get slots by liveness, placed greedily
 * largest-first at the lowest offset that overlaps no temporary live at the same time
 * (the "greedy by size" strategy of TFLite's planner). Offsets are 16-byte aligned, so every
 * buffer can be read with 128-bit SIMD loads and WGSL vec4 loads.
 */
import type { Kernel, Program } from './ir.ts';
import { kernelReadViews, kernelWriteViews } from './expr.ts';

export const ARENA_ALIGN = 16;

export interface MemoryPlan {
  arenaBytes: number;
  persistentBytes: number;
  /** peak temporary bytes the plan uses (arena − persistent) */
  tempBytes: number;
  /** persistent bytes + the largest sum of temporaries live at one kernel: no plan can do better */
  lowerBoundBytes: number;
}

const align = (n: number) => Math.ceil(n / ARENA_ALIGN) * ARENA_ALIGN;

/**
 * Buffers a kernel reads and writes: every view of its operands and of every load and gather in
 * its expressions (gather indices included), from the one exhaustive traversal in expr.ts, so
 * the planner can never miss a buffer that an expression reads.
 */
export function kernelAccess(k: Kernel): { reads: Set<number>; writes: Set<number> } {
  return {
    reads: new Set(kernelReadViews(k).map((v) => v.buffer)),
    writes: new Set(kernelWriteViews(k).map((v) => v.buffer)),
  };
}

export interface PlanOptions {
  /**
   * Split the arena into segments of this many bytes (a multiple of 16): no buffer may cross a
   * multiple of it, so each segment can be its own GPU buffer (WebGPU binds at most
   * maxStorageBufferBindingSize bytes per buffer). Buffers are moved up to the next boundary
   * where they would cross one; a buffer larger than a segment is an error.
   */
  segmentBytes?: number;
}

/** Assigns every buffer's offset in place and returns the plan's sizes. */
export function planMemory(program: Program, options: PlanOptions = {}): MemoryPlan {
  const seg = options.segmentBytes;
  if (seg !== undefined && (!Number.isInteger(seg) || seg <= 0 || seg % ARENA_ALIGN !== 0)) {
    throw new Error(`plan: segmentBytes must be a positive multiple of ${ARENA_ALIGN}, got ${seg}`);
  }
  /** The lowest start ≥ `at` where `bytes` bytes do not cross a segment boundary. */
  const fit = (at: number, bytes: number, b: { name: string; shape: number[] }): number => {
    if (seg === undefined || bytes === 0) return at;
    if (bytes > seg) {
      throw new Error(`plan: buffer "${b.name}" [${b.shape.join(', ')}] needs ${bytes} bytes, more than the ${seg}-byte GPU buffer limit (raise maxBufferBytes if the adapter allows larger buffers)`);
    }
    return Math.floor(at / seg) === Math.floor((at + bytes - 1) / seg) ? at : Math.ceil(at / seg) * seg;
  };
  let offset = 0;
  for (const b of program.buffers) {
    if (b.role === 'temp') continue;
    const bytes = align(b.size * 4);
    b.offset = fit(offset, bytes, b);
    offset = b.offset + bytes;
  }
  const persistentBytes = offset;

  const first = new Map<number, number>();
  const last = new Map<number, number>();
  program.kernels.forEach((k, i) => {
    const { reads, writes } = kernelAccess(k);
    for (const id of [...reads, ...writes]) {
      if (!first.has(id)) first.set(id, i);
      last.set(id, i);
    }
  });
  const temps = program.buffers.filter((b) => b.role === 'temp' && first.has(b.id));
  const placed: { start: number; end: number; lo: number; hi: number }[] = [];
  let tempBytes = 0;
  for (const b of [...temps].sort((x, y) => y.size - x.size || x.id - y.id)) {
    const start = first.get(b.id)!, end = last.get(b.id)!, bytes = align(b.size * 4);
    const clashes = placed.filter((p) => p.start <= end && start <= p.end).sort((p, q) => p.lo - q.lo);
    // the lowest offset overlapping no clash (in order of their starts) and crossing no segment boundary
    let lo = fit(persistentBytes, bytes, b) - persistentBytes;
    for (const p of clashes) {
      if (lo + bytes <= p.lo) break;
      if (p.hi > lo) lo = fit(persistentBytes + p.hi, bytes, b) - persistentBytes;
    }
    placed.push({ start, end, lo, hi: lo + bytes });
    b.offset = persistentBytes + lo;
    tempBytes = Math.max(tempBytes, lo + bytes);
  }
  let peakLive = 0;
  program.kernels.forEach((_, i) => {
    let live = 0;
    for (const b of temps) if (first.get(b.id)! <= i && i <= last.get(b.id)!) live += align(b.size * 4);
    peakLive = Math.max(peakLive, live);
  });
  program.arenaBytes = Math.max(ARENA_ALIGN, persistentBytes + tempBytes);
  if (seg !== undefined && program.arenaBytes > seg) program.segmentBytes = seg;
  else delete program.segmentBytes;
  return { arenaBytes: program.arenaBytes, persistentBytes, tempBytes, lowerBoundBytes: persistentBytes + peakLive };
}
