/** pool2d kernels: assembly/pool.ts fills the accumulator tensor, then the epilogue stores run (or it writes the output directly: planPool). */
import type { PoolGeometry, PoolKernel, View } from '../../kernel/ir.ts';
import { align, type MemoryLayout } from './layout.ts';
import { emitPointwise } from './pointwise.ts';
import { bindAccToScratch } from './rewrite.ts';
import type { Source } from './source.ts';
import { parallelOf, ScratchPlan, type KernelContext } from './gemm-kernels.ts';

/**
 * Bytes of the row buffer assembly/pool.ts poolForward needs (one per thread): the window
 * columns (outW − 1)·strideW + kW plus its ROW_SLACK of 8 floats, rounded to 64 bytes.
 */
export function poolRowBytes(g: PoolGeometry): number {
  return align(((g.outWidth - 1) * g.strideW + g.kernelWidth + 8) * 4, 64);
}

/**
 * Window taps (outputs × kH·kW) below which a pool kernel runs on the calling thread: waking the
 * pool costs more than it saves there (a 2×2 max pool of 64×56×56, 2^17.6 taps, took 0.027 ms on
 * one thread and 0.035 ms split across two; ResNet-18's 3×3 max pool has 2^20.8).
 */
export const PARALLEL_MIN_TAPS = 1 << 18;

/**
 * The pool function writes a contiguous [n, c, ·, ·] tensor. When the kernel's only store is `acc`
 * into a contiguous f32 view that shares no memory with what the kernel reads, it writes that
 * view directly and no epilogue runs (ResNet-18's max pool: 800 KB less copied); otherwise it
 * writes the accumulator in scratch and the epilogue stores from there.
 */
function directOutput(layout: MemoryLayout, k: PoolKernel, space: readonly number[]): View | undefined {
  if (k.stores.length !== 1) return undefined;
  const { view, expr } = k.stores[0]!;
  if (expr.op !== 'acc' || layout.dtype(view.buffer) !== 'f32') return undefined;
  // the backward zeroes dx before it reads x and dy
  if ([k.input, k.grad].some((v) => v && layout.overlaps(view.buffer, v.buffer))) return undefined;
  let stride = 1;
  for (let d = space.length - 1; d >= 0; d--) {
    if (space[d]! > 1 && view.strides[d] !== stride) return undefined;
    stride *= space[d]!;
  }
  return view;
}

/**
 * The scratch a pool kernel uses: the accumulator tensor at the scratch base (where the epilogue's
 * `acc` reads it) unless the output is written directly, then (forward) a row buffer per thread.
 * Threaded builds split the (image, channel) planes across the pool, so batch 1 is threaded too.
 */
export function planPool(layout: MemoryLayout, k: PoolKernel, threads: number): { out: number; direct: boolean; space: number[]; row: number; rowStride: number; parallel: boolean; bytes: number } {
  const g = k.geometry;
  const forward = k.mode === 'max' || k.mode === 'avg';
  const space = forward ? [g.batch, g.channels, g.outHeight, g.outWidth] : [g.batch, g.channels, g.inHeight, g.inWidth];
  const scratch = new ScratchPlan(layout.scratchBase);
  const direct = directOutput(layout, k, space);
  const out = direct ? layout.bufferAddress(direct.buffer) + direct.offset * 4 : scratch.take(space.reduce((a, b) => a * b, 1) * 4);
  const taps = g.batch * g.channels * g.outHeight * g.outWidth * g.kernelHeight * g.kernelWidth;
  const parallel = threads > 1 && g.batch * g.channels > 1 && taps >= PARALLEL_MIN_TAPS;
  const rowStride = poolRowBytes(g);
  const row = forward ? scratch.take(rowStride * (parallel ? threads : 1)) : 0;
  return { out, direct: direct !== undefined, space, row, rowStride, parallel, bytes: scratch.size };
}

export function emitPool(out: Source, layout: MemoryLayout, k: PoolKernel, ctx?: KernelContext): number {
  const g = k.geometry;
  const { out: acc, direct, space, row, rowStride, parallel, bytes } = planPool(layout, k, ctx?.threads ?? 1);
  const base = (v: View): number => layout.bufferAddress(v.buffer) + v.offset * 4;
  const dims = `${g.batch}, ${g.channels}, ${g.inHeight}, ${g.inWidth}, ${g.outHeight}, ${g.outWidth}, ` +
    `${g.kernelHeight}, ${g.kernelWidth}, ${g.strideH}, ${g.strideW}, ${g.padTop}, ${g.padLeft}`;
  const forward = k.mode === 'max' || k.mode === 'avg';
  const isMax = k.mode === 'max' || k.mode === 'max_grad';
  // avg_grad never reads x: point it at dy so no unused view needs to be valid
  const x = k.mode === 'avg_grad' ? k.grad! : k.input;
  if (!forward && !k.grad) throw new Error(`wasm backend: pool2d "${k.name}" (${k.mode}) needs a grad view`);
  const par = parallel ? 'Parallel' : '';
  if (forward) {
    out.line(`poolForward${par}(${isMax}, ${acc}, ${base(x)}, ${x.strides.join(', ')}, ${dims}, ${row}${parallel ? `, ${rowStride}` : ''});`);
  } else {
    out.line(`poolBackward${par}(${isMax}, ${acc}, ${base(x)}, ${x.strides.join(', ')}, ${base(k.grad!)}, ${k.grad!.strides.join(', ')}, ${dims});`);
  }
  if (!direct) emitPointwise(out, layout, space, bindAccToScratch(k.stores, space), 'i', ctx && parallelOf(ctx));
  return bytes;
}
