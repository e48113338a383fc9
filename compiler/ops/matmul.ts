/** Matrix product over the last two dims, with an optional shared batch dim. */
import { withLeadingAxis } from '../kernel/views.ts';
import * as F from '../frontend/math.ts';
import type { Rules } from './rule.ts';

function swapLast(r: number): number[] {
  return [...Array(r - 2).keys(), r - 1, r - 2];
}

export const matmulRules: Rules<'matmul'> = {
  matmul: {
    vjp: (ct, [a, b]) => [F.matmul(ct, F.transpose(b!, swapLast(b!.rank))), F.matmul(F.transpose(a!, swapLast(a!.rank)), ct)],
    lower: {
      kind: 'anchor',
      kernel: ([a, b], stores, _, [ta, tb], out, name) => {
        const r = out.shape.length;
        const batched = r === 3;
        const lift = (v: typeof a) => (batched ? v! : { ...v!, strides: [0, ...v!.strides] });
        return {
          kind: 'matmul', name,
          batch: batched ? out.shape[0]! : 1,
          m: ta!.shape[r - 2]!, k: ta!.shape[r - 1]!, n: tb!.shape[r - 1]!,
          a: lift(a), b: lift(b),
          stores: batched ? stores : withLeadingAxis(stores),
        };
      },
    },
  },
};
