/**
 * scatter_add (kernel/ir.ts ScatterAddKernel): zero the output, then for every prefix point walk
 * the index list once and add update row j into row clamp(idx[j]), feature by feature. Each
 * output element receives its additions in increasing j, the order the interpreter and WebGPU
 * use, so results match bit for bit across runs; the cost is O(count × features), no compares.
 */
import type { ScatterAddKernel } from '../../kernel/ir.ts';
import type { MemoryLayout } from './layout.ts';
import { emitPointwise } from './pointwise.ts';
import type { Source } from './source.ts';

export function emitScatterAdd(out: Source, layout: MemoryLayout, k: ScatterAddKernel): number {
  const dt = layout.dtype(k.out.buffer);
  emitPointwise(out, layout, k.shape, [{ view: k.out, expr: { op: 'const', value: 0, dtype: dt } }], 'z');
  const vars = k.shape.map((_, d) => `s${d}`);
  const outVars = vars.map((v, d) => (d === k.axis ? 'row' : v));
  const updVars = vars.map((v, d) => (d === k.axis ? 'j' : v));
  const loops = (from: number, to: number) => {
    for (let d = from; d < to; d++) out.open(`for (let ${vars[d]}: i32 = 0; ${vars[d]} < ${k.shape[d]}; ${vars[d]}++)`);
  };
  loops(0, k.axis);
  out.open(`for (let j: i32 = 0; j < ${k.count}; j++)`);
  out.line(`const row: i32 = min<i32>(max<i32>(load<i32>(<usize>(${layout.address(k.indices, ['j'])})), 0), ${k.shape[k.axis]! - 1});`);
  loops(k.axis + 1, k.shape.length);
  out.line(`const at = <usize>(${layout.address(k.out, outVars)});`);
  out.line(`store<${dt}>(at, load<${dt}>(at) + load<${dt}>(<usize>(${layout.address(k.updates, updVars)})));`);
  for (let d = k.axis + 1; d < k.shape.length; d++) out.close();
  out.close();
  for (let d = 0; d < k.axis; d++) out.close();
  return 0;
}
