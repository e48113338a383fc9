/** ONNX reductions, arg-reductions and the softmax family. */
import type { Tensor } from '../../ir/graph.ts';
import { normAxis, sizeOf } from '../../ir/types.ts';
import * as F from '../../frontend/math.ts';
import * as A from '../../frontend/activations.ts';
import { DataType } from '../proto.ts';
import { tensorValue, type OpContext, type OpHandler, type OpResult } from '../context.ts';

/** The reduced axes: the attribute before ReduceSum-13 (input 1 after), all axes when absent. */
function reduceAxes(ctx: OpContext, axesFromInput: boolean): number[] | 'noop' {
  const x = ctx.tensor(0);
  let axes: number[] | undefined;
  if (axesFromInput) axes = ctx.has(1) ? ctx.ints(1, 'axes') : undefined;
  else axes = ctx.intList('axes');
  if (!axes || axes.length === 0) {
    if (ctx.int('noop_with_empty_axes', 0)) return 'noop';
    return [...x.shape.keys()];
  }
  return axes.map((a) => normAxis(a, x.rank, ctx.op));
}

const reduce = (f: (x: Tensor, axes: number[]) => Tensor, opts: { floatOnly?: boolean; inputAxesSince?: number } = {}): OpHandler => ({
  opsets: [1, 17],
  constInputs: [1],
  run: (ctx) => {
    const x = ctx.tensor(0);
    if (opts.floatOnly && x.dtype !== 'f32') throw ctx.unsupported(`integer input (${DataType[ctx.onnxType(0)]})`);
    const axes = reduceAxes(ctx, ctx.opset >= (opts.inputAxesSince ?? 18));
    if (axes === 'noop') return [tensorValue(F.add(x, 0), ctx.onnxType(0))];
    const keep = ctx.int('keepdims', 1) === 1;
    const y = f(x, axes);
    return [tensorValue(keep ? y : F.reshape(y, x.shape.filter((_, i) => !axes.includes(i))), ctx.onnxType(0))];
  },
});

const sumK = (x: Tensor, axes: number[]) => F.sum(x, axes, true);
const maxK = (x: Tensor, axes: number[]) => F.max(x, axes, true);

/**
 * ArgMax/ArgMin; select_last_index takes the largest index among the ties, computed exactly as
 * max over where(x == max(x), iota, −1).
 */
function argReduce(negate: boolean): OpHandler {
  return {
    opsets: [1, 17],
    run: (ctx) => {
      const x0 = ctx.tensor(0);
      const x = negate ? F.neg(x0) : x0;
      const axis = normAxis(ctx.int('axis', 0), x.rank, ctx.op);
      const keep = ctx.int('keepdims', 1) === 1;
      let y: Tensor;
      if (ctx.int('select_last_index', 0)) {
        const hit = F.equal(x, F.broadcastTo(F.max(x, axis, true), x.shape));
        y = F.max(F.where(hit, F.iota(x.graph, x.shape, axis), -1), axis, keep);
      } else y = F.argmax(x, axis, keep);
      return [tensorValue(y, DataType.INT64)];
    },
  };
}

/** Softmax-like ops: before opset 13 the input is coerced to 2-D at `axis` (default 1). */
function softmaxLike(f: (x: Tensor, axis: number) => Tensor): OpHandler {
  return {
    opsets: [1, 17],
    run: (ctx): OpResult[] => {
      const x = ctx.tensor(0);
      if (x.dtype !== 'f32') throw ctx.unsupported('integer input');
      if (ctx.opset >= 13) return [tensorValue(f(x, normAxis(ctx.int('axis', -1), x.rank, ctx.op)), ctx.onnxType(0))];
      const axis = normAxis(ctx.int('axis', 1), x.rank, ctx.op);
      const flat = F.reshape(x, [sizeOf(x.shape.slice(0, axis)), sizeOf(x.shape.slice(axis))]);
      return [tensorValue(F.reshape(f(flat, 1), x.shape), ctx.onnxType(0))];
    },
  };
}

function hardmax(x: Tensor, axis: number): Tensor {
  const idx = F.argmax(x, axis, true);
  return F.cast(F.equal(F.iota(x.graph, x.shape, axis), F.broadcastTo(idx, x.shape)), 'f32');
}

export const reduceOps: Record<string, OpHandler> = {
  ReduceSum: reduce(sumK, { inputAxesSince: 13 }),
  ReduceMean: reduce((x, a) => F.mean(x, a, true), { floatOnly: true }),
  ReduceMax: reduce(maxK),
  ReduceMin: reduce((x, a) => F.neg(maxK(F.neg(x), a))),
  ReduceSumSquare: reduce((x, a) => sumK(F.mul(x, x), a)),
  ReduceL1: reduce((x, a) => sumK(F.abs(x), a)),
  ReduceL2: reduce((x, a) => F.sqrt(sumK(F.mul(x, x), a)), { floatOnly: true }),
  ReduceLogSum: reduce((x, a) => F.log(sumK(x, a)), { floatOnly: true }),
  ReduceLogSumExp: reduce((x, a) => {
    const m = F.stopGradient(maxK(x, a));
    return F.add(F.log(sumK(F.exp(F.sub(x, m)), a)), m);
  }, { floatOnly: true }),
  ArgMax: argReduce(false),
  ArgMin: argReduce(true),
  Softmax: softmaxLike((x, a) => A.softmax(x, a)),
  LogSoftmax: softmaxLike((x, a) => A.logSoftmax(x, a)),
  Hardmax: softmaxLike(hardmax),
};
