/**
 * An independent float64 oracle for graphs: evaluates graph ops directly with plain loops over
 * row-major arrays. It shares nothing with the lowering (no kernel IR, no views, no fusion, no
 * interpreter), so a bug there cannot hide in both. Every primitive has an entry (a missing one
 * is a type error). Semantics: every output and every update reads the old values of params and
 * state; i32 results are truncated like the IR's i32 arithmetic.
 */
import type { Graph, Tensor } from '../../compiler/ir/graph.ts';
import type { OpAttrs, OpName } from '../../compiler/ops/attrs.ts';
import { hashUniform } from '../../compiler/kernel/random.ts';

export interface OracleResult {
  outputs: Record<string, Float64Array>;
  updates: Record<string, Float64Array>;
}

type Arr = Float64Array;
type Impl<K extends OpName> = (ins: Arr[], attrs: OpAttrs[K], node: Tensor) => Arr;

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]!; }
  return s;
}
/** the multi-index of linear position `i` in `shape` */
function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) { idx[d] = i % shape[d]!; i = Math.floor(i / shape[d]!); }
  return idx;
}
const ravel = (idx: readonly number[], strides: readonly number[]) => idx.reduce((a, v, d) => a + v * strides[d]!, 0);

const map1 = (f: (x: number) => number) => ([a]: Arr[], _: unknown, n: Tensor) => a!.map((x) => fix(f(x), n));
const map2 = (f: (x: number, y: number) => number) => ([a, b]: Arr[], _: unknown, n: Tensor) => a!.map((x, i) => fix(f(x, b![i]!), n));
const fix = (v: number, n: Tensor) => (n.dtype === 'i32' ? Math.trunc(v) | 0 : v);

function reduceOver(x: Arr, inShape: readonly number[], axes: readonly number[], init: number, step: (acc: number, v: number, flat: number) => number, outShape: readonly number[]): Arr {
  const out = new Float64Array(size(outShape)).fill(init);
  const outStrides = stridesOf(outShape);
  // flat position inside the reduced block (row-major over the reduced axes), for argmax
  const redShape = axes.map((a) => inShape[a]!);
  const redStrides = stridesOf(redShape);
  for (let i = 0; i < x.length; i++) {
    const idx = unravel(i, inShape);
    const o = ravel(idx.map((v, d) => (axes.includes(d) ? 0 : v)), outStrides);
    const flat = ravel(axes.map((a) => idx[a]!), redStrides);
    out[o] = step(out[o]!, x[i]!, flat);
  }
  return out;
}

/** calls visit(x index, w index, y index) for every in-range tap of the forward convolution */
function conv2dTaps(xs: readonly number[], ws: readonly number[], a: OpAttrs['conv2d'], visit: (xi: number, wi: number, yi: number) => void): void {
  const [N, C, H, W] = xs as [number, number, number, number];
  const [O, Cg, KH, KW] = ws as [number, number, number, number];
  const OH = Math.floor((H + a.pad[0] + a.pad[1] - a.dilation[0] * (KH - 1) - 1) / a.stride[0]) + 1;
  const OW = Math.floor((W + a.pad[2] + a.pad[3] - a.dilation[1] * (KW - 1) - 1) / a.stride[1]) + 1;
  const Og = O / a.groups;
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    const grp = Math.floor(o / Og);
    for (let c2 = 0; c2 < Cg; c2++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      const ih = oh * a.stride[0] - a.pad[0] + kh * a.dilation[0];
      const iw = ow * a.stride[1] - a.pad[2] + kw * a.dilation[1];
      if (ih < 0 || iw < 0 || ih >= H || iw >= W) continue;
      const c = grp * Cg + c2;
      visit(((n * C + c) * H + ih) * W + iw, ((o * Cg + c2) * KH + kh) * KW + kw, ((n * O + o) * OH + oh) * OW + ow);
    }
  }
}

/** calls visit(x index, y index) for every in-range tap of every window, windows in row-major (kh, kw) order */
function poolWindows(xs: readonly number[], a: OpAttrs['maxpool2d'], visit: (xi: number, yi: number) => void): void {
  const [N, C, H, W] = xs as [number, number, number, number];
  const [KH, KW] = a.kernel;
  const OH = Math.floor((H + a.pad[0] + a.pad[1] - KH) / a.stride[0]) + 1;
  const OW = Math.floor((W + a.pad[2] + a.pad[3] - KW) / a.stride[1]) + 1;
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      const ih = oh * a.stride[0] - a.pad[0] + kh, iw = ow * a.stride[1] - a.pad[2] + kw;
      if (ih < 0 || iw < 0 || ih >= H || iw >= W) continue;
      visit(((n * C + c) * H + ih) * W + iw, ((n * C + c) * OH + oh) * OW + ow);
    }
  }
}

/** index of the first maximum of each pooling window (−1 for an empty window) */
function windowArgmax(x: Arr, xs: readonly number[], a: OpAttrs['maxpool2d'], outSize: number): Int32Array {
  const best = new Float64Array(outSize).fill(-Infinity);
  const arg = new Int32Array(outSize).fill(-1);
  poolWindows(xs, a, (xi, yi) => { if (x[xi]! > best[yi]!) { best[yi] = x[xi]!; arg[yi] = xi; } });
  return arg;
}


/** erf in float64 by the everywhere-convergent series e^{−x²}·Σ 2ⁿx^{2n+1}/(1·3·…·(2n+1)) (all terms positive: no cancellation) */
function erf64(x: number): number {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? NaN : Math.sign(x);
  const ax = Math.abs(x);
  if (ax > 6) return Math.sign(x);
  let term = ax, sum = ax;
  for (let n = 1; n < 500 && term > sum * 1e-17; n++) { term *= (2 * ax * ax) / (2 * n + 1); sum += term; }
  return Math.sign(x) * Math.min(1, (2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * sum);
}
/** half to even, like torch.round */
function roundHalfEven(x: number): number {
  const r = Math.floor(x), d = x - r;
  return d > 0.5 ? r + 1 : d < 0.5 ? r : r % 2 === 0 ? r : r + 1;
}
const clampIndex = (i: number, n: number) => Math.min(Math.max(Math.trunc(i), 0), n - 1);

const impls: { [K in OpName]: Impl<K> } = {
  neg: map1((x) => -x),
  exp: map1(Math.exp),
  log: map1(Math.log),
  sqrt: map1(Math.sqrt),
  recip: map1((x) => 1 / x),
  abs: map1(Math.abs),
  sign: map1(Math.sign),
  tanh: map1(Math.tanh),
  sigmoid: map1((x) => 1 / (1 + Math.exp(-x))),
  relu: map1((x) => Math.max(x, 0)),
  step: map1((x) => (x > 0 ? 1 : 0)),
  erf: map1(erf64),
  sin: map1(Math.sin),
  cos: map1(Math.cos),
  floor: map1(Math.floor),
  ceil: map1(Math.ceil),
  round: map1(roundHalfEven),
  cast: ([a], at) => a!.map((x) => (at.dtype === 'i32' ? Math.trunc(x) | 0 : x)),
  stop_gradient: ([a]) => a!.slice(),
  add: map2((x, y) => x + y),
  sub: map2((x, y) => x - y),
  mul: map2((x, y) => x * y),
  div: map2((x, y) => x / y),
  maximum: map2(Math.max),
  minimum: map2(Math.min),
  pow: map2(Math.pow),
  less: map2((x, y) => +(x < y)),
  greater: map2((x, y) => +(x > y)),
  equal: map2((x, y) => +(x === y)),
  less_equal: map2((x, y) => +(x <= y)),
  greater_equal: map2((x, y) => +(x >= y)),
  not_equal: map2((x, y) => +(x !== y)),
  // floored remainder (torch.remainder); an i32 remainder by 0 is 0, as in the IR
  mod: ([a, b]: Arr[], _: unknown, n: Tensor) => a!.map((x, i) => {
    const y = b![i]!;
    if (n.dtype === 'i32') return y === 0 ? 0 : fix(x - y * Math.floor(x / y), n);
    return x - y * Math.floor(x / y);
  }),
  where: ([c, a, b]) => c!.map((v, i) => (v !== 0 ? a![i]! : b![i]!)),
  random_uniform: ([seed], at) => Float64Array.from({ length: size(at.shape) }, (_, i) => hashUniform(seed![0]! | 0, i)),
  iota: (_, at) => Float64Array.from({ length: size(at.shape) }, (_, i) => unravel(i, at.shape)[at.axis]!),
  sum: ([x], at, n) => reduceOver(x!, n.inputs[0]!.shape, norm(at.axes, n), 0, (acc, v) => acc + v, n.shape),
  max: ([x], at, n) => reduceOver(x!, n.inputs[0]!.shape, norm(at.axes, n), -Infinity, (acc, v) => (v > acc || Number.isNaN(v) ? v : acc), n.shape),
  argmax: ([x], at, n) => {
    const best = reduceOver(x!, n.inputs[0]!.shape, norm([at.axis], n), -Infinity, (acc, v) => Math.max(acc, v), n.shape);
    const arg = new Float64Array(best.length).fill(-1);
    const inShape = n.inputs[0]!.shape, ax = norm([at.axis], n)[0]!, os = stridesOf(n.shape);
    for (let i = 0; i < x!.length; i++) {
      const idx = unravel(i, inShape);
      const o = ravel(idx.map((v, d) => (d === ax ? 0 : v)), os);
      if (arg[o] === -1 && x![i] === best[o]) arg[o] = idx[ax]!;
    }
    return arg;
  },
  min: ([x], at, n) => reduceOver(x!, n.inputs[0]!.shape, norm(at.axes, n), Infinity, (acc, v) => (v < acc || Number.isNaN(v) ? v : acc), n.shape),
  pad: ([x], at, n) => {
    const inShape = n.inputs[0]!.shape, is = stridesOf(inShape);
    return Float64Array.from({ length: size(n.shape) }, (_, i) => {
      const src = unravel(i, n.shape).map((v, d) => v - at.before[d]!);
      return src.every((v, d) => v >= 0 && v < inShape[d]!) ? x![ravel(src, is)]! : at.value;
    });
  },
  slice: ([x], at, n) => {
    const is = stridesOf(n.inputs[0]!.shape);
    return Float64Array.from({ length: size(n.shape) }, (_, i) => x![ravel(unravel(i, n.shape).map((v, d) => at.start[d]! + v * at.step[d]!), is)]!);
  },
  concat: (ins, at, n) => {
    const ax = norm([at.axis], n)[0]!;
    const out = new Float64Array(size(n.shape));
    const os = stridesOf(n.shape);
    let base = 0;
    ins.forEach((x, k) => {
      const shape = n.inputs[k]!.shape;
      for (let i = 0; i < x.length; i++) {
        const idx = unravel(i, shape);
        idx[ax] = idx[ax]! + base;
        out[ravel(idx, os)] = x[i]!;
      }
      base += shape[ax]!;
    });
    return out;
  },
  gather: ([x, idx], at, n) => {
    const xs = n.inputs[0]!.shape, is = n.inputs[1]!.shape, ax = at.axis < 0 ? at.axis + xs.length : at.axis;
    const xst = stridesOf(xs), ist = stridesOf(is);
    return Float64Array.from({ length: size(n.shape) }, (_, i) => {
      const o = unravel(i, n.shape);
      const j = ravel(o.slice(ax, ax + is.length), ist);
      const src = [...o.slice(0, ax), clampIndex(idx![j]!, xs[ax]!), ...o.slice(ax + is.length)];
      return x![ravel(src, xst)]!;
    });
  },
  scatter_add: ([u, idx], at, n) => {
    const us = n.inputs[0]!.shape, ax = norm([at.axis], n)[0]!, os = stridesOf(n.shape);
    const out = new Float64Array(size(n.shape));
    for (let i = 0; i < u!.length; i++) {
      const o = unravel(i, us);
      o[ax] = clampIndex(idx![o[ax]!]!, at.size);
      out[ravel(o, os)] += u![i]!;
    }
    return out;
  },
  reshape: ([x]) => x!.slice(),
  transpose: ([x], at, n) => {
    const inShape = n.inputs[0]!.shape, is = stridesOf(inShape);
    return Float64Array.from({ length: x!.length }, (_, i) => {
      const oi = unravel(i, n.shape);
      const ii = new Array<number>(inShape.length);
      at.perm.forEach((p, d) => { ii[p] = oi[d]!; });
      return x![ravel(ii, is)]!;
    });
  },
  broadcast: ([x], _, n) => {
    const inShape = n.inputs[0]!.shape, is = stridesOf(inShape);
    return Float64Array.from({ length: size(n.shape) }, (_, i) => x![ravel(unravel(i, n.shape).map((v, d) => (inShape[d] === 1 ? 0 : v)), is)]!);
  },
  matmul: ([a, b], _, n) => {
    const [sa, sb] = [n.inputs[0]!.shape, n.inputs[1]!.shape];
    const r = sa.length, B = r === 3 ? sa[0]! : 1, M = sa[r - 2]!, K = sa[r - 1]!, N = sb[r - 1]!;
    const out = new Float64Array(B * M * N);
    for (let q = 0; q < B; q++) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a![(q * M + i) * K + k]! * b![(q * K + k) * N + j]!;
      out[(q * M + i) * N + j] = s;
    }
    return out;
  },
  conv2d: ([x, w], at, n) => {
    const y = new Float64Array(size(n.shape));
    conv2dTaps(n.inputs[0]!.shape, n.inputs[1]!.shape, at, (xi, wi, yi) => { y[yi]! += x![xi]! * w![wi]!; });
    return y;
  },
  // the adjoints scatter along the forward taps (the interpreter gathers: a different loop)
  conv2d_input_grad: ([dy, w], at, n) => {
    const dx = new Float64Array(size(at.inputShape));
    conv2dTaps(at.inputShape, n.inputs[1]!.shape, at, (xi, wi, yi) => { dx[xi]! += dy![yi]! * w![wi]!; });
    return dx;
  },
  conv2d_weight_grad: ([dy, x], at, n) => {
    const dw = new Float64Array(size(at.weightShape));
    conv2dTaps(n.inputs[1]!.shape, at.weightShape, at, (xi, wi, yi) => { dw[wi]! += dy![yi]! * x![xi]!; });
    return dw;
  },
  maxpool2d: ([x], at, n) => {
    const arg = windowArgmax(x!, n.inputs[0]!.shape, at, size(n.shape));
    return Float64Array.from(arg, (i) => (i < 0 ? -Infinity : x![i]!));
  },
  maxpool2d_grad: ([x, dy], at, n) => {
    const arg = windowArgmax(x!, n.inputs[0]!.shape, at, size(n.inputs[1]!.shape));
    const dx = new Float64Array(size(n.shape));
    arg.forEach((xi, yi) => { if (xi >= 0) dx[xi]! += dy![yi]!; });
    return dx;
  },
  avgpool2d: ([x], at, n) => {
    const y = new Float64Array(size(n.shape));
    poolWindows(n.inputs[0]!.shape, at, (xi, yi) => { y[yi]! += x![xi]! / (at.kernel[0] * at.kernel[1]); });
    return y;
  },
  avgpool2d_grad: ([dy], at) => {
    const dx = new Float64Array(size(at.inputShape));
    poolWindows(at.inputShape, at, (xi, yi) => { dx[xi]! += dy![yi]! / (at.kernel[0] * at.kernel[1]); });
    return dx;
  },
};

function norm(axes: readonly number[], n: Tensor): number[] {
  const r = n.inputs[0]!.shape.length;
  return axes.map((a) => (a < 0 ? a + r : a));
}

/** Evaluates every output and update of `graph` from `feeds` and the leaves' values (or `values`). */
export function oracle(graph: Graph, feeds: Record<string, ArrayLike<number>>, values: Record<string, ArrayLike<number>> = {}): OracleResult {
  const val = new Map<Tensor, Arr>();
  for (const n of graph.nodes) {
    switch (n.op) {
      case 'input': val.set(n, Float64Array.from(feeds[n.name!] ?? [])); break;
      case 'param': case 'state': case 'const': val.set(n, Float64Array.from(values[n.name ?? ''] ?? n.value!)); break;
      default: {
        const op = n.op as OpName;
        const out = (impls[op] as Impl<OpName>)(n.inputs.map((i) => val.get(i)!), n.attrs as never, n);
        if (out.length !== size(n.shape)) throw new Error(`oracle: ${op} produced ${out.length} values for shape [${n.shape.join(', ')}]`);
        val.set(n, out);
      }
    }
  }
  const outputs: Record<string, Float64Array> = {};
  for (const [name, t] of graph.outputs) outputs[name] = val.get(t)!;
  const updates: Record<string, Float64Array> = {};
  for (const [target, t] of graph.updates) updates[target.name!] = val.get(t)!;
  return { outputs, updates };
}
