/**
 * Losses from the lectures, composed from primitives. All return scalars; "mean" forms average
 * over the batch (the first axis) the way PyTorch's defaults do.
 */
import type { Tensor } from '../ir/graph.ts';
import { GraphError, userCallSite } from '../ir/errors.ts';
import { fmtType } from '../ir/types.ts';
import * as F from './math.ts';
import { logSoftmax, softplus } from './activations.ts';

function sameShapes(op: string, a: Tensor, b: Tensor): void {
  if (a.shape.join() !== b.shape.join()) throw new GraphError(`${op}: prediction ${fmtType(a)} and target ${fmtType(b)} must have the same shape`, userCallSite());
}

/** ½ Σ (t − o)² — the lectures' E */
export function squaredError(o: Tensor, t: Tensor): Tensor {
  sameShapes('squaredError', o, t);
  return F.mul(F.sum(F.square(F.sub(t, o))), 0.5);
}

/** mean (t − o)² */
export function mse(o: Tensor, t: Tensor): Tensor {
  sameShapes('mse', o, t);
  return F.mean(F.square(F.sub(t, o)));
}

/** −mean [t log p + (1 − t) log(1 − p)], with log clamped at −100 like PyTorch */
export function binaryCrossEntropy(p: Tensor, t: Tensor): Tensor {
  sameShapes('binaryCrossEntropy', p, t);
  const logP = F.maximum(F.log(p), -100);
  const log1mP = F.maximum(F.log(F.sub(1, p)), -100);
  return F.neg(F.mean(F.add(F.mul(t, logP), F.mul(F.sub(1, t), log1mP))));
}

/** binary cross-entropy on logits z: mean [softplus(z) − z·t] (never overflows) */
export function binaryCrossEntropyWithLogits(z: Tensor, t: Tensor): Tensor {
  sameShapes('binaryCrossEntropyWithLogits', z, t);
  return F.mean(F.sub(softplus(z), F.mul(z, t)));
}

/** one-hot f32 [B, K] from i32 labels [B] */
export function oneHot(labels: Tensor, classes: number): Tensor {
  if (labels.dtype !== 'i32' || labels.rank !== 1) throw new GraphError(`oneHot: labels must be i32 [batch], got ${fmtType(labels)}`, userCallSite());
  // labels out of range would give an all-zero row (a silently wrong loss): the runtime checks fed labels
  if (labels.op === 'input' && labels.name) {
    const known = labels.graph.classIndexInputs.get(labels.name);
    labels.graph.classIndexInputs.set(labels.name, known === undefined ? classes : Math.min(known, classes));
  }
  const ids = F.iota(labels.graph, [labels.shape[0]!, classes], 1);
  return F.cast(F.equal(ids, F.reshape(labels, [labels.shape[0]!, 1])), 'f32');
}

/** −mean log p[label] from log-probabilities [B, K] and i32 labels [B] */
export function nllLoss(logProbs: Tensor, labels: Tensor): Tensor {
  if (logProbs.rank !== 2 || labels.rank !== 1 || labels.shape[0] !== logProbs.shape[0]) {
    throw new GraphError(`nllLoss: expects log-probabilities [B, K] and i32 labels [B], got ${fmtType(logProbs)} and ${fmtType(labels)}`, userCallSite());
  }
  return F.neg(F.div(F.sum(F.mul(logProbs, oneHot(labels, logProbs.shape[1]!))), logProbs.shape[0]!));
}

/** categorical cross-entropy of softmax(logits) against i32 labels, computed stably via log-softmax */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor): Tensor {
  return nllLoss(logSoftmax(logits, -1), labels);
}

/** KL(p ‖ q) = Σ p (log p − log q) / batch, from log q and p (PyTorch's kl_div batchmean) */
export function klDivergence(logQ: Tensor, p: Tensor): Tensor {
  sameShapes('klDivergence', logQ, p);
  const plogp = F.where(F.greater(p, 0), F.mul(p, F.log(F.maximum(p, 1e-30))), 0);
  return F.div(F.sum(F.sub(plogp, F.mul(p, logQ))), logQ.shape[0] ?? 1);
}

/** mean max(0, 1 − y·s) with labels y in {−1, +1} */
export function hinge(scores: Tensor, y: Tensor): Tensor {
  sameShapes('hinge', scores, y);
  return F.mean(F.relu(F.sub(1, F.mul(y, scores))));
}

/** soft Dice (overlap) loss 1 − (2Σp·t + s)/(Σp + Σt + s) */
export function diceLoss(p: Tensor, t: Tensor, smooth = 1): Tensor {
  sameShapes('diceLoss', p, t);
  const inter = F.sum(F.mul(p, t));
  return F.sub(1, F.div(F.add(F.mul(inter, 2), smooth), F.add(F.add(F.sum(p), F.sum(t)), smooth)));
}

/**
 * The lectures' regularized logistic regression objective ½‖w‖² + C Σ log(1 + exp(−yᵢ(wᵀxᵢ + b)))
 * for x [N, D], y [N] in {−1, +1}, w [D], b [1].
 */
export function logisticRegressionObjective(x: Tensor, y: Tensor, w: Tensor, b: Tensor, C: number): Tensor {
  const margin = F.mul(y, F.add(F.matmul(x, w), b));
  return F.add(F.mul(F.sum(F.square(w)), 0.5), F.mul(F.sum(softplus(F.neg(margin))), C));
}

/** ½ λ Σ‖W‖²_F over the given weights — the lectures' weight-decay penalty */
export function l2Penalty(weights: readonly Tensor[], lambda: number): Tensor {
  if (!weights.length) throw new GraphError('l2Penalty: no weights given', userCallSite());
  return F.mul(weights.map((w) => F.sum(F.square(w))).reduce((a, b) => F.add(a, b)), 0.5 * lambda);
}
