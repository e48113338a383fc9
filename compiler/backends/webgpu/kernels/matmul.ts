/** Batched matmul with its fused epilogue, on the shared GEMM skeleton. */
import type { MatmulKernel, Program } from '../../../kernel/ir.ts';
import { ArenaLayout, loadF32 } from '../arena.ts';
import type { KernelShader } from '../shader.ts';
import { epilogueLines } from './epilogue.ts';
import { renderGemm, type GemmSchedule } from './gemm.ts';

export function renderMatmul(k: MatmulKernel, program: Program, schedule?: GemmSchedule): KernelShader {
  const arena = new ArenaLayout(program, k.name);
  for (const [label, v] of [['a', k.a], ['b', k.b]] as const) {
    if (v.strides.length !== 3) throw new Error(`webgpu: matmul "${k.name}" operand ${label} needs 3 strides [batch, rows, cols], got [${v.strides.join(', ')}]`);
  }
  return renderGemm({
    kernelName: k.name,
    batch: k.batch,
    m: k.m,
    n: k.n,
    k: k.k,
    loadA: [`return ${loadF32(arena, k.a, ['g', 'row', 'kk'])};`],
    loadB: [`return ${loadF32(arena, k.b, ['g', 'kk', 'col'])};`],
    epilogue: epilogueLines(arena, { vars: ['g', 'row', 'col'], shape: [k.batch, k.m, k.n] }, k.stores),
    aContiguousK: Math.abs(k.a.strides[2]!) <= Math.abs(k.a.strides[1]!),
    bContiguousN: Math.abs(k.b.strides[2]!) <= Math.abs(k.b.strides[1]!),
  }, schedule);
}
