/** Batch normalization as a function of explicit tensors (the layer in nn.ts owns the params). */
import type { Tensor } from '../ir/graph.ts';
import * as F from './math.ts';

export interface BatchNormResult {
  y: Tensor;
  /** updated running statistics (training mode only) */
  runningMean?: Tensor;
  runningVar?: Tensor;
}

/**
 * y = γ·(x − μ)/√(σ² + ε) + β per channel (axis 1). Training uses batch statistics and returns
 * the running statistics updated as PyTorch does (unbiased variance); evaluation uses the
 * running statistics.
 */
export function batchNormOp(x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor, runningVar: Tensor, o: { training: boolean; momentum?: number; eps?: number }): BatchNormResult {
  const momentum = o.momentum ?? 0.1, eps = o.eps ?? 1e-5;
  const c = x.shape[1]!;
  const bshape = x.rank === 4 ? [1, c, 1, 1] : [1, c];
  const axes = x.rank === 4 ? [0, 2, 3] : [0];
  const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
  const scale = (t: Tensor) => F.reshape(t, bshape);
  if (!o.training) {
    const xhat = F.div(F.sub(x, scale(runningMean)), F.sqrt(F.add(scale(runningVar), eps)));
    return { y: F.add(F.mul(xhat, scale(gamma)), scale(beta)) };
  }
  const mean = F.mean(x, axes, true);
  const centered = F.sub(x, mean);
  const variance = F.mean(F.square(centered), axes, true);
  const xhat = F.div(centered, F.sqrt(F.add(variance, eps)));
  const m1 = F.stopGradient(F.reshape(mean, [c])), v1 = F.stopGradient(F.reshape(variance, [c]));
  return {
    y: F.add(F.mul(xhat, scale(gamma)), scale(beta)),
    runningMean: F.add(F.mul(runningMean, 1 - momentum), F.mul(m1, momentum)),
    runningVar: F.add(F.mul(runningVar, 1 - momentum), F.mul(v1, (momentum * count) / Math.max(1, count - 1))),
  };
}
