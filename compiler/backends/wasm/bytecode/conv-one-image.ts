/**
 * One image's forward conv on a pool (batch 1, the ONNX models' case): how it is split
 * (oneImageSchedule) and the two split renderings, bands of output rows or rows of output
 * channels over one packed A, plus the per-tile epilogue they (and the depthwise kernel) run.
 */
import type { ConvGeometry, ConvKernel, Store, View } from '../../../kernel/ir.ts';
import { gemmPackBytes, imageEpilogueApplies, ScratchPlan, viewBase } from '../gemm-kernels.ts';
import { align } from '../layout.ts';
import { bindAccToScratch, mapExpr } from '../rewrite.ts';
import type { Emitter } from './alu.ts';
import type { ProgramContext } from './nest.ts';
import { callGemmPackedA, callIm2col, clampedCount, emitTileEpilogue, type I32, local, perThread } from './library-calls.ts';

/** Where a forward conv's packed weights are: group grp's panels at at + grp·groupBytes. */
export interface PackedWeights { at: number; groupBytes: number }

/**
 * How a pool splits one image's conv (batch 1): 'bands' of output rows (each thread im2cols its
 * band into its own small column matrix, in cache, and multiplies all of A by it), 'rows' of the
 * output channels (few pixels and many channels: the 7×7 and 14×14 layers, where column bands
 * would be too narrow; the column matrix is built once, split by channels), or 'images' (one
 * thread: too little work to share).
 */
export function oneImageSchedule(g: ConvGeometry, oPerG: number, taps: number, pixels: number, threads: number, mr: number): 'images' | 'rows' | 'bands' {
  if (g.outChannels * pixels * taps < 1 << 18) return 'images';
  const rowsFit = g.groups === 1 && oPerG >= 2 * mr * threads;
  if (rowsFit && (pixels < 64 * threads || g.outHeight < threads)) return 'rows';
  if (g.outHeight * g.groups < threads) return rowsFit ? 'rows' : 'images';
  return 'bands';
}

/** Bands per group for the 'bands' schedule: the pool's width (in all, with the groups), more while a band's column matrix would pass L2. */
function bandsPerGroup(g: ConvGeometry, taps: number, pointwise: boolean, threads: number): number {
  const perGroup = Math.max(1, Math.ceil(threads / g.groups));
  if (pointwise) return Math.min(perGroup, g.outHeight);
  const colBytes = taps * g.outHeight * g.outWidth * 4;
  // at least 64 pixels a band, so each pass over A feeds enough columns
  const widest = Math.max(perGroup, Math.floor(g.outHeight * g.outWidth / 64));
  let bands = Math.max(perGroup, Math.ceil(colBytes / (512 * 1024)));
  bands = Math.min(widest, Math.ceil(bands / threads) * threads, g.outHeight);
  // equal bands of whole rows
  return Math.ceil(g.outHeight / Math.ceil(g.outHeight / bands));
}

export interface SplitArgs {
  packed: PackedWeights; packedRows: number; pointwise: boolean;
  /** C's address (its first row, output channel 0) and row stride */
  c: { c: number; ldc: number };
  /** the kernel's stores as a tile epilogue (tileEpilogue), run by the GEMM on each finished tile */
  tile: number | undefined;
}

/**
 * A forward conv's stores as a GEMM tile epilogue over [batch, C, pixels] (emitTileEpilogue),
 * so bias, residual and activation run on each tile while it is in L1 instead of in a second pass
 * over the accumulator (the depthwise kernel calls it per channel plane): for an accumulator that is
 * the whole result at the scratch base, when no store
 * depends on the position or overlaps an operand, and every view's pixels are row-contiguous.
 */
export function tileEpilogue(ctx: ProgramContext, k: ConvKernel): number | undefined {
  if (!imageEpilogueApplies(ctx.layout, k)) return undefined;
  const g = k.geometry;
  const collapsed = collapsePixels(k.stores, g.outWidth);
  if (!collapsed) return undefined;
  const space3 = [g.batch, g.outChannels, g.outHeight * g.outWidth];
  return ctx.tableIndex(emitTileEpilogue(ctx, bindAccToScratch(collapsed, space3), space3));
}


/** One image on a pool, split by output channels: im2col split by input channels, then the GEMM's rows. */
export function emitRowSplitConv(e0: Emitter, ctx: ProgramContext, k: ConvKernel, a: SplitArgs & { scratch: ScratchPlan; colArea: number; taps: number; pixels: number }): void {
  const layout = ctx.layout;
  const g = k.geometry;
  const [, xC, xH, xW] = k.input.strides as [number, number, number, number];
  const xBase = viewBase(layout, k.input);
  const M = g.outChannels;
  if (!a.pointwise) {
    const cChunk = Math.ceil(g.inChannels / ctx.threads);
    const task = ctx.addFunction(['i32']);
    const f = task.e.f;
    const c0 = f.local('i32');
    f.get(0).i32(cChunk).op('i32.mul').set(c0);
    const count = clampedCount(f, c0, cChunk, g.inChannels);
    const kk = g.kernelHeight * g.kernelWidth;
    callIm2col(task.e, {
      col: { base: a.colArea, terms: [[c0, kk * a.pixels * 4]] }, x: { base: xBase, terms: [[c0, xC * 4]] },
      sC: xC, sH: xH, sW: xW, transposed: false, channels: local(count), geometry: g,
    });
    e0.f.i32(ctx.tableIndex(task.func)).i32(Math.ceil(g.inChannels / cChunk));
    e0.call('parallelFor');
  }
  const mr = ctx.constants.GEMM_MR;
  const chunk = Math.ceil(M / ctx.threads / mr) * mr;
  const packStride = align(gemmPackBytes(a.pixels), 64);
  const packArea = a.scratch.take(packStride * ctx.threads);
  const task = ctx.addFunction(['i32']);
  const f = task.e.f;
  const r0 = f.local('i32');
  f.get(0).i32(chunk).op('i32.mul').set(r0);
  const rows = clampedCount(f, r0, chunk, M);
  callGemmPackedA(task.e, {
    m: local(rows), n: a.pixels, k: a.taps, packedA: a.packed.at, packedRows: a.packedRows, row0: local(r0),
    b: a.pointwise ? xBase : a.colArea, bRs: a.pointwise ? xC : a.pixels, bCs: 1,
    c: { base: a.c.c, terms: [[r0, a.c.ldc * 4]] }, ldc: a.c.ldc, accumulate: 0,
    pack: local(perThread(task.e, packArea, packStride)),
    // rows are told relative to the slice: the tag carries its first row
    ...(a.tile !== undefined ? { epilogue: { table: a.tile, tag: local(r0), colOffset: 0 } } : {}),
  });
  e0.f.i32(ctx.tableIndex(task.func)).i32(Math.ceil(M / chunk));
  e0.call('parallelFor');
}

/** One image on a pool, split into bands of output rows (per group): each task im2cols its band and multiplies all of the group's A by it. */
export function emitBandConv(e0: Emitter, ctx: ProgramContext, k: ConvKernel, a: SplitArgs & { scratch: ScratchPlan; cPerG: number; oPerG: number; taps: number }): void {
  const layout = ctx.layout;
  const g = k.geometry;
  const T = ctx.threads;
  const [, xC, xH, xW] = k.input.strides as [number, number, number, number];
  const xBase = viewBase(layout, k.input);
  const bands = bandsPerGroup(g, a.taps, a.pointwise, T);
  const bandRows = Math.ceil(g.outHeight / bands);
  const bandPixels = bandRows * g.outWidth;
  const colStride = align(a.taps * bandPixels * 4, 64);
  const colArea = a.pointwise ? 0 : a.scratch.take(colStride * T);
  const packStride = align(gemmPackBytes(bandPixels), 64);
  const packArea = a.scratch.take(packStride * T);
  const task = ctx.addFunction(['i32']);
  const f = task.e.f;
  const grp = f.local('i32'), oh0 = f.local('i32'), pixels = f.local('i32');
  // task t: group t / bands, rows (t mod bands)·bandRows ..
  f.get(0).i32(bands).op('i32.div_s').set(grp);
  f.get(0).i32(bands).op('i32.rem_s').i32(bandRows).op('i32.mul').set(oh0);
  const rows = clampedCount(f, oh0, bandRows, g.outHeight);
  f.get(rows).i32(g.outWidth).op('i32.mul').set(pixels);
  let b: I32, bRs: I32;
  if (a.pointwise) {
    b = { base: xBase, terms: [[grp, a.cPerG * xC * 4], [oh0, g.outWidth * 4]] };
    bRs = xC;
  } else {
    const col = perThread(task.e, colArea, colStride);
    callIm2col(task.e, {
      col: local(col), x: { base: xBase, terms: [[grp, a.cPerG * xC * 4]] }, sC: xC, sH: xH, sW: xW, transposed: false, channels: a.cPerG,
      geometry: g, rows: { outHeight: local(rows), padTop: { base: g.padTop, terms: [[oh0, -g.strideH]] } },
    });
    b = local(col);
    bRs = local(pixels);
  }
  callGemmPackedA(task.e, {
    m: a.oPerG, n: local(pixels), k: a.taps, packedA: { base: a.packed.at, terms: [[grp, a.packed.groupBytes]] }, packedRows: a.packedRows, row0: 0,
    b, bRs, bCs: 1,
    c: { base: a.c.c, terms: [[grp, a.oPerG * a.c.ldc * 4], [oh0, g.outWidth * 4]] }, ldc: a.c.ldc, accumulate: 0,
    pack: local(perThread(task.e, packArea, packStride)),
    ...(a.tile !== undefined ? { epilogue: { table: a.tile, tag: { base: 0, terms: [[grp, a.oPerG]] }, colOffset: { base: 0, terms: [[oh0, g.outWidth]] } } } : {}),
  });
  e0.f.i32(ctx.tableIndex(task.func)).i32(g.groups * bands);
  e0.call('parallelFor');
}

/** Views over [n, c, oh, ow] with row-contiguous pixels (stride(oh) = outW·stride(ow)) as views over [n, c, pixel]. */
function collapsePixels(stores: Store[], outW: number): Store[] | undefined {
  let ok = true;
  const cut = (v: View): View => {
    const [a, b, h, w] = v.strides as [number, number, number, number];
    if (h !== outW * w) ok = false;
    return { ...v, strides: [a, b, w] };
  };
  const out = stores.map((s) => ({ view: cut(s.view), expr: mapExpr(s.expr, (e) => (e.op === 'load' ? { ...e, view: cut(e.view) } : undefined)) }));
  return ok ? out : undefined;
}
