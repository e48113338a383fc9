/**
 * conv2d kernels (forward, input and weight gradients, depthwise) as bytecode calling the prebuilt
 * library (assembly/gemm.ts, conv.ts, depthwise.ts, layout.ts), with the schedule of ../gemm-kernels.ts.
 */
import type { ConvGeometry, ConvKernel, View } from '../../../kernel/ir.ts';
import { gemmPackBytes, imageStores, type ImageView, inputGradAsForward, planConv, ScratchPlan, viewBase } from '../gemm-kernels.ts';
import { ACC_BUFFER, align, type MemoryLayout } from '../layout.ts';
import { bindAccToScratch } from '../rewrite.ts';
import type { Emitter } from './alu.ts';
import type { FunctionBuilder } from './encoder.ts';
import { type AddressOf, emitPointwise, layoutAddress, type ProgramContext } from './nest.ts';
import { callCol2imAdd, callGemm, callGemmPackedA, callIm2col, clampedCount, gather, gemmPack, type I32, local, loop, perThread, plus, pushGeometry, pushI32 } from './library-calls.ts';
import { emitRefreshIfStale, packedABytes } from './weight-cache.ts';
import { emitBandConv, emitRowSplitConv, oneImageSchedule, type PackedWeights, tileEpilogue } from './conv-one-image.ts';

/**
 * Addresses of per-image views for image `n` (a local): axis 0 left the space and is a run-time
 * offset n·imageStride; the accumulator is the block at the local `accT`, not at the scratch base.
 */
function imageAddress(layout: MemoryLayout, n: number, accT: number): AddressOf {
  const plain = layoutAddress(layout);
  return (v, vars) => {
    const a = plain(v, vars);
    if (v.buffer === ACC_BUFFER) return { base: a.base - layout.scratchBase, terms: [...a.terms, [accT, 1]] };
    const stride = (v as ImageView).imageStride ?? 0;
    return stride === 0 ? a : { base: a.base, terms: [...a.terms, [n, stride * 4]] };
  };
}

/** acc[i] += Σ_t partials[t][i] over `count` partial tensors of `bytes` each. */
function emitSumPartials(f: FunctionBuilder, acc: number, partials: number, stride: number, count: number, bytes: number): void {
  loop(f, count, (t) => {
    const p = f.local('i32'), i = f.local('i32');
    f.get(t).i32(stride).op('i32.mul').i32(partials).op('i32.add').set(p);
    const step = (vector: boolean) => {
      // acc + i (offset acc), then acc[i] + p[i]
      f.get(i);
      f.get(i).mem(vector ? 'v128.load' : 'f32.load', acc);
      f.get(p).get(i).op('i32.add').mem(vector ? 'v128.load' : 'f32.load');
      f.op(vector ? 'f32x4.add' : 'f32.add').mem(vector ? 'v128.store' : 'f32.store', acc);
    };
    // i counts bytes: 16 per vector, 4 per scalar
    f.i32(0).set(i);
    f.block().loop();
    f.get(i).i32(bytes - 16).op('i32.gt_s').brIf(1);
    step(true);
    f.get(i).i32(16).op('i32.add').set(i).br(0).end().end();
    f.block().loop();
    f.get(i).i32(bytes).op('i32.ge_s').brIf(1);
    step(false);
    f.get(i).i32(4).op('i32.add').set(i).br(0).end().end();
  });
}


export function emitConv(e0: Emitter, ctx: ProgramContext, kernel: ConvKernel): number {
  const layout = ctx.layout;
  const k = inputGradAsForward(kernel) ?? kernel;
  const g = k.geometry;
  const { cPerG, oPerG, taps, pixels, space, scratch, direct, perImage, byImage, accImageStride, acc, colStride, colArea } = planConv(layout, k, ctx.threads);
  const [xN, xC, xH, xW] = k.input.strides as [number, number, number, number];
  const xBase = viewBase(layout, k.input);
  /** im2col of image n, group grp into `col` */
  const im2col = (e: Emitter, col: I32, n: number, grp: number | undefined): void => callIm2col(e, {
    col, x: { base: xBase, terms: [[n, xN * 4], ...(grp === undefined ? [] : [[grp, cPerG * xC * 4] as [number, number]])] },
    sC: xC, sH: xH, sW: xW, transposed: false, channels: cPerG, geometry: g,
  });
  /** the per-image body runs inline (loop over n) or as a pool task (n = the task index) */
  const forEachImage = (body: (e: Emitter, n: number) => void): void => {
    if (perImage) {
      const task = ctx.addFunction(['i32']);
      body(task.e, 0);
      e0.f.i32(ctx.tableIndex(task.func)).i32(g.batch);
      e0.call('parallelFor');
    } else {
      loop(e0.f, g.batch, (n) => body(e0, n));
    }
  };

  if (k.mode === 'forward' && isDepthwise(g)) {
    if (emitDepthwiseForward(e0, ctx, k, { scratch, direct, perImage, byImage, accImageStride, acc, space, pixels, forEachImage })) return scratch.size;
  } else if (k.mode === 'forward') {
    // the weights are the A of every GEMM below: packed into the micro-kernel's panels once (per
    // change of the weights when cached, else per call), never per image or per thread
    const packed = emitPackedWeights(e0, ctx, kernel, k, scratch, oPerG, taps);
    // a 1×1, stride-1, unpadded conv over row-contiguous planes reads x itself as the column matrix
    const pointwise = g.kernelHeight === 1 && g.kernelWidth === 1 && g.strideH === 1 && g.strideW === 1 && g.padTop === 0 && g.padLeft === 0
      && g.outHeight === g.inHeight && g.outWidth === g.inWidth && xW === 1 && xH === g.inWidth;
    const mr = ctx.constants.GEMM_MR;
    const packedRows = Math.ceil(oPerG / mr) * mr;
    const cBase = direct ? viewBase(layout, direct) : acc;
    /** C of image n, group grp: rows are output channels, columns pixels (the scratch tensor, or the output itself) */
    const cOf = (n: number, grp: number, accT: number): { c: I32; ldc: number } => direct
      ? { c: { base: cBase, terms: [[n, direct.strides[0]! * 4], [grp, oPerG * direct.strides[1]! * 4]] }, ldc: direct.strides[1]! }
      : byImage ? { c: { base: 0, terms: [[accT, 1], [grp, oPerG * pixels * 4]] }, ldc: pixels }
      : { c: { base: acc, terms: [[n, g.outChannels * pixels * 4], [grp, oPerG * pixels * 4]] }, ldc: pixels };
    const schedule = perImage || ctx.threads === 1 ? 'images' : oneImageSchedule(g, oPerG, taps, pixels, ctx.threads, mr);
    // one image on a pool (byImage is off there): C is the output or the whole accumulator
    const splitC = direct ? { c: cBase, ldc: direct.strides[1]! } : { c: acc, ldc: pixels };
    const tile = g.batch === 1 && !direct && acc === layout.scratchBase ? tileEpilogue(ctx, k) : undefined;
    if (schedule === 'rows') {
      emitRowSplitConv(e0, ctx, k, { packed, packedRows, pointwise, scratch, colArea, taps, pixels, c: splitC, tile });
    } else if (schedule === 'bands') {
      emitBandConv(e0, ctx, k, { packed, packedRows, pointwise, scratch, cPerG, oPerG, taps, c: splitC, tile });
    } else {
      // images: a batch split across the pool (each thread its own column matrix and pack area),
      // or every image in turn on one thread (also a small one-image conv on a pool)
      const packStride = align(gemmPackBytes(pixels), 64);
      const packArea = scratch.take(perImage ? packStride * ctx.threads : gemmPackBytes(pixels));
      forEachImage((e, n) => {
        const col: I32 = perImage ? local(perThread(e, colArea, colStride)) : colArea;
        const pack: I32 = perImage ? local(perThread(e, packArea, packStride)) : packArea;
        const accT = byImage ? (perImage ? perThread(e, acc, accImageStride) : (() => { const l = e.f.local('i32'); e.f.i32(acc).set(l); return l; })()) : -1;
        loop(e.f, g.groups, (grp) => {
          if (!pointwise) im2col(e, col, n, grp);
          const b: I32 = pointwise ? { base: xBase, terms: [[n, xN * 4], [grp, cPerG * xC * 4]] } : col;
          callGemmPackedA(e, {
            m: oPerG, n: pixels, k: taps, packedA: { base: packed.at, terms: [[grp, packed.groupBytes]] }, packedRows, row0: 0,
            b, bRs: pointwise ? xC : pixels, bCs: 1,
            ...cOf(n, grp, accT), accumulate: 0, pack,
            ...(tile !== undefined ? { epilogue: { table: tile, tag: { base: 0, terms: [[grp, oPerG]] }, colOffset: 0 } } : {}),
          });
        });
        if (byImage && tile === undefined) emitPointwise(e, ctx, space.slice(1), imageStores(bindAccToScratch(k.stores, space)), false, imageAddress(layout, n, accT));
      });
      if (byImage) return scratch.size;
    }
    if (tile !== undefined) return scratch.size;
  } else if (k.mode === 'input_grad') {
    const w = scratch.take(g.outChannels * taps * 4);
    const dy = scratch.take(g.batch * g.outChannels * pixels * 4);
    const pack = gemmPack(scratch, ctx, pixels);
    gather(e0, w, layout, k.other, [g.outChannels, cPerG, g.kernelHeight, g.kernelWidth]);
    gather(e0, dy, layout, k.input, [g.batch, g.outChannels, g.outHeight, g.outWidth]);
    e0.f.i32(acc).i32(0).i32(g.batch * g.inChannels * g.inHeight * g.inWidth * 4).op('memory.fill');
    loop(e0.f, g.batch, (n) => loop(e0.f, g.groups, (grp) => {
      // col[tap, pixel] = Σ_o W[o, tap] · dy[o, pixel]: A is W transposed (strides 1, taps)
      callGemm(e0, {
        m: taps, n: pixels, k: oPerG,
        a: { base: w, terms: [[grp, oPerG * taps * 4]] }, aRs: 1, aCs: taps,
        b: { base: dy, terms: [[n, g.outChannels * pixels * 4], [grp, oPerG * pixels * 4]] }, bRs: pixels, bCs: 1,
        c: colArea, ldc: pixels, accumulate: 0, ...pack,
      });
      callCol2imAdd(e0, { base: acc, terms: [[n, g.inChannels * g.inHeight * g.inWidth * 4], [grp, cPerG * g.inHeight * g.inWidth * 4]] }, colArea, cPerG, g);
    }));
  } else {
    // weight_grad: `other` is dy over [n, o, oh, ow], `input` is x. With few taps (a first layer's
    // 3×3 over one channel) the GEMM computes dWᵀ[tap, o] = col · dyᵀ, so its wide side is the
    // output channels, not the handful of taps.
    const { NR } = ctx.constants;
    const fewTaps = g.groups === 1 && taps < 2 * NR && g.outChannels > taps;
    const gemmN = fewTaps ? g.outChannels : taps;
    const dy = scratch.take(g.batch * g.outChannels * pixels * 4);
    const accBytes = space.reduce((a, b) => a * b, 1) * 4;
    // threaded: images go to threads; thread 0 accumulates into acc, the others into partials summed after
    const partialStride = align(accBytes, 64);
    const partials = perImage ? scratch.take(partialStride * (ctx.threads - 1)) : 0;
    const packStride = align(gemmPackBytes(gemmN), 64);
    const shared = perImage ? undefined : gemmPack(scratch, ctx, gemmN);
    const packArea = perImage ? scratch.take(packStride * ctx.threads) : 0;
    gather(e0, dy, layout, k.other, [g.batch, g.outChannels, g.outHeight, g.outWidth]);
    if (perImage) {
      e0.f.i32(acc).i32(0).i32(accBytes).op('memory.fill');
      e0.f.i32(partials).i32(0).i32(partialStride * (ctx.threads - 1)).op('memory.fill');
    }
    forEachImage((e, n) => {
      const f = e.f;
      const col: I32 = perImage ? local(perThread(e, colArea, colStride)) : colArea;
      const pack: { pack: I32; packStride?: number } = perImage ? { pack: local(perThread(e, packArea, packStride)) } : shared!;
      // accT: acc (thread 0) or its partial; accumulate: n > 0 inline, always into zeroed partials when threaded
      let accBase: I32 = acc;
      let accumulate: I32;
      if (perImage) {
        const accT = f.local('i32');
        // currentThread() == 0 ? acc : partials + (currentThread() − 1)·partialStride
        f.i32(acc);
        e.call('currentThread');
        f.i32(1).op('i32.sub').i32(partialStride).op('i32.mul').i32(partials).op('i32.add');
        e.call('currentThread');
        f.op('i32.eqz').op('select').set(accT);
        accBase = local(accT);
        accumulate = 1;
      } else {
        const a = f.local('i32');
        f.get(n).i32(0).op('i32.gt_s').set(a);
        accumulate = local(a);
      }
      if (fewTaps) {
        im2col(e, col, n, undefined);
        callGemm(e, {
          m: taps, n: g.outChannels, k: pixels,
          a: col, aRs: pixels, aCs: 1,
          b: { base: dy, terms: [[n, g.outChannels * pixels * 4]] }, bRs: 1, bCs: pixels,
          c: accBase, ldc: g.outChannels, accumulate, ...pack,
        });
      } else {
        loop(f, g.groups, (grp) => {
          im2col(e, col, n, grp);
          // dW[o, tap] += Σ_pixel dy[o, pixel] · col[tap, pixel]: B is col transposed (strides 1, pixels)
          callGemm(e, {
            m: oPerG, n: taps, k: pixels,
            a: { base: dy, terms: [[n, g.outChannels * pixels * 4], [grp, oPerG * pixels * 4]] }, aRs: pixels, aCs: 1,
            b: col, bRs: 1, bCs: pixels,
            c: plus(accBase, 0, [grp, oPerG * taps * 4]), ldc: taps, accumulate, ...pack,
          });
        });
      }
    });
    if (perImage) emitSumPartials(e0.f, acc, partials, partialStride, ctx.threads - 1, accBytes);
    if (fewTaps) {
      const O = g.outChannels;
      emitPointwise(e0, ctx, space, bindAccToScratch(k.stores, space, [1, g.kernelHeight * g.kernelWidth * O, g.kernelWidth * O, O]), true);
      return scratch.size;
    }
  }
  if (!direct) emitPointwise(e0, ctx, space, bindAccToScratch(k.stores, space), true);
  return scratch.size;
}


/**
 * Packs the weights (as a row-major [O, taps] matrix per group) with packAll: into the conv's
 * cache slot when it has one, only when the stamp there is not the weights' current version plus
 * one (bytecode/weight-cache.ts); else into scratch, on every call.
 */
function emitPackedWeights(e: Emitter, ctx: ProgramContext, original: ConvKernel, k: ConvKernel, scratch: ScratchPlan, oPerG: number, taps: number): PackedWeights {
  const layout = ctx.layout;
  const g = k.geometry;
  const slot = ctx.weightCache?.slots.get(original);
  const groupBytes = slot?.groupBytes ?? align(packedABytes(ctx.constants, oPerG, taps), 64);
  const at = slot?.data ?? scratch.take(groupBytes * g.groups);
  const [sO, sC, sH, sW] = k.other.strides as [number, number, number, number];
  const contiguous = sW === 1 && sH === g.kernelWidth && sC === g.kernelHeight * g.kernelWidth && sO === taps;
  // the weights in place when they already are that matrix, else gathered into scratch first
  const w = contiguous ? viewBase(layout, k.other) : scratch.take(g.outChannels * taps * 4);
  const pack = (): void => {
    if (!contiguous) gather(e, w, layout, k.other, [g.outChannels, g.inChannels / g.groups, g.kernelHeight, g.kernelWidth]);
    loop(e.f, g.groups, (grp) => {
      for (const x of [oPerG, taps, { base: w, terms: [[grp, oPerG * taps * 4]] } as I32, taps, 1, { base: at, terms: [[grp, groupBytes]] } as I32]) pushI32(e.f, x);
      e.call('packAll');
    });
  };
  if (slot) emitRefreshIfStale(e, ctx.weightCache!, slot, pack); else pack();
  return { at, groupBytes };
}

/** groups = input channels = output channels: one filter per channel, run by assembly/depthwise.ts. */
export function isDepthwise(g: ConvGeometry): boolean {
  return g.groups > 1 && g.groups === g.inChannels && g.groups === g.outChannels;
}

/** assembly/depthwise.ts depthwiseForward: `channels` planes from x into y (planes yC apart). */
interface DepthwiseArgs {
  y: I32; yC: number; x: I32; sC: number; sH: number; sW: number; w: I32; channels: I32; geometry: ConvGeometry;
  /** per-plane epilogue (table index of a tile epilogue over [batch, C, pixels]), its tag and the first channel's row */
  epilogue?: { table: number; tag: I32; channelOffset: I32 };
}

function callDepthwise(e: Emitter, a: DepthwiseArgs): void {
  for (const x of [a.y, a.yC, a.x, a.sC, a.sH, a.sW, a.w, a.channels]) pushI32(e.f, x);
  pushGeometry(e.f, a.geometry);
  for (const x of [a.epilogue?.table ?? -1, a.epilogue?.tag ?? 0, a.epilogue?.channelOffset ?? 0]) pushI32(e.f, x);
  e.call('depthwiseForward');
}


interface ForwardPlan {
  scratch: ScratchPlan; direct: View | undefined; perImage: boolean; byImage: boolean; accImageStride: number; acc: number;
  space: number[]; pixels: number;
  forEachImage: (body: (e: Emitter, n: number) => void) => void;
}

/**
 * A depthwise forward conv: the direct kernel into the output, the per-image accumulator or the
 * whole accumulator, then the same epilogue as the GEMM path. Threaded builds split a batch by
 * image (as the GEMM path) and a single image by channel blocks. Returns whether the epilogue
 * ran (per image); otherwise the caller runs it over the whole accumulator, unless the kernel
 * wrote its output directly.
 */
function emitDepthwiseForward(e0: Emitter, ctx: ProgramContext, k: ConvKernel, p: ForwardPlan): boolean {
  const layout = ctx.layout;
  const g = k.geometry;
  const C = g.outChannels;
  const taps = g.kernelHeight * g.kernelWidth;
  const [xN, xC, xH, xW] = k.input.strides as [number, number, number, number];
  const xBase = viewBase(layout, k.input);
  const w = p.scratch.take(C * taps * 4);
  gather(e0, w, layout, k.other, [C, 1, g.kernelHeight, g.kernelWidth]);
  const yC = p.direct ? p.direct.strides[1]! : p.pixels;
  // the epilogue fused per plane (in cache), when the accumulator is the whole result space (one
  // image, or not per-image blocks) at the scratch base and the stores neither depend on the
  // position nor overlap the operands
  const fused = !p.direct && (g.batch === 1 || !p.byImage) && p.acc === layout.scratchBase ? tileEpilogue(ctx, k) : undefined;
  const args = (y: I32, x: I32, wAt: I32, channels: I32, n: I32 = 0, c0: I32 = 0): DepthwiseArgs => ({
    y, yC, x, sC: xC, sH: xH, sW: xW, w: wAt, channels, geometry: g, ...(fused !== undefined ? { epilogue: { table: fused, tag: n, channelOffset: c0 } } : {}),
  });
  if (ctx.threads > 1 && !p.perImage) {
    // one image (perImage is false only for batch 1 when threaded): blocks of channels as pool tasks
    const blocks = Math.min(C, ctx.threads * 4);
    const chunk = Math.ceil(C / blocks);
    const task = ctx.addFunction(['i32']);
    const f = task.e.f;
    const c0 = f.local('i32');
    f.get(0).i32(chunk).op('i32.mul').set(c0);
    const cnt = clampedCount(f, c0, chunk, C);
    const y0 = p.direct ? viewBase(layout, p.direct) : p.acc;
    callDepthwise(task.e, args({ base: y0, terms: [[c0, yC * 4]] }, { base: xBase, terms: [[c0, xC * 4]] }, { base: w, terms: [[c0, taps * 4]] }, local(cnt), 0, local(c0)));
    e0.f.i32(ctx.tableIndex(task.func)).i32(Math.ceil(C / chunk));
    e0.call('parallelFor');
    // unfused, the accumulator of one image is the whole result space: the caller's threaded epilogue runs over it
    return fused !== undefined;
  }
  if (fused !== undefined) {
    // the accumulator is the whole space: image n's block at acc + n·C·pixels
    p.forEachImage((e, n) => callDepthwise(e, args({ base: p.acc, terms: [[n, C * p.pixels * 4]] }, { base: xBase, terms: [[n, xN * 4]] }, w, C, local(n))));
    return true;
  }
  p.forEachImage((e, n) => {
    const x: I32 = { base: xBase, terms: [[n, xN * 4]] };
    if (p.byImage) {
      const accT = p.perImage ? perThread(e, p.acc, p.accImageStride) : (() => { const l = e.f.local('i32'); e.f.i32(p.acc).set(l); return l; })();
      callDepthwise(e, args(local(accT), x, w, C));
      emitPointwise(e, ctx, p.space.slice(1), imageStores(bindAccToScratch(k.stores, p.space)), false, imageAddress(layout, n, accT));
      return;
    }
    const y: I32 = p.direct ? { base: viewBase(layout, p.direct), terms: [[n, p.direct.strides[0]! * 4]] } : { base: p.acc, terms: [[n, C * p.pixels * 4]] };
    callDepthwise(e, args(y, x, w, C));
  });
  return p.byImage;
}
