/** ONNX contractions, convolutions, pooling, normalization and dropout. */
import type { Tensor } from '../../ir/graph.ts';
import { sizeOf } from '../../ir/types.ts';
import * as F from '../../frontend/math.ts';
import type { ConvAttrs, Pad4, PoolAttrs } from '../../ops/attrs.ts';
import { DataType } from '../proto.ts';
import { tensorValue, type OpContext, type OpHandler, type OpResult } from '../context.ts';

const f32 = (ctx: OpContext, i: number): Tensor => {
  const t = ctx.tensor(i);
  if (t.dtype !== 'f32') throw ctx.unsupported(`input ${i} has element type ${DataType[ctx.onnxType(i)]}; Axon computes this op on floats only`);
  return t;
};
const out = (ctx: OpContext, t: Tensor): OpResult[] => [tensorValue(t, ctx.onnxType(0))];

/** numpy matmul: batch dims broadcast, 1-D operands promoted and squeezed again. */
export function onnxMatmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank === 1 || b.rank === 1 || (b.rank === 2 && a.rank >= 2)) return F.matmul(a, b);
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const batch = F.broadcastShapes('MatMul', batchA, batchB);
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.rank - 1]!;
  const bs = sizeOf(batch);
  const a3 = F.reshape(F.broadcastTo(a, [...batch, m, k]), [bs, m, k]);
  const b3 = F.reshape(F.broadcastTo(b, [...batch, k, n]), [bs, k, n]);
  return F.reshape(F.matmul(a3, b3), [...batch, m, n]);
}

function gemm(ctx: OpContext): OpResult[] {
  let a = f32(ctx, 0), b = f32(ctx, 1);
  if (ctx.int('transA', 0)) a = F.transpose(a, [1, 0]);
  if (ctx.int('transB', 0)) b = F.transpose(b, [1, 0]);
  const alpha = ctx.float('alpha', 1), beta = ctx.float('beta', 1);
  let y = F.matmul(a, b);
  if (alpha !== 1) y = F.mul(y, alpha);
  if (ctx.has(2) && beta !== 0) y = F.add(y, beta === 1 ? ctx.tensor(2) : F.mul(ctx.tensor(2), beta));
  return out(ctx, y);
}

/** 1-D ops run as 2-D with a height of 1; more than 2 spatial dims are unsupported. */
function spatialRank(ctx: OpContext, x: Tensor): 1 | 2 {
  if (x.rank === 4) return 2;
  if (x.rank === 3) return 1;
  throw ctx.unsupported(`${x.rank - 2}-D spatial input [${x.shape.join(', ')}] (Axon has 1-D and 2-D convolution and pooling)`);
}
const to2d = (x: Tensor) => F.reshape(x, [x.shape[0]!, x.shape[1]!, 1, x.shape[2]!]);
const from2d = (y: Tensor) => F.reshape(y, [y.shape[0]!, y.shape[1]!, y.shape[3]!]);

/** Axon's [top, bottom, left, right] from ONNX's [x1_begin, x2_begin, x1_end, x2_end] (or auto_pad). */
function padsOf(ctx: OpContext, rank: 1 | 2, inDims: number[], kernel: number[], strides: number[], dilations: number[]): [number[], number[]] {
  const autoPad = ctx.string('auto_pad', 'NOTSET');
  const n = inDims.length;
  if (autoPad === 'NOTSET') {
    const p = ctx.intList('pads') ?? new Array(2 * n).fill(0);
    return [p.slice(0, n), p.slice(n)];
  }
  if (autoPad === 'VALID') return [new Array(n).fill(0), new Array(n).fill(0)];
  if (autoPad !== 'SAME_UPPER' && autoPad !== 'SAME_LOWER') throw ctx.unsupported(`auto_pad ${autoPad}`);
  const begin: number[] = [], end: number[] = [];
  for (let i = 0; i < n; i++) {
    const outSize = Math.ceil(inDims[i]! / strides[i]!);
    const total = Math.max(0, (outSize - 1) * strides[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - inDims[i]!);
    const small = Math.floor(total / 2);
    begin.push(autoPad === 'SAME_UPPER' ? small : total - small);
    end.push(autoPad === 'SAME_UPPER' ? total - small : small);
  }
  void rank;
  return [begin, end];
}

function pad4(rank: 1 | 2, begin: number[], end: number[]): Pad4 {
  return rank === 2 ? [begin[0]!, end[0]!, begin[1]!, end[1]!] : [0, 0, begin[0]!, end[0]!];
}
const pair = (rank: 1 | 2, v: number[]): [number, number] => (rank === 2 ? [v[0]!, v[1]!] : [1, v[0]!]);

function conv(ctx: OpContext): OpResult[] {
  const x = f32(ctx, 0), w = f32(ctx, 1);
  const rank = spatialRank(ctx, x);
  const n = rank;
  const kernel = w.shape.slice(2);
  const strides = ctx.intList('strides') ?? new Array(n).fill(1);
  const dilations = ctx.intList('dilations') ?? new Array(n).fill(1);
  const [begin, end] = padsOf(ctx, rank, x.shape.slice(2), kernel, strides, dilations);
  const attrs: ConvAttrs = { stride: pair(rank, strides), dilation: pair(rank, dilations), pad: pad4(rank, begin, end), groups: ctx.int('group', 1) };
  let y = F.conv2d(rank === 2 ? x : to2d(x), rank === 2 ? w : to2d(w), attrs);
  if (ctx.has(2)) y = F.add(y, F.reshape(ctx.tensor(2), [1, w.shape[0]!, 1, 1]));
  return out(ctx, rank === 2 ? y : from2d(y));
}

function convTranspose(ctx: OpContext): OpResult[] {
  const x = f32(ctx, 0), w = f32(ctx, 1);
  const rank = spatialRank(ctx, x);
  const n = rank;
  const groups = ctx.int('group', 1);
  const kernel = w.shape.slice(2);
  const strides = ctx.intList('strides') ?? new Array(n).fill(1);
  const dilations = ctx.intList('dilations') ?? new Array(n).fill(1);
  const outPad = ctx.intList('output_padding') ?? new Array(n).fill(0);
  const inDims = x.shape.slice(2);
  const autoPad = ctx.string('auto_pad', 'NOTSET');
  const full = inDims.map((d, i) => strides[i]! * (d - 1) + outPad[i]! + (kernel[i]! - 1) * dilations[i]! + 1);
  let begin: number[], end: number[];
  const outputShape = ctx.intList('output_shape');
  if (outputShape || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const target = outputShape ? outputShape.slice(-n) : inDims.map((d, i) => d * strides[i]!);
    const total = full.map((f, i) => f - target[i]!);
    if (total.some((t) => t < 0)) throw ctx.unsupported(`output_shape [${target.join(', ')}] larger than the full transposed convolution`);
    const upper = autoPad !== 'SAME_LOWER';
    begin = total.map((t) => (upper ? Math.floor(t / 2) : t - Math.floor(t / 2)));
    end = total.map((t, i) => t - begin[i]!);
  } else if (autoPad === 'VALID' || autoPad === 'NOTSET') {
    const p = autoPad === 'VALID' ? new Array(2 * n).fill(0) : ctx.intList('pads') ?? new Array(2 * n).fill(0);
    begin = p.slice(0, n);
    end = p.slice(n);
  } else throw ctx.unsupported(`auto_pad ${autoPad}`);
  const outDims = full.map((f, i) => f - begin[i]! - end[i]!);
  const cout = w.shape[1]! * groups;
  const attrs: ConvAttrs = { stride: pair(rank, strides), dilation: pair(rank, dilations), pad: pad4(rank, begin, end), groups };
  const inputShape = [x.shape[0]!, cout, ...(rank === 2 ? outDims : [1, outDims[0]!])];
  let y = F.conv2dInputGrad(rank === 2 ? x : to2d(x), rank === 2 ? w : to2d(w), inputShape, attrs);
  if (ctx.has(2)) y = F.add(y, F.reshape(ctx.tensor(2), [1, cout, 1, 1]));
  return out(ctx, rank === 2 ? y : from2d(y));
}

function pool(kind: 'max' | 'avg'): OpHandler {
  return {
    opsets: [1, 17],
    run: (ctx) => {
      const x = f32(ctx, 0);
      const rank = spatialRank(ctx, x);
      if (kind === 'max' && ctx.wantsOutput(1)) throw ctx.unsupported('the Indices output');
      if (ctx.int('storage_order', 0) !== 0) throw ctx.unsupported('storage_order=1');
      const kernel = ctx.intList('kernel_shape');
      if (!kernel) throw ctx.unsupported('missing kernel_shape');
      const strides = ctx.intList('strides') ?? new Array(rank).fill(1);
      const dilations = ctx.intList('dilations') ?? new Array(rank).fill(1);
      if (dilations.some((d) => d !== 1)) throw ctx.unsupported('dilations other than 1');
      const inDims = x.shape.slice(2);
      const [begin, end] = padsOf(ctx, rank, inDims, kernel, strides, dilations);
      const ceil = ctx.int('ceil_mode', 0) === 1;
      // ceil mode: extra padding at the end so the last partial window is computed
      const extra = inDims.map((d, i) => {
        if (!ceil) return 0;
        const span = d + begin[i]! + end[i]! - kernel[i]!;
        const o = Math.ceil(span / strides[i]!) + 1;
        return (o - 1) * strides[i]! + kernel[i]! - (d + begin[i]! + end[i]!);
      });
      const endX = end.map((e, i) => e + extra[i]!);
      const attrs: PoolAttrs = { kernel: pair(rank, kernel), stride: pair(rank, strides), pad: pad4(rank, begin, endX) };
      const x2 = rank === 2 ? x : to2d(x);
      let y: Tensor;
      if (kind === 'max') y = F.maxPool2d(x2, attrs);
      else {
        const padded = [...begin, ...endX].some((p) => p > 0);
        const includePad = ctx.int('count_include_pad', 0) === 1;
        if (includePad && extra.some((e) => e > 0)) throw ctx.unsupported('ceil_mode=1 with count_include_pad=1');
        y = F.avgPool2d(x2, attrs);
        if (padded && !includePad) {
          // average over the real elements only: divide by the fraction of each window inside the input
          const ones = x2.graph.constant(new Float32Array(sizeOf(x2.shape.slice(2))).fill(1), [1, 1, ...x2.shape.slice(2)]);
          y = F.div(y, F.avgPool2d(ones, attrs));
        }
      }
      return out(ctx, rank === 2 ? y : from2d(y));
    },
  };
}

function globalPool(f: (x: Tensor, axes: number[]) => Tensor): OpHandler {
  return {
    opsets: [1, 17],
    run: (ctx) => {
      const x = f32(ctx, 0);
      return out(ctx, f(x, [...x.shape.keys()].slice(2)));
    },
  };
}

/** per-channel (axis 1) vector reshaped to broadcast against x */
const channel = (v: Tensor, x: Tensor) => F.reshape(v, [1, x.shape[1]!, ...new Array(x.rank - 2).fill(1)]);

function batchNorm(ctx: OpContext): OpResult[] {
  if (ctx.int('training_mode', 0)) throw ctx.unsupported('training_mode=1 (export the model in eval mode)');
  if (ctx.opset < 9 && ctx.int('spatial', 1) !== 1) throw ctx.unsupported('spatial=0');
  for (let i = 1; i < ctx.outputCount; i++) if (ctx.wantsOutput(i)) throw ctx.unsupported(`output ${i} (training statistics)`);
  const x = f32(ctx, 0);
  const eps = ctx.float('epsilon', 1e-5);
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => channel(f32(ctx, i), x)) as [Tensor, Tensor, Tensor, Tensor];
  const y = F.add(F.mul(F.div(F.sub(x, mean), F.sqrt(F.add(variance, eps))), scale), bias);
  return out(ctx, y);
}

function instanceNorm(ctx: OpContext): OpResult[] {
  const x = f32(ctx, 0);
  const eps = ctx.float('epsilon', 1e-5);
  const axes = [...x.shape.keys()].slice(2);
  const mean = F.mean(x, axes, true);
  const c = F.sub(x, mean);
  const variance = F.mean(F.mul(c, c), axes, true);
  return out(ctx, F.add(F.mul(F.div(c, F.sqrt(F.add(variance, eps))), channel(f32(ctx, 1), x)), channel(f32(ctx, 2), x)));
}

function dropout(ctx: OpContext): OpResult[] {
  if (ctx.opset >= 12 && ctx.has(2)) {
    const training = ctx.constant(2, 'training_mode');
    if (training.data[0]) throw ctx.unsupported('training_mode=true (dropout is random; Axon imports inference graphs)');
  }
  if (ctx.opset < 7 && ctx.int('is_test', 0) === 0) throw ctx.unsupported('is_test=0');
  const x = ctx.tensor(0);
  const y = tensorValue(F.add(x, x.dtype === 'f32' ? 0 : 0), ctx.onnxType(0));
  if (!ctx.wantsOutput(1)) return [y];
  const mask = x.graph.constant(new Int32Array(x.size).fill(1), x.shape, 'i32');
  return [y, tensorValue(mask, DataType.BOOL)];
}

export const nnOps: Record<string, OpHandler> = {
  MatMul: { opsets: [1, 17], run: (ctx) => out(ctx, onnxMatmul(f32(ctx, 0), f32(ctx, 1))) },
  Gemm: { opsets: [7, 17], run: gemm },
  Conv: { opsets: [1, 17], run: conv },
  ConvTranspose: { opsets: [1, 17], run: convTranspose },
  MaxPool: pool('max'),
  AveragePool: pool('avg'),
  GlobalAveragePool: globalPool((x, a) => F.mean(x, a, true)),
  GlobalMaxPool: globalPool((x, a) => F.max(x, a, true)),
  BatchNormalization: { opsets: [7, 17], run: batchNorm },
  InstanceNormalization: { opsets: [6, 17], run: instanceNorm },
  LpNormalization: {
    opsets: [1, 17],
    run: (ctx) => {
      const x = f32(ctx, 0);
      const axis = ctx.int('axis', -1), p = ctx.int('p', 2);
      if (p !== 1 && p !== 2) throw ctx.unsupported(`p=${p}`);
      const norm = p === 2 ? F.sqrt(F.sum(F.mul(x, x), axis, true)) : F.sum(F.abs(x), axis, true);
      return out(ctx, F.div(x, norm));
    },
  },
  MeanVarianceNormalization: {
    opsets: [9, 17],
    run: (ctx) => {
      const x = f32(ctx, 0);
      const axes = ctx.intList('axes') ?? [0, 2, 3];
      const mean = F.mean(x, axes, true);
      const c = F.sub(x, mean);
      return out(ctx, F.div(c, F.add(F.sqrt(F.mean(F.mul(c, c), axes, true)), 1e-9)));
    },
  },
  Dropout: { opsets: [7, 17], constInputs: [1, 2], run: dropout },
};
