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
 */
export function softplus(x: Tensor): Tensor {
  const positive = F.greater(x, 0);
  const absX = F.where(positive, x, F.neg(x));
  return F.add(F.where(positive, x, 0), log1pUnit(F.exp(F.neg(absX))));
}

/**
 * log(1 + u) for u in [0, 1] at full relative precision, as PyTorch's log1p form of softplus
 * needs: log(1 + u) itself loses it as u → 0 (in f32, 1 + u rounds to 1 below u ≈ 6e-8, so
 * softplus(x) was 0 below x ≈ −16.6; WGSL's log only bounds its absolute error near 1). For
 * u ≤ ¼ it is 2·atanh(s) with s = u / (2 + u) ≤ 1/9, summed as 2s·(1 + s²/3 + … + s¹⁴/15)
 * (the first term left out is below 3e-17 relative), so log1p(u) → u.
 */
function log1pUnit(u: Tensor): Tensor {
  const s = F.div(u, F.add(u, 2));
  const t = F.mul(s, s);
  let series: Tensor | number = 1 / 15;
  for (const k of [13, 11, 9, 7, 5, 3, 1]) series = F.add(F.mul(t, series), 1 / k);
  return F.where(F.greater(u, 0.25), F.log(F.add(u, 1)), F.mul(F.mul(s, 2), series));
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
