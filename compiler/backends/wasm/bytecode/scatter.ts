/**
 * scatter_add (kernel/ir.ts ScatterAddKernel) as bytecode, with the schedule of ../scatter.ts:
 * zero the output, then for every prefix point walk the index list once and add update row j
 * into row clamp(idx[j]), feature by feature. Each output element receives its additions in
 * increasing j, the order the interpreter and WebGPU use, so results match bit for bit.
 */
import type { ScatterAddKernel } from '../../../kernel/ir.ts';
import type { Emitter } from './alu.ts';
import { pushAddress, pushAddressValue } from './expr.ts';
import { emitPointwise, layoutAddress, type ProgramContext } from './nest.ts';

export function emitScatterAdd(e: Emitter, ctx: ProgramContext, k: ScatterAddKernel): number {
  const f = e.f;
  const layout = ctx.layout;
  const dt = layout.dtype(k.out.buffer);
  emitPointwise(e, ctx, k.shape, [{ view: k.out, expr: { op: 'const', value: 0, dtype: dt } }], false);
  const addressOf = layoutAddress(layout);
  const vars = k.shape.map(() => f.local('i32'));
  const j = f.local('i32'), row = f.local('i32'), at = f.local('i32');
  const outVars = vars.map((v, d) => (d === k.axis ? row : v));
  const updVars = vars.map((v, d) => (d === k.axis ? j : v));
  const last = k.shape[k.axis]! - 1;
  const loops = (d: number, to: number, body: () => void): void => {
    if (d >= to) { body(); return; }
    f.forRange(vars[d]!, () => f.i32(0), () => f.i32(k.shape[d]!), 1, () => loops(d + 1, to, body));
  };
  loops(0, k.axis, () => {
    f.forRange(j, () => f.i32(0), () => f.i32(k.count), 1, () => {
      // row = min(max(indices[j], 0), extent − 1)
      const offset = pushAddress(f, addressOf(k.indices, [j]));
      f.mem('i32.load', offset).set(row);
      f.get(row).i32(0).get(row).i32(0).op('i32.gt_s').op('select').set(row);
      f.get(row).i32(last).get(row).i32(last).op('i32.lt_s').op('select').set(row);
      loops(k.axis + 1, k.shape.length, () => {
        // at = address of out[…row…]; out[at] += updates[…j…]
        pushAddressValue(f, addressOf(k.out, outVars));
        f.set(at);
        f.get(at).get(at).mem(dt === 'f32' ? 'f32.load' : 'i32.load');
        const uo = pushAddress(f, addressOf(k.updates, updVars));
        f.mem(dt === 'f32' ? 'f32.load' : 'i32.load', uo);
        f.op(dt === 'f32' ? 'f32.add' : 'i32.add').mem(dt === 'f32' ? 'f32.store' : 'i32.store');
      });
    });
  });
  return 0;
}
