/** Reductions. The primitive keeps reduced dims as size 1; the frontend squeezes them. */
import { fmtShape, normAxis, type TensorType } from '../ir/types.ts';
import * as F from '../frontend/math.ts';
import type { Rules } from './rule.ts';

function reduced(ins: readonly TensorType[], axes: readonly number[], op: string): number[] {
  const x = ins[0]!;
  const norm = axes.map((a) => normAxis(a, x.shape.length, op));
  if (new Set(norm).size !== norm.length) throw new Error(`repeated axis in [${axes.join(', ')}]`);
  return x.shape.map((d, i) => (norm.includes(i) ? 1 : d));
}

export const reduceRules: Rules<'sum' | 'max' | 'argmax'> = {
  sum: {
    infer: (ins, a) => ({ shape: reduced(ins, a.axes, 'sum'), dtype: ins[0]!.dtype }),
    vjp: (ct, [x]) => [F.broadcastTo(ct, x!.shape)],
    lower: { kind: 'reduce', reduce: 'sum', axes: (a) => a.axes },
  },
  max: {
    infer: (ins, a) => ({ shape: reduced(ins, a.axes, 'max'), dtype: ins[0]!.dtype }),
    // the gradient is shared equally among tied maxima
    vjp: (ct, [x], out, a) => {
      const mask = F.equal(x!, F.broadcastTo(out, x!.shape));
      const count = F.sum(mask, a.axes, true);
      return [F.mul(F.broadcastTo(F.div(ct, count), x!.shape), mask)];
    },
    lower: { kind: 'reduce', reduce: 'max', axes: (a) => a.axes },
  },
  argmax: {
    infer: (ins, a) => {
      if (ins[0]!.shape.length === 0) throw new Error(`cannot take argmax of a scalar ${fmtShape(ins[0]!.shape)}`);
      return { shape: reduced(ins, [a.axis], 'argmax'), dtype: 'i32' };
    },
    vjp: () => [null],
    lower: { kind: 'reduce', reduce: 'argmax', axes: (a) => [a.axis] },
  },
};
