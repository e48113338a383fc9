/**
 * ONNX loss ops (NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss) and LayerNormalization,
 * composed from primitives. Picking the target class uses a one-hot mask (iota == target), so no
 * gather primitive is needed; an ignored or out-of-range target picks nothing and weighs 0.
 */
import type { Tensor } from '../../ir/graph.ts';
import { normAxis } from '../../ir/types.ts';
import * as F from '../../frontend/math.ts';
import * as A from '../../frontend/activations.ts';
import { tensorValue, type OpContext, type OpHandler, type OpResult } from '../context.ts';

/** −Σ_c mask·input·w with the reduction; input is [N, C, d…] log-probabilities, target [N, d…]. */
function nll(ctx: OpContext, input: Tensor, target: Tensor, weight: Tensor | undefined): Tensor {
  const c = input.shape[1]!;
  const t = F.cast(target, 'i32');
  const lifted = F.reshape(t, [t.shape[0]!, 1, ...t.shape.slice(1)]);
  const mask = F.cast(F.equal(F.iota(input.graph, input.shape, 1), F.broadcastTo(lifted, input.shape)), 'f32');
  const ignore = ctx.hasAttr('ignore_index') ? ctx.int('ignore_index', 0) : undefined;
  const bshape = [1, c, ...new Array(input.rank - 2).fill(1)];
  const wMask = weight ? F.mul(mask, F.reshape(weight, bshape)) : mask;
  let w = F.sum(wMask, 1); // [N, d…]: the target's weight (0 when the target is out of range)
  if (ignore !== undefined) w = F.mul(w, F.cast(F.sub(1, F.equal(t, ignore)), 'f32'));
  const picked = F.sum(F.mul(mask, input), 1);
  const loss = F.neg(F.mul(picked, w));
  const reduction = ctx.string('reduction', 'mean');
  if (reduction === 'none') return loss;
  if (reduction === 'sum') return F.sum(loss);
  if (reduction === 'mean') return F.div(F.sum(loss), F.sum(w));
  throw ctx.unsupported(`reduction "${reduction}"`);
}

function weightOf(ctx: OpContext, i: number): Tensor | undefined {
  return ctx.has(i) ? ctx.tensor(i) : undefined;
}

function f32(ctx: OpContext, i: number): Tensor {
  const t = ctx.tensor(i);
  if (t.dtype !== 'f32') throw ctx.unsupported(`integer input ${i}`);
  return t;
}

function layerNorm(ctx: OpContext): OpResult[] {
  const x = f32(ctx, 0);
  const axis = normAxis(ctx.int('axis', -1), x.rank, 'LayerNormalization');
  if (ctx.int('stash_type', 1) !== 1) throw ctx.unsupported('stash_type other than float');
  const eps = ctx.float('epsilon', 1e-5);
  const axes = [...x.shape.keys()].slice(axis);
  const mean = F.mean(x, axes, true);
  const c = F.sub(x, mean);
  const invStd = F.recip(F.sqrt(F.add(F.mean(F.mul(c, c), axes, true), eps)));
  let y = F.mul(F.mul(c, invStd), ctx.tensor(1));
  if (ctx.has(2)) y = F.add(y, ctx.tensor(2));
  return [tensorValue(y, ctx.onnxType(0)), tensorValue(mean, ctx.onnxType(0)), tensorValue(invStd, ctx.onnxType(0))];
}

export const lossOps: Record<string, OpHandler> = {
  NegativeLogLikelihoodLoss: {
    opsets: [12, 17],
    run: (ctx) => [tensorValue(nll(ctx, f32(ctx, 0), ctx.tensor(1), weightOf(ctx, 2)), ctx.onnxType(0))],
  },
  SoftmaxCrossEntropyLoss: {
    opsets: [12, 17],
    run: (ctx) => {
      const scores = f32(ctx, 0);
      if (scores.rank < 2) throw ctx.unsupported('scores of rank < 2');
      // log-softmax over the class axis (1); move it last and back for the frontend's op
      const perm = [0, ...[...scores.shape.keys()].slice(2), 1];
      const inv = [0, scores.rank - 1, ...[...scores.shape.keys()].slice(1, -1)];
      const logp = scores.rank === 2 ? A.logSoftmax(scores, 1) : F.transpose(A.logSoftmax(F.transpose(scores, perm), -1), inv);
      const loss = nll(ctx, logp, ctx.tensor(1), weightOf(ctx, 2));
      return [tensorValue(loss, ctx.onnxType(0)), tensorValue(logp, ctx.onnxType(0))];
    },
  },
  LayerNormalization: { opsets: [17, 17], run: layerNorm },
};
