/**
 * The prebuilt kernel library's entry points as typed argument records (GemmArgs, Im2colArgs, …)
 * pushed in the library's parameter order, so no call site counts positional arguments, plus the
 * small emission helpers the matmul and conv renderers share (addresses, loops, scratch).
 */
import type { ConvGeometry, Store, View } from '../../../kernel/ir.ts';
import { gemmPackBytes, ScratchPlan, viewBase } from '../gemm-kernels.ts';
import { align, type MemoryLayout } from '../layout.ts';
import type { Emitter } from './alu.ts';
import type { Address, Scope } from './expr.ts';
import type { FunctionBuilder } from './encoder.ts';
import { emitStores, innerLoops, layoutAddress, type ProgramContext, vectorizable } from './nest.ts';

/** An i32 argument: a constant, or base + Σ local·coefficient. */
export type I32 = number | Address;

export function pushI32(f: FunctionBuilder, x: I32): void {
  if (typeof x === 'number') { f.i32(x); return; }
  if (x.terms.length === 0) { f.i32(x.base); return; }
  x.terms.forEach(([l, c], i) => {
    f.get(l);
    if (c !== 1) f.i32(c).op('i32.mul');
    if (i > 0) f.op('i32.add');
  });
  if (x.base !== 0) f.i32(x.base).op('i32.add');
}

export const plus = (a: I32, base: number, ...terms: [number, number][]): Address =>
  typeof a === 'number' ? { base: a + base, terms } : { base: a.base + base, terms: [...a.terms, ...terms] };
export const local = (l: number): Address => ({ base: 0, terms: [[l, 1]] });

/** assembly/gemm.ts gemm / gemmParallel: C[M,N] (+)= A·B, pointers in bytes, strides in elements. */
export interface GemmArgs {
  m: I32; n: I32; k: number;
  a: I32; aRs: number; aCs: number;
  b: I32; bRs: number; bCs: number;
  c: I32; ldc: number; accumulate: I32;
  pack: I32;
  /** gemmParallel: per-thread pack stride (the columns of C are split across the pool) */
  packStride?: number;
  /** table index of the tile epilogue, and the tag it is called with */
  epilogue?: { table: number; tag: I32 };
  /** gemm: added to the column numbers the epilogue is told (a column slice of a wider C) */
  colOffset?: I32;
}

/**
 * A GEMM whose A was packed once by packAll (assembly/gemm.ts): gemmPackedA, single-threaded,
 * rows row0 .. row0 + m of a packed A of `packedRows` padded rows (`c` points at row row0).
 */
export interface PackedAGemmArgs {
  m: I32; n: I32; k: number;
  packedA: I32; packedRows: number; row0: I32;
  b: I32; bRs: I32; bCs: number;
  c: I32; ldc: number; accumulate: I32;
  pack: I32;
  /** table index of the tile epilogue, its tag, and what is added to the column numbers it is told */
  epilogue?: { table: number; tag: I32; colOffset: I32 };
}

export function callGemmPackedA(e: Emitter, g: PackedAGemmArgs): void {
  for (const x of [g.m, g.n, g.k, g.packedA, g.packedRows, g.row0, g.b, g.bRs, g.bCs, g.c, g.ldc, g.accumulate, g.pack]) pushI32(e.f, x);
  for (const x of g.epilogue ? [g.epilogue.table, g.epilogue.tag, g.epilogue.colOffset] : [-1, 0, 0]) pushI32(e.f, x);
  e.call('gemmPackedA');
}

export function callGemm(e: Emitter, g: GemmArgs): void {
  const f = e.f;
  for (const x of [g.m, g.n, g.k, g.a, g.aRs, g.aCs, g.b, g.bRs, g.bCs, g.c, g.ldc, g.accumulate, g.pack]) pushI32(f, x);
  if (g.packStride !== undefined) f.i32(g.packStride);
  f.i32(g.epilogue?.table ?? -1);
  pushI32(f, g.epilogue?.tag ?? 0);
  if (g.packStride === undefined) { pushI32(f, g.colOffset ?? 0); e.call('gemm'); } else e.call('gemmParallel');
}

/**
 * A GEMM whose B was packed once by packBAll (assembly/gemm.ts): gemmPackedB, single-threaded,
 * columns col0 .. col0 + n of a packed B of `packedCols` padded columns (`c` points at column col0).
 */
export interface PackedBGemmArgs {
  m: I32; n: I32; k: number;
  a: I32; aRs: number; aCs: number;
  packedB: number; packedCols: number; col0: I32;
  c: I32; ldc: number; accumulate: I32;
  pack: I32;
  epilogue?: { table: number; tag: I32 };
  colOffset?: I32;
}

export function callGemmPackedB(e: Emitter, g: PackedBGemmArgs): void {
  for (const x of [g.m, g.n, g.k, g.a, g.aRs, g.aCs, g.packedB, g.packedCols, g.col0, g.c, g.ldc, g.accumulate, g.pack]) pushI32(e.f, x);
  for (const x of [g.epilogue?.table ?? -1, g.epilogue?.tag ?? 0, g.colOffset ?? 0]) pushI32(e.f, x);
  e.call('gemmPackedB');
}

/**
 * The convolution geometry tail shared by im2col and col2imAdd, in the library's order. `rows`
 * replaces the output height and top padding: a band of output rows oh0.. is the same
 * convolution with outHeight = its row count and padTop − oh0·strideH.
 */
export function pushGeometry(f: FunctionBuilder, g: ConvGeometry, rows?: { outHeight: I32; padTop: I32 }): void {
  for (const x of [g.inHeight, g.inWidth, g.kernelHeight, g.kernelWidth, rows?.outHeight ?? g.outHeight, g.outWidth, g.strideH, g.strideW, rows?.padTop ?? g.padTop, g.padLeft, g.dilationH, g.dilationW]) pushI32(f, x);
}

/** assembly/conv.ts im2col: the column matrix of `channels` input channels at `x` (of a band of output rows, with `rows`). */
export interface Im2colArgs {
  col: I32; x: I32; sC: number; sH: number; sW: number; transposed: boolean; channels: I32; geometry: ConvGeometry;
  rows?: { outHeight: I32; padTop: I32 };
}

export function callIm2col(e: Emitter, a: Im2colArgs): void {
  for (const x of [a.col, a.x, a.sC, a.sH, a.sW, a.transposed ? 1 : 0, a.channels]) pushI32(e.f, x);
  pushGeometry(e.f, a.geometry, a.rows);
  e.call('im2col');
}

/** assembly/conv.ts col2imAdd: dx[c, ih, iw] += col over the taps of every output position. */
export function callCol2imAdd(e: Emitter, dx: I32, col: I32, channels: number, g: ConvGeometry): void {
  for (const x of [dx, col, channels]) pushI32(e.f, x);
  pushGeometry(e.f, g);
  e.call('col2imAdd');
}

/** Copies a 4-D strided view into contiguous scratch at `dst` (assembly/layout.ts gather4). */
export function gather(e: Emitter, dst: number, layout: MemoryLayout, v: View, dims: number[]): void {
  e.f.i32(dst).i32(viewBase(layout, v));
  for (const d of dims) e.f.i32(d);
  for (const s of v.strides) e.f.i32(s);
  e.call('gather4');
}

/** Reserves GEMM packing scratch (one area per thread in threaded builds). */
export function gemmPack(scratch: ScratchPlan, ctx: ProgramContext, n: number): { pack: number; packStride?: number } {
  if (ctx.threads <= 1) return { pack: scratch.take(gemmPackBytes(n)) };
  const stride = align(gemmPackBytes(n), 64);
  return { pack: scratch.take(stride * ctx.threads), packStride: stride };
}

/** min(chunk, total − start) into a new local (`start` a local): a pool task's share of `total` items */
export function clampedCount(f: FunctionBuilder, start: number, chunk: number, total: number): number {
  const l = f.local('i32');
  f.i32(chunk).i32(total).get(start).op('i32.sub').i32(total).get(start).op('i32.sub').i32(chunk).op('i32.gt_s').op('select').set(l);
  return l;
}

/** `for (v = 0; v < n; v++) body()` */
export function loop(f: FunctionBuilder, n: number, body: (v: number) => void): void {
  const v = f.local('i32');
  f.forRange(v, () => f.i32(0), () => f.i32(n), 1, () => body(v));
}

/** A per-thread area: base + currentThread()·stride, in a new local. */
export function perThread(e: Emitter, base: number, stride: number): number {
  const l = e.f.local('i32');
  e.call('currentThread');
  e.f.i32(stride).op('i32.mul').i32(base).op('i32.add').set(l);
  return l;
}

/** A GEMM's stores over one tile (called back from the micro-kernel loop; matmul and conv) [b, rows r0.., cols c0..] of [batch, m, n]: a function (b, r0, rows, c0, cols). */
export function emitTileEpilogue(ctx: ProgramContext, stores: Store[], space: number[]): number {
  const fn = ctx.addFunction(['i32', 'i32', 'i32', 'i32', 'i32']);
  const f = fn.e.f;
  const b = f.local('i32'), r0 = f.local('i32'), i1 = f.local('i32'), i2 = f.local('i32');
  const vars = [b, i1, i2];
  // tag = b·M + the first row of the GEMM's slice (emitMatmul): rows are told relative to it
  f.get(0).i32(space[1]!).op('i32.div_s').set(b);
  f.get(0).i32(space[1]!).op('i32.rem_s').get(1).op('i32.add').set(r0);
  const addressOf = layoutAddress(ctx.layout);
  const scope: Scope = { ...fn.e, indexVars: vars, shape: space, address: (v) => addressOf(v, vars) };
  const vector = vectorizable(ctx.layout, stores, 2, space[2]!);
  f.forRange(i1, () => f.get(r0), () => f.get(r0).get(2).op('i32.add'), 1, () => {
    innerLoops(f, i2, () => f.get(3), () => f.get(3).get(4).op('i32.add'), vector,
      () => emitStores(ctx.layout, stores, scope, addressOf, 2), () => emitStores(ctx.layout, stores, scope, addressOf));
  });
  return fn.func;
}
