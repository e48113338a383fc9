/**
 * scatter_add (kernel/ir.ts ScatterAddKernel): one invocation per output column (a point of the
 * output space with the scattered axis left out). It owns that column, zeroes it, walks the
 * index list once and adds update row j into row clamp(idx[j]) — so no two invocations write one
 * word (no atomics), and every element gets its additions in increasing j, the order of the
 * interpreter and the WASM backend: the results are deterministic and bit-identical to WASM's.
 * Work: O(count) per column, O(count × features) in all; no compares.
 */
import type { Program, ScatterAddKernel } from '../../../kernel/ir.ts';
import { ArenaLayout, loadWord, storeWord } from '../arena.ts';
import { grid1d, unflatten } from '../grid.ts';
import { literal, volume } from '../literals.ts';
import { assemble, ENTRY_POINT, type KernelShader } from '../shader.ts';

export const SCATTER_WORKGROUP = 64;

export function renderScatterAdd(k: ScatterAddKernel, program: Program): KernelShader {
  const arena = new ArenaLayout(program, k.name);
  const columns = k.shape.map((d, i) => (i === k.axis ? 1 : d));
  const total = volume(columns);
  const grid = grid1d(Math.ceil(total / SCATTER_WORKGROUP), k.name);
  const vars = k.shape.map((_, d) => `c${d}`);
  const dt = arena.dtype(k.out);
  const outAt = (row: string) => arena.index(k.out, vars.map((v, d) => (d === k.axis ? row : v)));
  const out = (index: string) => arena.word(k.out, index);
  const lines: string[] = [];
  lines.push(`  let lin = i32(${grid.groupId} * ${SCATTER_WORKGROUP}u + lid.x);`);
  lines.push(`  if (lin >= ${total}) { return; }`);
  lines.push(...unflatten('lin', columns, vars));
  lines.push(`  for (var r = 0; r < ${k.shape[k.axis]}; r++) {`);
  lines.push(`    ${storeWord(out(outAt('r')), literal(0, dt))}`);
  lines.push('  }');
  lines.push(`  for (var j = 0; j < ${k.count}; j++) {`);
  lines.push(`    let row = clamp(${loadWord(arena.word(k.indices, arena.index(k.indices, ['j'])), 'i32')}, 0, ${k.shape[k.axis]! - 1});`);
  lines.push(`    let at = ${outAt('row')};`);
  const upd = loadWord(arena.word(k.updates, arena.index(k.updates, vars.map((v, d) => (d === k.axis ? 'j' : v)))), dt);
  lines.push(`    ${storeWord(out('at'), `${loadWord(out('at'), dt)} + ${upd}`)}`);
  lines.push('  }');
  const body = `@compute @workgroup_size(${SCATTER_WORKGROUP})
fn ${ENTRY_POINT}(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
${lines.join('\n')}
}`;
  return { ...assemble(k.name, body, arena), workgroups: grid.workgroups };
}
