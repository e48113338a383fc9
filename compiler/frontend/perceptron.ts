/**
 * Rosenblatt's perceptron: o = step(x·w + b), trained by its own rule w ← w + η(t − o)x,
 * b ← b + η(t − o) — an update, not a gradient (step has no useful derivative).
 */
import type { Tensor } from '../ir/graph.ts';
import { GraphError, userCallSite } from '../ir/errors.ts';
import { fmtType } from '../ir/types.ts';
import * as F from './math.ts';

/** Declares the perceptron update of w [D, 1] and b [1] for a batch x [B, D], t [B, 1]; returns o. */
export function perceptronRule(x: Tensor, t: Tensor, w: Tensor, b: Tensor, lr: number): Tensor {
  if (x.rank !== 2 || w.shape.join() !== `${x.shape[1]},1` || t.shape.join() !== `${x.shape[0]},1`) {
    throw new GraphError(`perceptronRule: expects x [B, D], t [B, 1], w [D, 1], got ${fmtType(x)}, ${fmtType(t)}, ${fmtType(w)}`, userCallSite());
  }
  const o = F.step(F.add(F.matmul(x, w), b));
  const err = F.sub(t, o);
  x.graph.update(w, F.add(w, F.mul(F.matmul(F.transpose(x), err), lr)));
  x.graph.update(b, F.add(b, F.mul(F.sum(err, 0), lr)));
  return o;
}
