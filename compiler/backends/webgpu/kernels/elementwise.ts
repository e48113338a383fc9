/** Elementwise kernels: one invocation per point of the loop nest, all stores fused. */
import type { ElementwiseKernel, Program } from '../../../kernel/ir.ts';
import { ArenaLayout } from '../arena.ts';
import { ExprEmitter, Names } from '../expr.ts';
import { grid1d, unflatten } from '../grid.ts';
import { volume } from '../literals.ts';
import { assemble, ENTRY_POINT, type KernelShader } from '../shader.ts';

export const ELEMENTWISE_WORKGROUP = 64;

export function renderElementwise(k: ElementwiseKernel, program: Program): KernelShader {
  const total = volume(k.shape);
  const grid = grid1d(Math.ceil(total / ELEMENTWISE_WORKGROUP), k.name);
  const vars = k.shape.map((_, d) => `i${d}`);
  const lines: string[] = [];
  lines.push(`  let lin = i32(${grid.groupId} * ${ELEMENTWISE_WORKGROUP}u + lid.x);`);
  lines.push(`  if (lin >= ${total}) { return; }`);
  lines.push(...unflatten('lin', k.shape, vars));
  const arena = new ArenaLayout(program, k.name);
  new ExprEmitter(arena, new Names(), lines, { vars, shape: k.shape }).emitStores(k.stores);
  const body = `@compute @workgroup_size(${ELEMENTWISE_WORKGROUP})
fn ${ENTRY_POINT}(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
${lines.join('\n')}
}`;
  return { ...assemble(k.name, body, arena), workgroups: grid.workgroups };
}
