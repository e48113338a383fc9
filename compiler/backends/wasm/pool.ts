/** pool2d kernels: assembly/pool.ts fills the accumulator tensor, then the epilogue stores run. */
import type { PoolKernel, View } from '../../kernel/ir.ts';
import type { MemoryLayout } from './layout.ts';
import { emitPointwise } from './pointwise.ts';
import { bindAccToScratch } from './rewrite.ts';
import type { Source } from './source.ts';
import { parallelOf, type KernelContext } from './gemm-kernels.ts';

export function emitPool(out: Source, layout: MemoryLayout, k: PoolKernel, ctx?: KernelContext): number {
  const g = k.geometry;
  const acc = layout.scratchBase;
  const base = (v: View): number => layout.bufferAddress(v.buffer) + v.offset * 4;
  const dims = `${g.batch}, ${g.channels}, ${g.inHeight}, ${g.inWidth}, ${g.outHeight}, ${g.outWidth}, ` +
    `${g.kernelHeight}, ${g.kernelWidth}, ${g.strideH}, ${g.strideW}, ${g.padTop}, ${g.padLeft}`;
  const forward = k.mode === 'max' || k.mode === 'avg';
  const isMax = k.mode === 'max' || k.mode === 'max_grad';
  // avg_grad never reads x: point it at dy so no unused view needs to be valid
  const x = k.mode === 'avg_grad' ? k.grad! : k.input;
  if (!forward && !k.grad) throw new Error(`wasm backend: pool2d "${k.name}" (${k.mode}) needs a grad view`);
  // threaded builds give each image to a task
  const par = (ctx?.threads ?? 1) > 1 && g.batch > 1 ? 'Parallel' : '';
  if (forward) {
    out.line(`poolForward${par}(${isMax}, ${acc}, ${base(x)}, ${x.strides.join(', ')}, ${dims});`);
  } else {
    out.line(`poolBackward${par}(${isMax}, ${acc}, ${base(x)}, ${x.strides.join(', ')}, ${base(k.grad!)}, ${k.grad!.strides.join(', ')}, ${dims});`);
  }
  const space = forward ? [g.batch, g.channels, g.outHeight, g.outWidth] : [g.batch, g.channels, g.inHeight, g.inWidth];
  emitPointwise(out, layout, space, bindAccToScratch(k.stores, space), 'i', ctx && parallelOf(ctx));
  return space.reduce((a, b) => a * b, 1) * 4;
}
