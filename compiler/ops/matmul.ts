/** Matrix product over the last two dims, with an optional shared batch dim. */
import { fmtType, type TensorType } from '../ir/types.ts';
import { withLeadingAxis } from '../kernel/views.ts';
import * as F from '../frontend/math.ts';
import type { Rules } from './rule.ts';

function swapLast(r: number): number[] {
  return [...Array(r - 2).keys(), r - 1, r - 2];
}

export const matmulRules: Rules<'matmul'> = {
  matmul: {
    infer: (ins) => {
      const [a, b] = ins as [TensorType, TensorType];
      const r = a.shape.length;
      if (a.dtype !== 'f32' || b.dtype !== 'f32') throw new Error(`expects f32 operands`);
      if (r < 2 || r > 3 || b.shape.length !== r) throw new Error(`expects two rank-2 or two rank-3 operands (the frontend's matmul handles other ranks)`);
      if (r === 3 && a.shape[0] !== b.shape[0]) throw new Error(`batch sizes differ: ${fmtType(a)} vs ${fmtType(b)}`);
      if (a.shape[r - 1] !== b.shape[r - 2]) throw new Error(`inner dimensions differ: ${a.shape[r - 1]} (last of ${fmtType(a)}) vs ${b.shape[r - 2]} (first of ${fmtType(b)}'s matrix)`);
      return { shape: [...a.shape.slice(0, r - 1), b.shape[r - 1]!], dtype: 'f32' };
    },
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
