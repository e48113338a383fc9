/** Activations composed from primitives (so they need no rules of their own). */
import type { Tensor } from '../ir/graph.ts';
import * as F from './math.ts';

export { relu, sigmoid, tanh, step, sign } from './math.ts';

export const leakyRelu = (x: Tensor, alpha = 0.01) => F.maximum(x, F.mul(x, alpha));
export const elu = (x: Tensor, alpha = 1) => F.where(F.greater(x, 0), x, F.mul(F.sub(F.exp(F.minimum(x, 0)), 1), alpha));
/**
 * log(1 + eˣ) = max(x, 0) + log(1 + e^−|x|), which never overflows. Both terms have a kink at 0
 * that cancels in the value but not in a naive gradient (relu′(0) = 0 and |x|′(0) = 0 would give
 * 0 instead of σ(0) = ½), so both use the same side: x ≤ 0 counts as negative.
 */
export function softplus(x: Tensor): Tensor {
  const positive = F.greater(x, 0);
  const absX = F.where(positive, x, F.neg(x));
  return F.add(F.where(positive, x, 0), F.log(F.add(F.exp(F.neg(absX)), 1)));
}

/** log Σ exp along `axis`, shifted by the (gradient-free) maximum for stability */
export function logSumExp(x: Tensor, axis = -1, keepDims = false): Tensor {
  const m = F.stopGradient(F.max(x, axis, true));
  const s = F.add(F.log(F.sum(F.exp(F.sub(x, m)), axis, true)), m);
  return keepDims ? s : F.reshape(s, x.shape.filter((_, i) => i !== (axis < 0 ? axis + x.rank : axis)));
}

export const logSoftmax = (x: Tensor, axis = -1) => F.sub(x, logSumExp(x, axis, true));

export function softmax(x: Tensor, axis = -1): Tensor {
  const e = F.exp(F.sub(x, F.stopGradient(F.max(x, axis, true))));
  return F.div(e, F.sum(e, axis, true));
}
