/**
 * Where things live in the module's linear memory: the arena at `arenaBase` (every buffer at
 * its planned byte offset), then (linked programs) packed weights kept across runs, then a scratch area shared by all kernels (packed GEMM panels,
 * im2col columns, accumulator tensors), then AssemblyScript's own static data.
 */
import type { DType, Program, View } from '../../kernel/ir.ts';

export const PAGE_BYTES = 65536;
/** Buffer id standing for a kernel's contiguous accumulator tensor at the start of scratch. */
export const ACC_BUFFER = -1;

export function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

export class MemoryLayout {
  readonly scratchBase: number;
  private readonly buffers: Map<number, { offset: number; dtype: DType; bytes: number }>;

  /**
   * @param arenaBase where the arena starts (0 for asc-built programs; past the kernel library's static data for linked ones)
   * @param reservedBytes bytes kept between the arena and scratch (the packed-weight cache, bytecode/weight-cache.ts)
   */
  constructor(readonly program: Program, readonly arenaBase = 0, readonly reservedBytes = 0) {
    this.buffers = new Map(program.buffers.map((b) => [b.id, { offset: b.offset, dtype: b.dtype, bytes: b.size * 4 }]));
    this.scratchBase = align(this.arenaBase + program.arenaBytes, 64) + align(reservedBytes, 64);
  }

  /** Absolute byte address of a buffer's first element (ACC_BUFFER: the scratch accumulator). */
  bufferAddress(id: number): number {
    if (id === ACC_BUFFER) return this.scratchBase;
    const b = this.buffers.get(id);
    if (!b) throw new Error(`wasm backend: view refers to unknown buffer ${id}`);
    return this.arenaBase + b.offset;
  }

  /** Whether two buffers' arena ranges overlap (the planner may alias buffers by offset). */
  overlaps(a: number, b: number): boolean {
    const x = this.buffers.get(a), y = this.buffers.get(b);
    if (!x || !y) return a === b;
    return x.offset < y.offset + y.bytes && y.offset < x.offset + x.bytes;
  }

  dtype(id: number): DType {
    if (id === ACC_BUFFER) return 'f32';
    return this.buffers.get(id)!.dtype;
  }

  /** i32 byte-address expression of `view` at the point whose loop variables are `vars`. */
  address(view: View, vars: readonly string[]): string {
    const terms = [String(this.bufferAddress(view.buffer) + view.offset * 4)];
    view.strides.forEach((s, d) => {
      if (s !== 0) terms.push(s === 1 ? `(${vars[d]} << 2)` : `${vars[d]} * ${s * 4}`);
    });
    return terms.join(' + ');
  }
}

export { contiguousStrides } from '../../ir/types.ts';
