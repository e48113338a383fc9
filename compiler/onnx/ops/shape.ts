/**
 * ONNX shape and movement ops: Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Expand, Tile,
 * DepthToSpace/SpaceToDepth, and the ops that compute values at import (Shape, Size, Constant,
 * ConstantOfShape, Range, EyeLike, OneHot's depth). Gather, Concat and Slice run on import-time
 * constants here (index arithmetic on shapes); on runtime tensors they need kernel-IR primitives.
 */
import type { Tensor } from '../../ir/graph.ts';
import { normAxis, sizeOf, contiguousStrides } from '../../ir/types.ts';
import * as F from '../../frontend/math.ts';
import { DataType } from '../proto.ts';
import { constValue, hostConst, tensorValue, type HostConst, type OpContext, type OpHandler, type OpResult } from '../context.ts';

const ALL: [number, number] = [1, 17];
const out = (ctx: OpContext, t: Tensor): OpResult[] => [tensorValue(t, ctx.onnxType(0))];
const i64 = (dims: number[], data: ArrayLike<number>) => constValue(hostConst(dims, DataType.INT64, data));
/** movement ops that change nothing return their input; the importer copies outputs that are leaves */
const fresh = (t: Tensor) => t;

function shapeOf(ctx: OpContext, i: number): number[] {
  const v = ctx.value(i);
  return v.kind === 'const' ? v.c.dims : [...v.t.shape];
}

function reshape(ctx: OpContext): OpResult[] {
  const inDims = shapeOf(ctx, 0);
  const spec = ctx.opset >= 5 ? ctx.ints(1, 'shape') : ctx.intList('shape') ?? [];
  const allowZero = ctx.int('allowzero', 0) === 1;
  const dims = spec.map((d, i) => (d === 0 && !allowZero ? inDims[i]! : d));
  if (dims.some((d) => d === 0)) throw ctx.unsupported('empty tensors');
  const v = ctx.value(0);
  if (v.kind === 'const') {
    const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    return [constValue({ ...v.c, dims: dims.map((d) => (d === -1 ? v.c.data.length / known : d)) })];
  }
  return out(ctx, fresh(F.reshape(v.t, dims)));
}

function flatten(ctx: OpContext): OpResult[] {
  const dims = shapeOf(ctx, 0);
  const axis = ctx.int('axis', 1);
  const a = axis < 0 ? axis + dims.length : axis;
  const shape = [sizeOf(dims.slice(0, a)), sizeOf(dims.slice(a))];
  const v = ctx.value(0);
  if (v.kind === 'const') return [constValue({ ...v.c, dims: shape })];
  return out(ctx, fresh(F.reshape(v.t, shape)));
}

function squeeze(ctx: OpContext): OpResult[] {
  const dims = shapeOf(ctx, 0);
  const axesSpec = ctx.opset >= 13 ? (ctx.has(1) ? ctx.ints(1, 'axes') : undefined) : ctx.intList('axes');
  const axes = axesSpec ? axesSpec.map((a) => normAxis(a, dims.length, 'Squeeze')) : dims.flatMap((d, i) => (d === 1 ? [i] : []));
  if (axes.some((a) => dims[a] !== 1)) throw ctx.unsupported(`squeezing a dim that is not 1 in [${dims.join(', ')}]`);
  const shape = dims.filter((_, i) => !axes.includes(i));
  const v = ctx.value(0);
  if (v.kind === 'const') return [constValue({ ...v.c, dims: shape })];
  return out(ctx, fresh(F.reshape(v.t, shape)));
}

function unsqueeze(ctx: OpContext): OpResult[] {
  const dims = shapeOf(ctx, 0);
  const axesSpec = ctx.opset >= 13 ? ctx.ints(1, 'axes') : ctx.intList('axes') ?? [];
  const r = dims.length + axesSpec.length;
  const axes = axesSpec.map((a) => normAxis(a, r, 'Unsqueeze'));
  const shape: number[] = [];
  let j = 0;
  for (let i = 0; i < r; i++) shape.push(axes.includes(i) ? 1 : dims[j++]!);
  const v = ctx.value(0);
  if (v.kind === 'const') return [constValue({ ...v.c, dims: shape })];
  return out(ctx, fresh(F.reshape(v.t, shape)));
}

function transpose(ctx: OpContext): OpResult[] {
  const x = ctx.tensor(0);
  const perm = ctx.intList('perm') ?? [...x.shape.keys()].reverse();
  return out(ctx, fresh(F.transpose(x, perm)));
}

function expand(ctx: OpContext): OpResult[] {
  const x = ctx.tensor(0);
  const target = F.broadcastShapes('Expand', x.shape, ctx.ints(1, 'shape'));
  return out(ctx, fresh(F.broadcastTo(x, target)));
}

function tile(ctx: OpContext): OpResult[] {
  const x = ctx.tensor(0);
  const reps = ctx.ints(1, 'repeats');
  if (reps.length !== x.rank) throw ctx.unsupported(`repeats of length ${reps.length} for a rank-${x.rank} input`);
  const lifted = F.reshape(x, x.shape.flatMap((d) => [1, d]));
  const wide = F.broadcastTo(lifted, x.shape.flatMap((d, i) => [reps[i]!, d]));
  return out(ctx, fresh(F.reshape(wide, x.shape.map((d, i) => d * reps[i]!))));
}

function depthToSpace(ctx: OpContext): OpResult[] {
  const x = ctx.tensor(0);
  if (x.rank !== 4) throw ctx.unsupported('non-4-D input');
  const b = ctx.int('blocksize', 0);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const crd = ctx.string('mode', 'DCR') === 'CRD';
  const t = crd
    ? F.transpose(F.reshape(x, [n, c / (b * b), b, b, h, w]), [0, 1, 4, 2, 5, 3])
    : F.transpose(F.reshape(x, [n, b, b, c / (b * b), h, w]), [0, 3, 4, 1, 5, 2]);
  return out(ctx, fresh(F.reshape(t, [n, c / (b * b), h * b, w * b])));
}

function spaceToDepth(ctx: OpContext): OpResult[] {
  const x = ctx.tensor(0);
  if (x.rank !== 4) throw ctx.unsupported('non-4-D input');
  const b = ctx.int('blocksize', 0);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const t = F.transpose(F.reshape(x, [n, c, h / b, b, w / b, b]), [0, 3, 5, 1, 2, 4]);
  return out(ctx, fresh(F.reshape(t, [n, c * b * b, h / b, w / b])));
}

function constantNode(ctx: OpContext): OpResult[] {
  const t = ctx.tensorAttr('value');
  if (t) return [constValue(t)];
  if (ctx.hasAttr('value_float')) return [constValue(hostConst([], DataType.FLOAT, [ctx.float('value_float', 0)]))];
  const fl = ctx.floatList('value_floats');
  if (fl) return [constValue(hostConst([fl.length], DataType.FLOAT, fl))];
  if (ctx.hasAttr('value_int')) return [i64([], [ctx.int('value_int', 0)])];
  const il = ctx.intList('value_ints');
  if (il) return [i64([il.length], il)];
  throw ctx.unsupported('only tensor, float(s) and int(s) values (no sparse or string constants)');
}

function shapeNode(ctx: OpContext): OpResult[] {
  const dims = shapeOf(ctx, 0);
  const r = dims.length;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  const start = clamp(ctx.int('start', 0)), end = clamp(ctx.int('end', r));
  const d = dims.slice(start, Math.max(start, end));
  return [i64([d.length], d)];
}

function constantOfShape(ctx: OpContext): OpResult[] {
  const dims = ctx.ints(0, 'shape');
  if (dims.some((d) => d < 1)) throw ctx.unsupported('empty tensors');
  const v = ctx.tensorAttr('value') ?? hostConst([1], DataType.FLOAT, [0]);
  return [constValue(hostConst(dims, v.onnxType, new Float64Array(sizeOf(dims)).fill(v.data[0] ?? 0)))];
}

function range(ctx: OpContext): OpResult[] {
  const [start, limit, delta] = [0, 1, 2].map((i) => ctx.constant(i, ['start', 'limit', 'delta'][i]!)) as [HostConst, HostConst, HostConst];
  const s = start.data[0]!, l = limit.data[0]!, d = delta.data[0]!;
  const n = Math.max(Math.ceil((l - s) / d), 0);
  if (n === 0) throw ctx.unsupported('an empty range');
  return [constValue(hostConst([n], start.onnxType, Array.from({ length: n }, (_, i) => s + i * d)))];
}

function eyeLike(ctx: OpContext): OpResult[] {
  const dims = shapeOf(ctx, 0);
  if (dims.length !== 2) throw ctx.unsupported('non-2-D input');
  const k = ctx.int('k', 0);
  const type = ctx.int('dtype', ctx.onnxType(0));
  const data = new Float64Array(sizeOf(dims));
  for (let i = 0; i < dims[0]!; i++) if (i + k >= 0 && i + k < dims[1]!) data[i * dims[1]! + i + k] = 1;
  return [constValue(hostConst(dims, type, data))];
}

function oneHot(ctx: OpContext): OpResult[] {
  const idx = ctx.tensor(0);
  const depth = Math.trunc(ctx.constant(1, 'depth').data[0]!);
  const values = ctx.constant(2, 'values');
  const r = idx.rank + 1;
  const axis = normAxis(ctx.int('axis', -1), r, 'OneHot');
  const shape = [...idx.shape.slice(0, axis), depth, ...idx.shape.slice(axis)];
  const i32 = F.cast(idx, 'i32');
  const wrapped = F.where(F.less(i32, 0), F.add(i32, depth), i32);
  const lifted = F.broadcastTo(F.reshape(wrapped, [...idx.shape.slice(0, axis), 1, ...idx.shape.slice(axis)]), shape);
  const hit = F.equal(F.iota(idx.graph, shape, axis), lifted);
  const g = idx.graph;
  const [off, on] = [g.constant(values.data[0]!, [], values.dtype), g.constant(values.data[1]!, [], values.dtype)];
  return [tensorValue(F.where(hit, on, off), values.onnxType)];
}

function trilu(ctx: OpContext): OpResult[] {
  const x = ctx.tensor(0);
  const k = ctx.has(1) ? ctx.ints(1, 'k')[0]! : 0;
  const upper = ctx.int('upper', 1) === 1;
  const rows = F.iota(x.graph, x.shape, x.rank - 2), cols = F.iota(x.graph, x.shape, x.rank - 1);
  const diff = F.sub(cols, rows); // j - i
  const keep = upper ? F.sub(1, F.less(diff, k)) : F.sub(1, F.greater(diff, k));
  return out(ctx, F.where(keep, x, 0));
}

// ---- import-time index arithmetic on constants (Gather, Concat, Slice)

const allConst = (ctx: OpContext, n: number) => Array.from({ length: n }, (_, i) => i).every((i) => !ctx.has(i) || ctx.isConst(i));
const constOf = (ctx: OpContext, i: number): HostConst => (ctx.value(i) as { kind: 'const'; c: HostConst }).c;

/** Runtime indices along an axis of size n: negative ones count from the end (as ONNX says). */
function wrapIndices(ctx: OpContext, i: number, n: number): Tensor {
  if (ctx.isConst(i)) {
    const c = constOf(ctx, i);
    const bad = Array.from(c.data).findIndex((v) => v < -n || v >= n);
    if (bad >= 0) throw ctx.unsupported(`index ${c.data[bad]} out of range for a dim of ${n}`);
    return ctx.g.constant(Array.from(c.data, (v) => (v < 0 ? v + n : v)), c.dims, 'i32');
  }
  const idx = F.cast(ctx.tensor(i), 'i32');
  return F.where(F.less(idx, 0), F.add(idx, n), idx);
}

function gather(ctx: OpContext): OpResult[] {
  if (!allConst(ctx, 2)) {
    const x = ctx.tensor(0);
    const axis = normAxis(ctx.int('axis', 0), x.rank, 'Gather');
    return out(ctx, F.gather(x, wrapIndices(ctx, 1, x.shape[axis]!), axis));
  }
  const [data, indices] = [constOf(ctx, 0), constOf(ctx, 1)];
  const axis = normAxis(ctx.int('axis', 0), data.dims.length, 'Gather');
  const outer = sizeOf(data.dims.slice(0, axis)), inner = sizeOf(data.dims.slice(axis + 1)), n = data.dims[axis]!;
  const res: number[] = [];
  for (let o = 0; o < outer; o++) for (const raw of indices.data) {
    const i = raw < 0 ? raw + n : raw;
    if (i < 0 || i >= n) throw ctx.unsupported(`index ${raw} out of range for a dim of ${n}`);
    for (let j = 0; j < inner; j++) res.push(data.data[(o * n + i) * inner + j]!);
  }
  // order: outer, indices..., inner — the loop above is outer-major, index-minor, as required
  return [constValue(hostConst([...data.dims.slice(0, axis), ...indices.dims, ...data.dims.slice(axis + 1)], data.onnxType, res))];
}

function concat(ctx: OpContext): OpResult[] {
  if (!allConst(ctx, ctx.inputCount)) {
    const xs = Array.from({ length: ctx.inputCount }, (_, i) => ctx.tensor(i));
    if (xs.some((x) => x.dtype !== xs[0]!.dtype)) throw ctx.unsupported('operands of different element types');
    const axis = normAxis(ctx.int('axis', ctx.opset < 4 ? 1 : 0), xs[0]!.rank, 'Concat');
    return out(ctx, xs.length === 1 ? F.add(xs[0]!, 0) : F.concat(xs, axis));
  }
  const parts = Array.from({ length: ctx.inputCount }, (_, i) => constOf(ctx, i));
  const r = parts[0]!.dims.length;
  const axis = normAxis(ctx.int('axis', ctx.opset < 4 ? 1 : 0), r, 'Concat');
  const outer = sizeOf(parts[0]!.dims.slice(0, axis));
  const res: number[] = [];
  for (let o = 0; o < outer; o++) for (const p of parts) {
    const chunk = sizeOf(p.dims.slice(axis));
    for (let j = 0; j < chunk; j++) res.push(p.data[o * chunk + j]!);
  }
  const dims = [...parts[0]!.dims];
  dims[axis] = parts.reduce((s, p) => s + p.dims[axis]!, 0);
  return [constValue(hostConst(dims, parts[0]!.onnxType, res))];
}

function slice(ctx: OpContext): OpResult[] {
  const starts = ctx.opset >= 10 ? ctx.ints(1, 'starts') : ctx.intList('starts')!;
  const ends = ctx.opset >= 10 ? ctx.ints(2, 'ends') : ctx.intList('ends')!;
  const axes = (ctx.opset >= 10 ? (ctx.has(3) ? ctx.ints(3, 'axes') : undefined) : ctx.intList('axes')) ?? starts.map((_, i) => i);
  const steps = (ctx.opset >= 10 && ctx.has(4) ? ctx.ints(4, 'steps') : undefined) ?? starts.map(() => 1);
  if (!ctx.isConst(0)) {
    const x = ctx.tensor(0);
    const ranges: [number, number, number][] = x.shape.map((n) => [0, n, 1]);
    axes.forEach((a0, k) => {
      const a = normAxis(a0, x.rank, 'Slice'), d = x.shape[a]!, st = steps[k]!;
      if (st === 0) throw ctx.unsupported('step 0');
      // ONNX clamps bounds (INT64_MAX means "to the end"); a negative step's end may be −1 ("before 0")
      const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + d : v, lo), hi);
      const b = st > 0 ? clamp(starts[k]!, 0, d) : clamp(starts[k]!, -1, d - 1);
      const e = st > 0 ? clamp(ends[k]!, 0, d) : clamp(ends[k]!, -1, d - 1);
      if (Math.ceil((e - b) / st) < 1) throw ctx.unsupported('an empty slice');
      ranges[a] = [b, e, st];
    });
    // F.slice reads a stop of −1 with a negative step as "past the start"; pass null for that
    const y = F.slice(x, ranges.map(([b, e, st]) => [b, st < 0 && e === -1 ? null : e, st] as const));
    return out(ctx, y === x ? F.add(x, 0) : y);
  }
  const data = constOf(ctx, 0);
  const r = data.dims.length;
  const lo = data.dims.map(() => 0), step = data.dims.map(() => 1), count = [...data.dims];
  axes.forEach((a0, k) => {
    const a = normAxis(a0, r, 'Slice'), d = data.dims[a]!, s = steps[k]!;
    if (s === 0) throw ctx.unsupported('step 0');
    const clampIdx = (v: number, loB: number, hiB: number) => Math.min(Math.max(v < 0 ? v + d : v, loB), hiB);
    const b = s > 0 ? clampIdx(starts[k]!, 0, d) : clampIdx(starts[k]!, -1, d - 1);
    const e = s > 0 ? clampIdx(ends[k]!, 0, d) : clampIdx(ends[k]!, -1, d - 1);
    lo[a] = b; step[a] = s;
    count[a] = Math.max(0, Math.ceil((e - b) / s));
  });
  if (count.some((c) => c === 0)) throw ctx.unsupported('an empty slice');
  const strides = contiguousStrides(data.dims);
  const res: number[] = [];
  const idx = new Array(r).fill(0);
  const total = sizeOf(count);
  for (let n = 0; n < total; n++) {
    let rem = n, off = 0;
    for (let a = r - 1; a >= 0; a--) { idx[a] = rem % count[a]!; rem = Math.floor(rem / count[a]!); }
    for (let a = 0; a < r; a++) off += (lo[a]! + idx[a]! * step[a]!) * strides[a]!;
    res.push(data.data[off]!);
  }
  return [constValue(hostConst(count, data.onnxType, res))];
}

export const shapeOps: Record<string, OpHandler> = {
  Reshape: { opsets: ALL, constInputs: [1], run: reshape },
  Flatten: { opsets: ALL, run: flatten },
  Squeeze: { opsets: ALL, constInputs: [1], run: squeeze },
  Unsqueeze: { opsets: ALL, constInputs: [1], run: unsqueeze },
  Transpose: { opsets: ALL, run: transpose },
  Expand: { opsets: [8, 17], constInputs: [1], run: expand },
  Tile: { opsets: [6, 17], constInputs: [1], run: tile },
  DepthToSpace: { opsets: ALL, run: depthToSpace },
  SpaceToDepth: { opsets: ALL, run: spaceToDepth },
  Constant: { opsets: ALL, run: constantNode },
  Shape: { opsets: ALL, run: shapeNode },
  Size: { opsets: ALL, run: (ctx) => [i64([], [sizeOf(shapeOf(ctx, 0))])] },
  ConstantOfShape: { opsets: [9, 17], constInputs: [0], run: constantOfShape },
  Range: { opsets: [11, 17], constInputs: [0, 1, 2], run: range },
  EyeLike: { opsets: [9, 17], run: eyeLike },
  OneHot: { opsets: [9, 17], constInputs: [1, 2], run: oneHot },
  Trilu: { opsets: [14, 17], constInputs: [1], run: trilu },
  Gather: { opsets: ALL, run: gather },
  Concat: { opsets: ALL, run: concat },
  Slice: { opsets: ALL, constInputs: [1, 2, 3, 4], run: slice },
  Split: { opsets: [2, 17], constInputs: [1], run: split },
  Pad: { opsets: [2, 17], constInputs: [1, 2], run: pad },
  GatherElements: { opsets: [11, 17], run: gatherElements },
};

function split(ctx: OpContext): OpResult[] {
  const x = ctx.tensor(0);
  const axis = normAxis(ctx.int('axis', 0), x.rank, 'Split');
  const n = x.shape[axis]!;
  const parts = (ctx.opset >= 13 ? (ctx.has(1) ? ctx.ints(1, 'split') : undefined) : ctx.intList('split'))
    ?? (() => { const k = ctx.outputCount; if (n % k) throw ctx.unsupported(`splitting ${n} into ${k} equal parts`); return new Array(k).fill(n / k); })();
  if (parts.reduce((a, b) => a + b, 0) !== n) throw ctx.unsupported(`split sizes [${parts.join(', ')}] do not add up to ${n}`);
  let at = 0;
  return parts.map((p) => {
    const ranges = x.shape.map((d, i) => (i === axis ? [at, at + p, 1] as const : null));
    at += p;
    return tensorValue(F.add(F.slice(x, ranges), 0), ctx.onnxType(0));
  });
}

/** Pad: constant, edge and reflect modes; negative pads crop. */
function pad(ctx: OpContext): OpResult[] {
  const x = ctx.tensor(0);
  const pads = ctx.opset >= 11 ? ctx.ints(1, 'pads') : ctx.intList('pads') ?? ctx.intList('paddings')!;
  const value = ctx.opset >= 11 ? (ctx.has(2) ? ctx.constant(2, 'constant_value').data[0]! : 0) : ctx.float('value', 0);
  const mode = ctx.string('mode', 'constant');
  const r = x.rank;
  if (pads.length !== 2 * r) throw ctx.unsupported(`${pads.length} pads for a rank-${r} input`);
  const grow = x.shape.map((_, d) => [Math.max(pads[d]!, 0), Math.max(pads[d + r]!, 0)] as const);
  let y = mode === 'constant' ? F.pad(x, grow, value) : mode === 'edge' || mode === 'reflect' ? F.padMode(x, grow, mode) : (() => { throw ctx.unsupported(`mode "${mode}"`); })();
  if (pads.some((p) => p < 0)) y = F.slice(y, y.shape.map((d, i) => [Math.max(-pads[i]!, 0), d - Math.max(-pads[i + r]!, 0), 1] as const));
  return out(ctx, y === x ? F.add(x, 0) : y);
}

/** GatherElements as a gather on the flattened data with linear indices built from iotas. */
function gatherElements(ctx: OpContext): OpResult[] {
  const x = ctx.tensor(0);
  const axis = normAxis(ctx.int('axis', 0), x.rank, 'GatherElements');
  const idx = wrapIndices(ctx, 1, x.shape[axis]!);
  const strides = contiguousStrides(x.shape);
  let linear: Tensor = F.mul(idx, strides[axis]!);
  idx.shape.forEach((_, d) => {
    if (d !== axis) linear = F.add(linear, F.mul(F.iota(x.graph, idx.shape, d), strides[d]!));
  });
  return out(ctx, F.gather(F.reshape(x, [x.size]), linear, 0));
}
