/**
 * Composite ops of modern networks (normalizations, GELU, attention, resampling, conv1d, …),
 * built only from primitives: they have no shape, VJP or lowering rules of their own, so
 * autodiff and every backend get them for free. Layers that own params for them are in nn.ts.
 */
import { GraphError, userCallSite } from '../ir/errors.ts';
import type { Tensor } from '../ir/graph.ts';
import { fmtShape, fmtType, normAxis } from '../ir/types.ts';
import * as F from './math.ts';
import { softmax } from './activations.ts';

const fail = (msg: string): never => { throw new GraphError(msg, userCallSite()); };

/** min(max(x, lo), hi) (PyTorch's clamp; the gradient passes where lo ≤ x ≤ hi) */
export function clamp(x: Tensor, lo: number, hi: number): Tensor {
  if (!(lo <= hi)) fail(`clamp: lower bound ${lo} is above the upper bound ${hi}`);
  return F.minimum(F.maximum(x, lo), hi);
}

/** Removes size-1 axes (all of them, or the given ones, which must have size 1). */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  const ax = axes === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : (typeof axes === 'number' ? [axes] : [...axes]).map((a) => normAxis(a, x.rank, 'squeeze'));
  for (const a of ax) if (x.shape[a] !== 1) fail(`squeeze: axis ${a} of ${fmtType(x)} has size ${x.shape[a]}, not 1`);
  return F.reshape(x, x.shape.filter((_, i) => !ax.includes(i)));
}

/** Inserts a size-1 axis at `axis` (of the result: −1 appends). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normAxis(axis, x.rank + 1, 'unsqueeze');
  return F.reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/**
 * Layer normalization over the last `normalizedRank` axes (PyTorch's layer_norm with
 * normalized_shape = those axes): (x − μ)/√(σ² + ε)·γ + β with the biased variance. γ and β
 * (optional) have the normalized axes' shape.
 */
export function layerNorm(x: Tensor, gamma?: Tensor, beta?: Tensor, o: { eps?: number; normalizedRank?: number } = {}): Tensor {
  const r = o.normalizedRank ?? 1;
  if (r < 1 || r > x.rank) fail(`layerNorm: cannot normalize the last ${r} axes of ${fmtType(x)}`);
  const axes = [...Array(r).keys()].map((i) => x.rank - r + i);
  const tail = x.shape.slice(x.rank - r);
  for (const [name, t] of [['gamma', gamma], ['beta', beta]] as const) {
    if (t && t.shape.join() !== tail.join()) fail(`layerNorm: ${name} ${fmtType(t)} must have the normalized shape ${fmtShape(tail)} of ${fmtType(x)}`);
  }
  const centered = F.sub(x, F.mean(x, axes, true));
  const variance = F.mean(F.square(centered), axes, true);
  const y = F.mul(centered, F.recip(F.sqrt(F.add(variance, o.eps ?? 1e-5))));
  const scaled = gamma ? F.mul(y, gamma) : y;
  return beta ? F.add(scaled, beta) : scaled;
}

/** RMS normalization over the last axis: x/√(mean x² + ε)·γ (Zhang & Sennrich 2019, as in LLaMA). */
export function rmsNorm(x: Tensor, gamma?: Tensor, o: { eps?: number } = {}): Tensor {
  const c = x.shape[x.rank - 1]!;
  if (gamma && gamma.shape.join() !== String(c)) fail(`rmsNorm: gamma ${fmtType(gamma)} must be [${c}] for ${fmtType(x)}`);
  const y = F.mul(x, F.recip(F.sqrt(F.add(F.mean(F.square(x), -1, true), o.eps ?? 1e-6))));
  return gamma ? F.mul(y, gamma) : y;
}

/** GELU, tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (PyTorch's approximate='tanh'). */
export function geluTanh(x: Tensor): Tensor {
  const inner = F.mul(F.add(x, F.mul(F.mul(F.square(x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return F.mul(F.mul(x, 0.5), F.add(F.tanh(inner), 1));
}

/** Global average pooling of [N, C, H, W] to [N, C] (or [N, C, 1, 1] with keepDims, like adaptive_avg_pool2d(1)). */
export function globalAvgPool2d(x: Tensor, keepDims = false): Tensor {
  if (x.rank !== 4) fail(`globalAvgPool2d: input must be [N, C, H, W], got ${fmtType(x)}`);
  return F.mean(x, [2, 3], keepDims);
}

/** One-hot f32 [...indices.shape, classes] from i32 indices (an index outside [0, classes) gives a zero row). */
export function oneHot(indices: Tensor, classes: number): Tensor {
  if (indices.dtype !== 'i32') fail(`oneHot: indices must be i32, got ${fmtType(indices)}`);
  if (!Number.isInteger(classes) || classes < 1) fail(`oneHot: classes must be a positive integer, got ${classes}`);
  const ids = F.iota(indices.graph, [...indices.shape, classes], indices.rank);
  return F.cast(F.equal(ids, unsqueeze(indices, -1)), 'f32');
}

/** Nearest-neighbour upsampling of [N, C, H, W] by integer factors (F.interpolate mode='nearest'). */
export function upsampleNearest2d(x: Tensor, scale: number | [number, number]): Tensor {
  const [sh, sw] = typeof scale === 'number' ? [scale, scale] : scale;
  if (x.rank !== 4) fail(`upsampleNearest2d: input must be [N, C, H, W], got ${fmtType(x)}`);
  if (!Number.isInteger(sh) || !Number.isInteger(sw) || sh < 1 || sw < 1) fail(`upsampleNearest2d: scale factors must be positive integers, got [${sh}, ${sw}]`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const spread = F.broadcastTo(F.reshape(x, [n, c, h, 1, w, 1]), [n, c, h, sh, w, sw]);
  return F.reshape(spread, [n, c, h * sh, w * sw]);
}

/**
 * The [outSize, inSize] matrix of 1-D linear interpolation (PyTorch's bilinear sampling along
 * one axis): with align_corners the corners map to corners; without, pixel centres map, and
 * sources left of the first centre clamp to it.
 */
function linearInterpolationMatrix(inSize: number, outSize: number, alignCorners: boolean): Float32Array {
  const m = new Float32Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    let src = alignCorners
      ? (outSize > 1 ? (o * (inSize - 1)) / (outSize - 1) : 0)
      : Math.max(0, ((o + 0.5) * inSize) / outSize - 0.5);
    src = Math.min(src, inSize - 1);
    const i0 = Math.floor(src), i1 = Math.min(i0 + 1, inSize - 1), t = src - i0;
    m[o * inSize + i0]! += 1 - t;
    m[o * inSize + i1]! += t;
  }
  return m;
}

/**
 * Bilinear upsampling of [N, C, H, W] to [N, C, outH, outW] (F.interpolate mode='bilinear',
 * sizes given). Separable: one matmul with a constant interpolation matrix per axis.
 */
export function upsampleBilinear2d(x: Tensor, size: [number, number], o: { alignCorners?: boolean } = {}): Tensor {
  if (x.rank !== 4) fail(`upsampleBilinear2d: input must be [N, C, H, W], got ${fmtType(x)}`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [oh, ow] = size;
  if (!Number.isInteger(oh) || !Number.isInteger(ow) || oh < 1 || ow < 1) fail(`upsampleBilinear2d: output size must be positive integers, got [${oh}, ${ow}]`);
  const ac = o.alignCorners ?? false;
  const g = x.graph;
  const aw = g.constant(linearInterpolationMatrix(w, ow, ac), [ow, w]);
  const ah = g.constant(linearInterpolationMatrix(h, oh, ac), [oh, h]);
  const alongW = F.matmul(x, F.transpose(aw)); // [n, c, h, ow]
  const alongH = F.matmul(F.transpose(alongW, [0, 1, 3, 2]), F.transpose(ah)); // [n, c, ow, oh]
  return F.transpose(alongH, [0, 1, 3, 2]);
}

/** 1-D convolution of [N, C, L] with weights [O, C/groups, K] (F.conv1d), as a conv2d of height 1. */
export function conv1d(x: Tensor, w: Tensor, o: { stride?: number; padding?: number | [number, number]; dilation?: number; groups?: number } = {}): Tensor {
  if (x.rank !== 3 || w.rank !== 3) fail(`conv1d: expects x [N, C, L] and w [O, C/groups, K], got ${fmtType(x)} and ${fmtType(w)}`);
  const [n, c, l] = x.shape as [number, number, number];
  const [oc, cg, k] = w.shape as [number, number, number];
  const p = typeof o.padding === 'number' ? [o.padding, o.padding] : o.padding ?? [0, 0];
  const y = F.conv2d(F.reshape(x, [n, c, 1, l]), F.reshape(w, [oc, cg, 1, k]), {
    stride: [1, o.stride ?? 1], pad: [0, 0, p[0]!, p[1]!], dilation: [1, o.dilation ?? 1], groups: o.groups ?? 1,
  });
  return F.reshape(y, [n, oc, y.shape[3]!]);
}

/** Moves `axis` to the end (a transpose view), and the inverse permutation. */
function axisLast(x: Tensor, axis: number): { t: Tensor; back: (y: Tensor) => Tensor } {
  const a = normAxis(axis, x.rank, 'cumsum');
  const perm = [...x.shape.keys()].filter((i) => i !== a).concat(a);
  const inv = perm.map((_, i) => perm.indexOf(i));
  return { t: F.transpose(x, perm), back: (y) => F.transpose(y, inv) };
}

/**
 * Inclusive cumulative sum along `axis` (torch.cumsum): a matmul with the upper-triangular
 * ones matrix U[i, j] = (i ≤ j), built from iota comparisons. O(n²) per row, which is what a
 * GPU scan of short axes costs anyway; its gradient is the reversed cumulative sum (Uᵀ).
 */
export function cumsum(x: Tensor, axis: number): Tensor {
  const { t, back } = axisLast(x, axis);
  const n = x.shape[normAxis(axis, x.rank, 'cumsum')]!;
  const g = x.graph;
  const upper = F.cast(F.sub(1, F.greater(F.iota(g, [n, n], 0), F.iota(g, [n, n], 1))), x.dtype);
  return back(F.matmul(t, upper));
}

/** Lower-triangular causal mask [t, t] (i32: 1 where key j ≤ query i). */
export function causalMask(g: Tensor['graph'], t: number): Tensor {
  return F.sub(1, F.greater(F.iota(g, [t, t], 1), F.iota(g, [t, t], 0)));
}

/**
 * Scaled dot-product attention softmax(q·kᵀ/√d + mask)·v on [..., T, D] operands (any leading
 * dims, e.g. [B, H, T, D]). With `causal`, query i sees keys j ≤ i. Masked scores are set to
 * −1e9 rather than −∞: exp underflows to exactly 0 either way, and every backend can hold the
 * constant.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, o: { causal?: boolean } = {}): Tensor {
  if (q.rank < 2 || q.shape.join() !== k.shape.join() || v.shape.slice(0, -1).join() !== k.shape.slice(0, -1).join()) {
    fail(`attention: q, k must have equal shapes [..., T, D] and v [..., T, Dv]; got ${fmtType(q)}, ${fmtType(k)}, ${fmtType(v)}`);
  }
  const t = q.shape[q.rank - 2]!, d = q.shape[q.rank - 1]!, dv = v.shape[v.rank - 1]!;
  const lead = q.shape.slice(0, -2);
  const flat = (x: Tensor, last: number) => F.reshape(x, [-1, t, last]);
  const q3 = flat(q, d), k3 = flat(k, d), v3 = flat(v, dv);
  let scores = F.mul(F.matmul(q3, F.transpose(k3, [0, 2, 1])), 1 / Math.sqrt(d)); // [b, t, t]
  if (o.causal) scores = F.where(F.broadcastTo(F.reshape(causalMask(q.graph, t), [1, t, t]), scores.shape), scores, -1e9);
  return F.reshape(F.matmul(softmax(scores, -1), v3), [...lead, t, dv]);
}

export interface MultiHeadWeights {
  /** [C, C] each (x·W layout, like dense) */
  wq: Tensor; wk: Tensor; wv: Tensor; wo: Tensor;
  bq?: Tensor; bk?: Tensor; bv?: Tensor; bo?: Tensor;
}

/**
 * Multi-head self-attention on x [B, T, C] with `heads` heads of C/heads each: project to
 * q, k, v, split the heads ([B, H, T, D] views), attend, merge the heads and project out.
 */
export function multiHeadSelfAttention(x: Tensor, w: MultiHeadWeights, heads: number, o: { causal?: boolean } = {}): Tensor {
  if (x.rank !== 3) fail(`multiHeadSelfAttention: input must be [B, T, C], got ${fmtType(x)}`);
  const [b, t, c] = x.shape as [number, number, number];
  if (!Number.isInteger(heads) || heads < 1 || c % heads !== 0) fail(`multiHeadSelfAttention: width ${c} is not divisible by ${heads} heads`);
  const d = c / heads;
  const proj = (wt: Tensor, bias?: Tensor) => (bias ? F.add(F.matmul(x, wt), bias) : F.matmul(x, wt));
  const splitHeads = (y: Tensor) => F.transpose(F.reshape(y, [b, t, heads, d]), [0, 2, 1, 3]);
  const att = scaledDotProductAttention(splitHeads(proj(w.wq, w.bq)), splitHeads(proj(w.wk, w.bk)), splitHeads(proj(w.wv, w.bv)), o);
  const merged = F.reshape(F.transpose(att, [0, 2, 1, 3]), [b, t, c]);
  const y = F.matmul(merged, w.wo);
  return w.bo ? F.add(y, w.bo) : y;
}

/**
 * Embedding lookup: rows of `table` [V, D] for i32 `ids` of any shape → [...ids.shape, D], a
 * gather (its gradient is one deterministic scatter-add that sums repeated ids). Ids outside
 * [0, V) are clamped at run time (a constant id out of range is a build-time error).
 */
export function embedding(ids: Tensor, table: Tensor): Tensor {
  if (table.rank !== 2) fail(`embedding: table must be [vocab, dim], got ${fmtType(table)}`);
  if (ids.dtype !== 'i32') fail(`embedding: ids must be i32, got ${fmtType(ids)}`);
  return F.gather(table, ids, 0);
}

/** GELU, exact form: ½x(1 + erf(x/√2)) (PyTorch's default F.gelu). */
export function gelu(x: Tensor): Tensor {
  return F.mul(F.mul(x, 0.5), F.add(F.erf(F.mul(x, Math.SQRT1_2)), 1));
}

/** Splits `x` along `axis` into pieces of the given sizes (torch.split with a list), as slice views. */
export function split(x: Tensor, sizes: readonly number[], axis = 0): Tensor[] {
  const a = normAxis(axis, x.rank, 'split');
  const total = sizes.reduce((s, n) => s + n, 0);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1) || total !== x.shape[a]) fail(`split: sizes [${sizes.join(', ')}] must be positive integers summing to axis ${a} of ${fmtType(x)} (${x.shape[a]})`);
  let at = 0;
  return sizes.map((n) => {
    const range = x.shape.map((_, d) => (d === a ? [at, at + n] as const : null));
    at += n;
    return F.slice(x, range);
  });
}

/** Stacks equally shaped tensors along a new axis (torch.stack): unsqueeze each, then concat. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (!xs.length) fail('stack: needs at least one tensor');
  const shape = xs[0]!.shape.join();
  const odd = xs.find((t) => t.shape.join() !== shape);
  if (odd) fail(`stack: all tensors need the same shape; ${fmtType(xs[0]!)} vs ${fmtType(odd)}`);
  return F.concat(xs.map((t) => unsqueeze(t, axis)), normAxis(axis, xs[0]!.rank + 1, 'stack'));
}
