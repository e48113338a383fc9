/**
 * Executable semantics of the kernel IR: runs a Program over a plain arena (Float64Array views
 * per buffer, so no f32 rounding). Backends are tested against it, and the optimizer's passes
 * are tested with it before any backend is involved.
 */
import type { BinaryAlu, ConvKernel, Expr, Kernel, PoolKernel, Program, ScatterAddKernel, Store, UnaryAlu, View } from './ir.ts';
import { hashUniform } from './random.ts';
import { erf64, floorMod, roundHalfEven } from './erf.ts';
import { inBounds } from './views.ts';
import { assertNever } from '../util/never.ts';

/** buffer id → values (float64, so the interpreter adds no rounding of its own). */
export type KernelMemory = Map<number, Float64Array>;

export function allocateMemory(program: Program): KernelMemory {
  const mem: KernelMemory = new Map();
  for (const b of program.buffers) {
    const arr = new Float64Array(b.size);
    if (b.init) arr.set(b.init);
    mem.set(b.id, arr);
  }
  return mem;
}

export const unaryAlu: { [F in UnaryAlu]: (x: number) => number } = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  recip: (x) => 1 / x,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  erf: erf64,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  relu: (x) => (x > 0 ? x : 0),
  step: (x) => (x > 0 ? 1 : 0),
  to_f32: (x) => x,
  to_i32: (x) => Math.trunc(x) | 0,
};

export const binaryAlu: { [F in BinaryAlu]: (a: number, b: number) => number } = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  max: Math.max,
  min: Math.min,
  pow: Math.pow,
  mod: floorMod,
  lt: (a, b) => +(a < b),
  le: (a, b) => +(a <= b),
  gt: (a, b) => +(a > b),
  ge: (a, b) => +(a >= b),
  eq: (a, b) => +(a === b),
  ne: (a, b) => +(a !== b),
};

function at(view: View, idx: readonly number[]): number {
  let o = view.offset;
  for (let d = 0; d < view.strides.length; d++) o += idx[d]! * view.strides[d]!;
  return o;
}

function linear(idx: readonly number[], shape: readonly number[]): number {
  let l = 0;
  for (let d = 0; d < shape.length; d++) l = l * shape[d]! + idx[d]!;
  return l;
}

function evalExpr(e: Expr, mem: KernelMemory, idx: readonly number[], space: readonly number[], acc: number): number {
  switch (e.op) {
    case 'load': return inBounds(e.view, idx) ? mem.get(e.view.buffer)![at(e.view, idx)]! : (e.view.fill ?? 0);
    case 'gather': {
      if (!inBounds(e.view, idx)) return e.view.fill ?? 0;
      const j = Math.min(Math.max(evalExpr(e.index, mem, idx, space, acc) | 0, 0), e.extent - 1);
      return mem.get(e.view.buffer)![at(e.view, idx) + j * e.stride]!;
    }
    case 'const': return e.value;
    case 'unary': {
      const v = unaryAlu[e.fn](evalExpr(e.a, mem, idx, space, acc));
      return e.dtype === 'i32' ? Math.trunc(v) | 0 : v;
    }
    case 'binary': {
      const a = evalExpr(e.a, mem, idx, space, acc), b = evalExpr(e.b, mem, idx, space, acc);
      // integer x mod 0 is 0 (floorMod gives NaN, which `| 0` also turns into 0)
      const v = binaryAlu[e.fn](a, b);
      return e.dtype === 'i32' ? (e.fn === 'div' ? Math.trunc(v) : v) | 0 : v;
    }
    case 'select': return evalExpr(e.cond, mem, idx, space, acc) !== 0 ? evalExpr(e.a, mem, idx, space, acc) : evalExpr(e.b, mem, idx, space, acc);
    case 'index': return idx[e.axis]!;
    case 'random': return hashUniform(evalExpr(e.seed, mem, idx, space, acc) | 0, linear(idx, space));
    case 'acc': return acc;
    default: return assertNever(e, 'Expr node');
  }
}

function forEachIndex(shape: readonly number[], fn: (idx: number[]) => void): void {
  const n = shape.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    fn(idx);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
}

function store(stores: Store[], mem: KernelMemory, idx: number[], space: readonly number[], acc: number): void {
  // Evaluate every store before writing any, so an in-place store never feeds a sibling.
  const vals = stores.map((s) => evalExpr(s.expr, mem, idx, space, acc));
  stores.forEach((s, i) => { mem.get(s.view.buffer)![at(s.view, idx)] = vals[i]!; });
}

function convAcc(k: ConvKernel, mem: KernelMemory, idx: number[]): number {
  const g = k.geometry;
  const inp = mem.get(k.input.buffer)!;
  const oth = mem.get(k.other.buffer)!;
  const cPerG = g.inChannels / g.groups;
  const oPerG = g.outChannels / g.groups;
  let s = 0;
  if (k.mode === 'forward') {
    const [n, o, oh, ow] = idx as [number, number, number, number];
    const grp = Math.floor(o / oPerG);
    for (let c2 = 0; c2 < cPerG; c2++) for (let kh = 0; kh < g.kernelHeight; kh++) for (let kw = 0; kw < g.kernelWidth; kw++) {
      const ih = oh * g.strideH - g.padTop + kh * g.dilationH;
      const iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
      if (ih < 0 || iw < 0 || ih >= g.inHeight || iw >= g.inWidth) continue;
      s += inp[at(k.input, [n, grp * cPerG + c2, ih, iw])]! * oth[at(k.other, [o, c2, kh, kw])]!;
    }
  } else if (k.mode === 'input_grad') {
    const [n, c, ih, iw] = idx as [number, number, number, number];
    const grp = Math.floor(c / cPerG);
    const c2 = c - grp * cPerG;
    for (let o2 = 0; o2 < oPerG; o2++) for (let kh = 0; kh < g.kernelHeight; kh++) for (let kw = 0; kw < g.kernelWidth; kw++) {
      const th = ih + g.padTop - kh * g.dilationH;
      const tw = iw + g.padLeft - kw * g.dilationW;
      if (th < 0 || tw < 0 || th % g.strideH || tw % g.strideW) continue;
      const oh = th / g.strideH, ow = tw / g.strideW;
      if (oh >= g.outHeight || ow >= g.outWidth) continue;
      const o = grp * oPerG + o2;
      s += inp[at(k.input, [n, o, oh, ow])]! * oth[at(k.other, [o, c2, kh, kw])]!;
    }
  } else {
    const [o, c2, kh, kw] = idx as [number, number, number, number];
    const grp = Math.floor(o / oPerG);
    for (let n = 0; n < g.batch; n++) for (let oh = 0; oh < g.outHeight; oh++) for (let ow = 0; ow < g.outWidth; ow++) {
      const ih = oh * g.strideH - g.padTop + kh * g.dilationH;
      const iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
      if (ih < 0 || iw < 0 || ih >= g.inHeight || iw >= g.inWidth) continue;
      // weight_grad: `other` is dy over [n,o,oh,ow], `input` is x over [n,c,h,w]
      s += oth[at(k.other, [n, o, oh, ow])]! * inp[at(k.input, [n, grp * cPerG + c2, ih, iw])]!;
    }
  }
  return s;
}

function poolAcc(k: PoolKernel, mem: KernelMemory, idx: number[]): number {
  const g = k.geometry;
  const x = mem.get(k.input.buffer)!;
  if (k.mode === 'max' || k.mode === 'avg') {
    const [n, c, oh, ow] = idx as [number, number, number, number];
    let m = -Infinity, s = 0;
    for (let kh = 0; kh < g.kernelHeight; kh++) for (let kw = 0; kw < g.kernelWidth; kw++) {
      const ih = oh * g.strideH - g.padTop + kh, iw = ow * g.strideW - g.padLeft + kw;
      if (ih < 0 || iw < 0 || ih >= g.inHeight || iw >= g.inWidth) continue;
      const v = x[at(k.input, [n, c, ih, iw])]!;
      if (v > m) m = v;
      s += v;
    }
    return k.mode === 'max' ? m : s / (g.kernelHeight * g.kernelWidth);
  }
  const dy = mem.get(k.grad!.buffer)!;
  const [n, c, ih, iw] = idx as [number, number, number, number];
  let s = 0;
  for (let kh = 0; kh < g.kernelHeight; kh++) for (let kw = 0; kw < g.kernelWidth; kw++) {
    const th = ih + g.padTop - kh, tw = iw + g.padLeft - kw;
    if (th < 0 || tw < 0 || th % g.strideH || tw % g.strideW) continue;
    const oh = th / g.strideH, ow = tw / g.strideW;
    if (oh >= g.outHeight || ow >= g.outWidth) continue;
    const d = dy[at(k.grad!, [n, c, oh, ow])]!;
    if (k.mode === 'avg_grad') { s += d / (g.kernelHeight * g.kernelWidth); continue; }
    // max_grad: is (ih, iw) the first maximum of window (oh, ow)?
    let best = -Infinity, bh = -1, bw = -1;
    for (let a = 0; a < g.kernelHeight; a++) for (let b = 0; b < g.kernelWidth; b++) {
      const h2 = oh * g.strideH - g.padTop + a, w2 = ow * g.strideW - g.padLeft + b;
      if (h2 < 0 || w2 < 0 || h2 >= g.inHeight || w2 >= g.inWidth) continue;
      const v = x[at(k.input, [n, c, h2, w2])]!;
      if (v > best) { best = v; bh = h2; bw = w2; }
    }
    if (bh === ih && bw === iw) s += d;
  }
  return s;
}

/** Zero `out`, then add update row j into row clamp(idx[j]) for j in order (see ScatterAddKernel). */
function scatterAdd(k: ScatterAddKernel, mem: KernelMemory): void {
  const out = mem.get(k.out.buffer)!, upd = mem.get(k.updates.buffer)!, ids = mem.get(k.indices.buffer)!;
  forEachIndex(k.shape, (o) => { out[at(k.out, o)] = 0; });
  const n = k.shape[k.axis]!;
  const columns = k.shape.map((d, i) => (i === k.axis ? 1 : d));
  forEachIndex(columns, (o) => {
    const u = [...o], w = [...o];
    for (let j = 0; j < k.count; j++) {
      const r = Math.min(Math.max(ids[at(k.indices, [j])]! | 0, 0), n - 1);
      u[k.axis] = j;
      w[k.axis] = r;
      out[at(k.out, w)]! += upd[at(k.updates, u)]!;
    }
  });
}

export function runKernel(k: Kernel, mem: KernelMemory): void {
  switch (k.kind) {
    case 'elementwise':
      forEachIndex(k.shape, (idx) => store(k.stores, mem, idx, k.shape, 0));
      return;
    case 'reduce': {
      const space = [...k.shape, ...k.reduceShape];
      // point by point, every phase in order: the IR's semantics (backends may run phase by phase over their share)
      forEachIndex(k.shape, (o) => {
        for (const p of k.phases) {
          let acc = p.reduce === 'sum' ? 0 : -Infinity;
          let arg = 0, r = 0;
          forEachIndex(k.reduceShape, (ri) => {
            const v = evalExpr(p.body, mem, [...o, ...ri], space, 0);
            if (p.reduce === 'sum') acc += v;
            else if (v > acc || (Number.isNaN(v) && !Number.isNaN(acc))) { acc = v; arg = r; }
            r++;
          });
          store(p.stores, mem, o, k.shape, p.reduce === 'argmax' ? arg : acc);
        }
      });
      return;
    }
    case 'matmul': {
      const A = mem.get(k.a.buffer)!, B = mem.get(k.b.buffer)!;
      const space = [k.batch, k.m, k.n];
      forEachIndex(space, (idx) => {
        const [b, m, n] = idx as [number, number, number];
        let s = 0;
        for (let kk = 0; kk < k.k; kk++) s += A[at(k.a, [b, m, kk])]! * B[at(k.b, [b, kk, n])]!;
        store(k.stores, mem, idx, space, s);
      });
      return;
    }
    case 'conv2d': {
      const g = k.geometry;
      const space = k.mode === 'forward' ? [g.batch, g.outChannels, g.outHeight, g.outWidth]
        : k.mode === 'input_grad' ? [g.batch, g.inChannels, g.inHeight, g.inWidth]
        : [g.outChannels, g.inChannels / g.groups, g.kernelHeight, g.kernelWidth];
      const results: [number[], number][] = [];
      forEachIndex(space, (idx) => results.push([[...idx], convAcc(k, mem, idx)]));
      for (const [idx, acc] of results) store(k.stores, mem, idx, space, acc);
      return;
    }
    case 'pool2d': {
      const g = k.geometry;
      const space = k.mode === 'max' || k.mode === 'avg' ? [g.batch, g.channels, g.outHeight, g.outWidth] : [g.batch, g.channels, g.inHeight, g.inWidth];
      const results: [number[], number][] = [];
      forEachIndex(space, (idx) => results.push([[...idx], poolAcc(k, mem, idx)]));
      for (const [idx, acc] of results) store(k.stores, mem, idx, space, acc);
      return;
    }
    case 'scatter_add':
      scatterAdd(k, mem);
      return;
    default:
      assertNever(k, 'kernel kind');
  }
}

export function runProgram(program: Program, mem: KernelMemory): void {
  for (const k of program.kernels) runKernel(k, mem);
}
