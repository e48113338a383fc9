import type { Tensor } from '../../compiler/index.ts';
import * as F from '../../compiler/frontend/math.ts';

/**
 * Two-class "logits" [B, 2] = [1 − p, p] from a per-sample output p in [0, 1] (a perceptron's
 * step, a sigmoid unit), so the CLI's argmax-based accuracy and confusion matrix apply.
 */
export function twoClass(p: Tensor): Tensor {
  const col = F.reshape(p, [p.shape[0]!, 1]);
  return F.add(F.mul(col, F.reshape(p.graph.constant([-1, 1], [2]), [1, 2])), F.reshape(p.graph.constant([1, 0], [2]), [1, 2]));
}
