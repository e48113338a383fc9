/** Activations composed from primitives (so they need no rules of their own). */
import type { Tensor } from '../ir/graph.ts';
import * as F from './math.ts';

export { relu, sigmoid, tanh, step, sign } from './math.ts';

export const leakyRelu = (x: Tensor, alpha = 0.01) => F.maximum(x, F.mul(x, alpha));
export const elu = (x: Tensor, alpha = 1) => F.where(F.greater(x, 0), x, F.mul(F.sub(F.exp(F.minimum(x, 0)), 1), alpha));
/**
 * log(1 + eˣ) = max(x, 0) + log1p(e^−|x|), which never overflows. Both terms have a kink at 0
 * that cancels in the value but not in a naive gradient (relu′(0) = 0 and |x|′(0) = 0 would give
 * 0 instead of σ(0) = ½), so both use the same side: x ≤ 0 counts as negative.
 *
 * log1p(u) for u = e^−|x| in (0, 1] is 2·atanh(s) with s = u / (2 + u) ≤ 1/3, summed as the
 * series 2s·(1 + s²/3 + s⁴/5 + … + s¹²/13) (first term left out ≤ 1.4e-8 relative). Unlike
 * log(1 + u), it keeps full f32 relative precision when u is tiny (x below about −15, where
 * 1 + u rounds to 1 and softplus would be 0 below −16.6): softplus(x) → eˣ, as in PyTorch's
 * log1p form. It needs no accurate `log` near 1 either (WGSL only bounds its absolute error).
 */
export function softplus(x: Tensor): Tensor {
  const positive = F.greater(x, 0);
  const absX = F.where(positive, x, F.neg(x));
  return F.add(F.where(positive, x, 0), log1pSmall(F.exp(F.neg(absX))));
}

/** log(1 + u) for u in [0, 1], to f32 relative precision (see softplus) */
function log1pSmall(u: Tensor): Tensor {
  const s = F.div(u, F.add(u, 2));
  const t = F.mul(s, s);
  let series: Tensor | number = 1 / 13;
  for (const k of [11, 9, 7, 5, 3, 1]) series = F.add(F.mul(t, series), 1 / k);
  return F.mul(F.mul(s, 2), series);
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
