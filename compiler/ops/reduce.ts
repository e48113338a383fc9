/** Reductions. The primitive keeps reduced dims as size 1; the frontend squeezes them. */
import type { Tensor } from '../ir/graph.ts';
import * as F from '../frontend/math.ts';
import type { Rules } from './rule.ts';

/** The gradient of max/min: shared equally among the elements equal to the result (ties). */
function extremumVjp(ct: Tensor, x: Tensor, out: Tensor, axes: number[]): Tensor[] {
  const mask = F.equal(x, F.broadcastTo(out, x.shape));
  const count = F.sum(mask, axes, true);
  return [F.mul(F.broadcastTo(F.div(ct, count), x.shape), mask)];
}

export const reduceRules: Rules<'sum' | 'max' | 'min' | 'argmax'> = {
  sum: {
    vjp: (ct, [x]) => [F.broadcastTo(ct, x!.shape)],
    lower: { kind: 'reduce', reduce: 'sum', axes: (a) => a.axes },
  },
  max: {
    vjp: (ct, [x], out, a) => extremumVjp(ct, x!, out, a.axes),
    lower: { kind: 'reduce', reduce: 'max', axes: (a) => a.axes },
  },
  min: {
    vjp: (ct, [x], out, a) => extremumVjp(ct, x!, out, a.axes),
    lower: { kind: 'reduce', reduce: 'min', axes: (a) => a.axes },
  },
  argmax: {
    vjp: () => [null],
    lower: { kind: 'reduce', reduce: 'argmax', axes: (a) => [a.axis] },
  },
};
