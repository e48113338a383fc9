/**
 * Layers and models. A layer is a function from a tensor to a tensor that creates its params,
 * named "<layer>/<param>" (e.g. "dense1/w"), in the graph of a `ModelContext`. The same model
 * definition builds a training graph (dropout on, batch statistics) and an evaluation graph
 * (dropout off, running statistics) whose params and state share names, so values move between
 * them by name.
 */
import { GraphError, userCallSite } from '../ir/errors.ts';
import type { Graph, Tensor } from '../ir/graph.ts';
import { fmtType, type Shape } from '../ir/types.ts';
import * as F from './math.ts';
import { glorotUniform, heUniform, Rng, zeros, type Initializer } from './init.ts';
import { convOutSize } from '../ops/conv.ts';
import type { Pad4 } from '../ops/attrs.ts';
import { batchNormOp } from './normalization.ts';
import { checkAt, checkConvAttrs, checkLayerSizes } from '../ops/validate.ts';

export { embedding, layerNorm, rmsNorm, attention, attentionParams, transformerBlock, residual } from './nn-transformer.ts';

export class ModelContext {
  readonly rng: Rng;
  readonly training: boolean;
  private readonly counters = new Map<string, number>();
  private seedInput: Tensor | undefined;
  private dropoutCount = 0;
  private readonly options: Readonly<Record<string, number>>;
  /** names of the options the model asked for (so a caller can flag options nobody reads) */
  readonly optionsRead = new Set<string>();

  constructor(readonly graph: Graph, options: { seed?: number; training?: boolean; options?: Record<string, number> } = {}) {
    this.rng = new Rng(options.seed ?? 0);
    this.training = options.training ?? false;
    this.options = { ...options.options };
  }

  /** A model hyperparameter set from outside (e.g. the CLI's --hidden), or `fallback` when unset. */
  option(name: string, fallback: number): number {
    this.optionsRead.add(name);
    const v = this.options[name];
    return v === undefined ? fallback : v;
  }

  /** a fresh layer name: dense1, dense2, conv1, … */
  name(kind: string, given?: string): string {
    if (given) return given;
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    return `${kind}${n}`;
  }

  param(name: string, shape: Shape, init: Initializer): Tensor {
    return this.graph.param(name, shape, init);
  }

  /** The i32 scalar input "seed" that drives in-graph randomness (dropout), created on first use. */
  seed(): Tensor {
    this.seedInput ??= this.graph.input('seed', [], 'i32');
    return this.seedInput;
  }

  /** a distinct random stream per dropout layer, derived from the seed input */
  nextRandomStream(): Tensor {
    return F.add(F.mul(this.seed(), 1000003), ++this.dropoutCount);
  }
}

export type Layer = (x: Tensor, ctx: ModelContext) => Tensor;

export const sequential = (...layers: Layer[]): Layer => (x, ctx) => layers.reduce((h, l) => l(h, ctx), x);

export interface DenseOptions {
  bias?: boolean;
  init?: (rng: Rng) => Initializer;
  name?: string;
}

/** y = x·W + b with W stored as [in, out] */
export function dense(units: number, o: DenseOptions = {}): Layer {
  return (x, ctx) => {
    if (x.rank < 2) throw new GraphError(`dense(${units}): input must be [batch, features], got ${fmtType(x)}`, userCallSite());
    const name = ctx.name('dense', o.name);
    const w = ctx.param(`${name}/w`, [x.shape[x.rank - 1]!, units], (o.init ?? glorotUniform)(ctx.rng));
    const y = F.matmul(x, w);
    return o.bias === false ? y : F.add(y, ctx.param(`${name}/b`, [units], zeros));
  };
}

/** adds a per-channel bias b [C] to an NCHW tensor [N, C, H, W] */
export function channelBias(y: Tensor, b: Tensor): Tensor {
  return F.add(y, F.reshape(b, [1, b.shape[0]!, 1, 1]));
}

export type Padding = 'valid' | 'same' | number | [number, number] | Pad4;

export function padOf(p: Padding, kh: number, kw: number, dh: number, dw: number, stride: [number, number], op: string): Pad4 {
  if (p === 'valid') return [0, 0, 0, 0];
  if (p === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) throw new GraphError(`${op}: padding 'same' needs stride 1 (as in PyTorch)`, userCallSite());
    const th = dh * (kh - 1), tw = dw * (kw - 1);
    // odd totals put the extra row/column at the bottom/right, like PyTorch
    return [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
  }
  if (typeof p === 'number') return [p, p, p, p];
  if (p.length === 2) return [p[0], p[0], p[1], p[1]];
  return p;
}

const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

export interface Conv2dOptions {
  stride?: number | [number, number];
  padding?: Padding;
  dilation?: number | [number, number];
  groups?: number;
  bias?: boolean;
  init?: (rng: Rng) => Initializer;
  name?: string;
}

/** 2-D convolution over [N, C, H, W] with weights [O, C/groups, KH, KW] */
export function conv2d(outChannels: number, kernel: number | [number, number], o: Conv2dOptions = {}): Layer {
  return (x, ctx) => {
    if (x.rank !== 4) throw new GraphError(`conv2d: input must be [N, C, H, W], got ${fmtType(x)}`, userCallSite());
    const [kh, kw] = pair(kernel);
    const stride = pair(o.stride ?? 1), dilation = pair(o.dilation ?? 1), groups = o.groups ?? 1;
    const attrs = { stride, pad: padOf(o.padding ?? 'valid', kh, kw, dilation[0], dilation[1], stride, 'conv2d'), dilation, groups };
    // before the weight is created: its shape depends on the attributes
    checkAt('conv2d', [x], () => { checkLayerSizes(outChannels, [kh, kw]); checkConvAttrs(attrs, { in: x.shape[1]!, out: outChannels }); });
    const name = ctx.name('conv', o.name);
    const w = ctx.param(`${name}/w`, [outChannels, x.shape[1]! / groups, kh, kw], (o.init ?? heUniform)(ctx.rng));
    const y = F.conv2d(x, w, attrs);
    return o.bias === false ? y : channelBias(y, ctx.param(`${name}/b`, [outChannels], zeros));
  };
}

export interface ConvTranspose2dOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  outputPadding?: number | [number, number];
  dilation?: number | [number, number];
  groups?: number;
  bias?: boolean;
  init?: (rng: Rng) => Initializer;
  name?: string;
}

/** Transposed convolution (PyTorch's ConvTranspose2d; weights [C_in, C_out/groups, KH, KW]). */
export function convTranspose2d(outChannels: number, kernel: number | [number, number], o: ConvTranspose2dOptions = {}): Layer {
  return (x, ctx) => {
    const [kh, kw] = pair(kernel);
    const name = ctx.name('convt', o.name);
    const groups = o.groups ?? 1;
    checkAt('convTranspose2d', [x], () => {
      checkLayerSizes(outChannels, [kh, kw]);
      checkConvAttrs({ stride: pair(o.stride ?? 1), pad: [...pair(o.padding ?? 0), ...pair(o.padding ?? 0)] as Pad4, dilation: pair(o.dilation ?? 1), groups }, { in: x.shape[1]!, out: outChannels });
    });
    const w = ctx.param(`${name}/w`, [x.shape[1]!, outChannels / groups, kh, kw], (o.init ?? heUniform)(ctx.rng));
    const y = convTranspose2dOp(x, w, o);
    return o.bias === false ? y : channelBias(y, ctx.param(`${name}/b`, [outChannels], zeros));
  };
}

/** The transposed-convolution op on explicit weights [C_in, C_out/groups, KH, KW]. */
export function convTranspose2dOp(x: Tensor, w: Tensor, o: Omit<ConvTranspose2dOptions, 'bias' | 'init' | 'name'> = {}): Tensor {
  const stride = pair(o.stride ?? 1), pad = pair(o.padding ?? 0), dil = pair(o.dilation ?? 1), op = pair(o.outputPadding ?? 0);
  const groups = o.groups ?? 1;
  const [n, , h, wd] = x.shape as [number, number, number, number];
  const [, og, kh, kw] = w.shape as [number, number, number, number];
  const oh = (h - 1) * stride[0] - 2 * pad[0] + dil[0] * (kh - 1) + op[0] + 1;
  const ow = (wd - 1) * stride[1] - 2 * pad[1] + dil[1] * (kw - 1) + op[1] + 1;
  // the input gradient of a conv mapping [n, og·groups, oh, ow] → x's shape; the output padding
  // rows at the bottom/right are ones the forward conv never reads (output padding < stride)
  if (op[0] >= Math.max(stride[0], dil[0]) || op[1] >= Math.max(stride[1], dil[1])) throw new GraphError(`convTranspose2d: output padding [${op.join(', ')}] must be smaller than the stride or the dilation`, userCallSite());
  const attrs = { stride, pad: [pad[0], pad[0], pad[1], pad[1]] as Pad4, dilation: dil, groups };
  if (convOutSize(oh, kh, stride[0], attrs.pad[0], attrs.pad[1], dil[0]) !== h) throw new GraphError(`convTranspose2d: inconsistent output size ${oh}`, userCallSite());
  return F.conv2dInputGrad(x, w, [n, og * groups, oh, ow], attrs);
}

export interface PoolOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
}

function poolAttrs(kernel: number | [number, number], o: PoolOptions) {
  const k = pair(kernel), p = pair(o.padding ?? 0);
  return { kernel: k, stride: pair(o.stride ?? k), pad: [p[0], p[0], p[1], p[1]] as Pad4 };
}

export const maxPool2d = (kernel: number | [number, number], o: PoolOptions = {}): Layer => (x) => F.maxPool2d(x, poolAttrs(kernel, o));
export const avgPool2d = (kernel: number | [number, number], o: PoolOptions = {}): Layer => (x) => F.avgPool2d(x, poolAttrs(kernel, o));
export const flatten = (): Layer => (x) => F.flatten(x, 1);
export const activation = (f: (x: Tensor) => Tensor): Layer => (x) => f(x);
export const relu = (): Layer => (x) => F.relu(x);
export const sigmoid = (): Layer => (x) => F.sigmoid(x);
export const tanh = (): Layer => (x) => F.tanh(x);

/**
 * Inverted dropout: in training, zeroes each unit with probability p and scales the rest by
 * 1/(1−p), with a mask drawn in-graph from the "seed" input; in evaluation, the identity.
 */
export function dropout(p: number): Layer {
  if (!(p >= 0 && p < 1)) throw new GraphError(`dropout: p must be in [0, 1), got ${p}`, userCallSite());
  return (x, ctx) => {
    if (!ctx.training || p === 0) return x;
    const u = F.random(ctx.nextRandomStream(), x.shape);
    return F.mul(x, F.mul(F.cast(F.greater(u, p), 'f32'), 1 / (1 - p)));
  };
}

export interface BatchNormOptions {
  momentum?: number;
  eps?: number;
  name?: string;
}

/**
 * Batch normalization over the channel axis 1 of [N, C] or [N, C, H, W]. Training: batch
 * statistics, and running statistics updated as PyTorch does (unbiased variance, momentum 0.1).
 * Evaluation: running statistics.
 */
export function batchNorm(o: BatchNormOptions = {}): Layer {
  return (x, ctx) => {
    if (x.rank !== 2 && x.rank !== 4) throw new GraphError(`batchNorm: input must be [N, C] or [N, C, H, W], got ${fmtType(x)}`, userCallSite());
    const c = x.shape[1]!;
    const name = ctx.name('bn', o.name);
    const g = ctx.graph;
    const gamma = ctx.param(`${name}/gamma`, [c], (s) => new Float32Array(s[0]!).fill(1));
    const beta = ctx.param(`${name}/beta`, [c], zeros);
    const runMean = g.stateTensor(`${name}/running_mean`, [c], new Float32Array(c));
    const runVar = g.stateTensor(`${name}/running_var`, [c], new Float32Array(c).fill(1));
    const r = batchNormOp(x, gamma, beta, runMean, runVar, { training: ctx.training, ...(o.momentum !== undefined ? { momentum: o.momentum } : {}), ...(o.eps !== undefined ? { eps: o.eps } : {}) });
    if (r.runningMean && r.runningVar) {
      g.update(runMean, r.runningMean);
      g.update(runVar, r.runningVar);
    }
    return r.y;
  };
}
