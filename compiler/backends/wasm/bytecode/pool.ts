/** pool2d kernels as bytecode: assembly/pool.ts fills the accumulator tensor, then the epilogue stores run (or it writes the output directly: ../pool.ts planPool). */
import type { PoolGeometry, PoolKernel, View } from '../../../kernel/ir.ts';
import { planPool } from '../pool.ts';
import { bindAccToScratch } from '../rewrite.ts';
import type { Emitter } from './alu.ts';
import { emitPointwise, type ProgramContext } from './nest.ts';

/** A strided 4-D operand of the pool functions: its byte address and element strides. */
interface PoolOperand { base: number; strides: readonly number[] }

/**
 * The library's argument order: (isMax, out, x, x strides, [dy, dy strides,] batch, channels,
 * in/out extents, window, [forward: row buffer, [parallel: its per-thread stride]]).
 */
function callPool(
  e: Emitter, fn: 'poolForward' | 'poolBackward' | 'poolForwardParallel' | 'poolBackwardParallel', isMax: boolean, out: number,
  x: PoolOperand, dy: PoolOperand | undefined, g: PoolGeometry, rowArgs: readonly number[],
): void {
  const f = e.f;
  f.i32(isMax ? 1 : 0).i32(out).i32(x.base);
  for (const s of x.strides) f.i32(s);
  if (dy) { f.i32(dy.base); for (const s of dy.strides) f.i32(s); }
  for (const v of [g.batch, g.channels, g.inHeight, g.inWidth, g.outHeight, g.outWidth, g.kernelHeight, g.kernelWidth, g.strideH, g.strideW, g.padTop, g.padLeft, ...rowArgs]) f.i32(v);
  e.call(fn);
}

export function emitPool(e: Emitter, ctx: PoolContext, k: PoolKernel): number {
  const layout = ctx.layout;
  const g = k.geometry;
  const { out: acc, direct, space, row, rowStride, parallel, bytes } = planPool(layout, k, ctx.threads);
  const operand = (v: View): PoolOperand => ({ base: layout.bufferAddress(v.buffer) + v.offset * 4, strides: v.strides });
  const forward = k.mode === 'max' || k.mode === 'avg';
  const isMax = k.mode === 'max' || k.mode === 'max_grad';
  // avg_grad never reads x: point it at dy so no unused view needs to be valid
  const x = k.mode === 'avg_grad' ? k.grad! : k.input;
  if (!forward && !k.grad) throw new Error(`wasm backend: pool2d "${k.name}" (${k.mode}) needs a grad view`);
  if (forward) callPool(e, parallel ? 'poolForwardParallel' : 'poolForward', isMax, acc, operand(x), undefined, g, parallel ? [row, rowStride] : [row]);
  else callPool(e, parallel ? 'poolBackwardParallel' : 'poolBackward', isMax, acc, operand(x), operand(k.grad!), g, []);
  if (!direct) emitPointwise(e, ctx, space, bindAccToScratch(k.stores, space), true);
  return bytes;
}

type PoolContext = ProgramContext;
