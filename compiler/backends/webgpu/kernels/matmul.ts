/** Batched matmul with its fused epilogue, on the shared GEMM skeleton. */
import type { MatmulKernel, Program } from '../../../kernel/ir.ts';
import { ArenaLayout, loadF32 } from '../arena.ts';
import type { KernelShader } from '../shader.ts';
import { epilogueLines } from './epilogue.ts';
import { renderGemm, type GemmOptions, type GemmPlan } from './gemm.ts';

export function renderMatmul(k: MatmulKernel, program: Program, options: GemmOptions = {}): KernelShader {
  const arena = new ArenaLayout(program, k.name);
  for (const [label, v] of [['a', k.a], ['b', k.b]] as const) {
    if (v.strides.length !== 3) throw new Error(`webgpu: matmul "${k.name}" operand ${label} needs 3 strides [batch, rows, cols], got [${v.strides.join(', ')}]`);
  }
  return renderGemm({
    kernelName: k.name,
    arena,
    batch: k.batch,
    m: k.m,
    n: k.n,
    k: k.k,
    loadA: [`return ${loadF32(arena, k.a, ['g', 'row', 'kk'])};`],
    loadB: [`return ${loadF32(arena, k.b, ['g', 'kk', 'col'])};`],
    epilogue: epilogueLines(arena, { vars: ['g', 'row', 'col'], shape: [k.batch, k.m, k.n] }, k.stores),
    aContiguousK: Math.abs(k.a.strides[2]!) <= Math.abs(k.a.strides[1]!),
    bContiguousN: Math.abs(k.b.strides[2]!) <= Math.abs(k.b.strides[1]!),
    ...vec4Operands(k, arena),
  }, options);
}

/** Row-major f32 operands on 16-byte boundaries, read as vec4 by the rowblock schedule. */
function vec4Operands(k: MatmulKernel, arena: ArenaLayout): Pick<GemmPlan, 'vec4'> {
  const a = { base: arena.base(k.a), s: k.a.strides }, b = { base: arena.base(k.b), s: k.b.strides };
  const aligned = [a.base, b.base, a.s[0]!, a.s[1]!, b.s[0]!, b.s[1]!, k.k, k.n].every((x) => x % 4 === 0 && x >= 0);
  const f32 = arena.dtype(k.a) === 'f32' && arena.dtype(k.b) === 'f32';
  if (!aligned || !f32 || a.s[2] !== 1 || b.s[2] !== 1 || k.k < 4) return {};
  return { vec4: { a: { name: arena.name(k.a), base: a.base, batch: a.s[0]!, row: a.s[1]! }, b: { name: arena.name(k.b), base: b.base, batch: b.s[0]!, k: b.s[1]! } } };
}
