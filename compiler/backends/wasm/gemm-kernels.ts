/**
 * Matmul and conv2d kernels: lowered onto assembly/gemm.ts (packed register-tiled GEMM) with
 * im2col/col2im from assembly/conv.ts. Each computes its accumulator tensor into scratch, then
 * the fused epilogue (the kernel's stores, `acc` bound to that tensor) runs as a pointwise nest
 * over the result space. A matmul whose only store is `acc` into a row-contiguous view skips
 * the scratch tensor and lets the GEMM write the output directly.
 */
import type { ConvKernel, Expr, MatmulKernel, Store, View } from '../../kernel/ir.ts';
import { usesIndex, type Scope } from './expr.ts';
import { ACC_BUFFER, align, type MemoryLayout } from './layout.ts';
import { emitPointwise, emitStores, linearIndexOf, vectorizable, type PointwiseParallel } from './pointwise.ts';
import { bindAccToScratch, mapExpr } from './rewrite.ts';
import type { Source } from './source.ts';
import { KERNEL_BUILD } from './kernel-library.ts';

// assembly/gemm.ts's planning constants (the largest tile and m-block of both builds), read from
// the built library's exports (KERNEL_BUILD_INFO in kernels/kernels.generated.ts), so they are defined once, in assembly/.
const { PLAN_EDGE_ROWS: GEMM_EDGE_ROWS, PLAN_MC: GEMM_MC, KC: GEMM_KC, NR: GEMM_NR } = KERNEL_BUILD.variants.plain.constants;

/** Edge tile + packed A + packed B, as assembly/gemm.ts's gemmPackBytes. */
export function gemmPackBytes(n: number): number {
  return GEMM_EDGE_ROWS * GEMM_NR * 4 + (GEMM_MC * GEMM_KC + GEMM_KC * align(n, GEMM_NR)) * 4;
}

/** What a kernel emitter knows besides its kernel: its function name and where helper functions go. */
export interface KernelContext {
  name: string;
  helpers: Source;
  /** threads of the pool the module is built for (1: no pool) */
  threads: number;
}

/** The pointwise-threading settings of a kernel's epilogue or elementwise nest. */
export function parallelOf(ctx: KernelContext): PointwiseParallel | undefined {
  return ctx.threads > 1 ? { helpers: ctx.helpers, name: `${ctx.name}_part`, threads: ctx.threads } : undefined;
}

/** Reserves GEMM packing scratch (one area per thread) and names the GEMM entry to call. */
function gemmCall(scratch: ScratchPlan, ctx: KernelContext, n: number): { fn: string; pack: string } {
  if (ctx.threads <= 1) return { fn: 'gemm', pack: String(scratch.take(gemmPackBytes(n))) };
  const stride = align(gemmPackBytes(n), 64);
  return { fn: 'gemmParallel', pack: `${scratch.take(stride * ctx.threads)}, ${stride}` };
}

/** Carves consecutive 64-byte-aligned regions out of the scratch area. */
export class ScratchPlan {
  private bytes = 0;
  constructor(private readonly base: number) {}
  take(bytes: number): number {
    const at = this.base + this.bytes;
    this.bytes += align(bytes, 64);
    return at;
  }
  get size(): number {
    return this.bytes;
  }
}

export function viewBase(layout: MemoryLayout, v: View): number {
  return layout.bufferAddress(v.buffer) + v.offset * 4;
}

export function directOutput(layout: MemoryLayout, k: MatmulKernel): View | undefined {
  if (k.stores.length !== 1) return undefined;
  const s = k.stores[0]!;
  if (s.expr.op !== 'acc' || s.expr.dtype !== 'f32' || layout.dtype(s.view.buffer) !== 'f32') return undefined;
  // the GEMM writes C while it still reads A and B, so C must not share memory with them
  if (s.view.strides[2] !== 1 || layout.overlaps(s.view.buffer, k.a.buffer) || layout.overlaps(s.view.buffer, k.b.buffer)) return undefined;
  return s.view;
}

export function emitMatmul(out: Source, layout: MemoryLayout, k: MatmulKernel, ctx: KernelContext): number {
  for (const [what, v] of [['a', k.a], ['b', k.b]] as const) {
    if (layout.dtype(v.buffer) !== 'f32') throw new Error(`wasm backend: matmul "${k.name}" operand ${what} must be f32 (buffer ${v.buffer} is i32)`);
  }
  const scratch = new ScratchPlan(layout.scratchBase);
  const direct = directOutput(layout, k);
  const space = [k.batch, k.m, k.n];
  const accBytes = k.batch * k.m * k.n * 4;
  const acc = direct ? 0 : scratch.take(accBytes);
  const { fn, pack } = gemmCall(scratch, ctx, k.n);
  const stores = bindAccToScratch(k.stores, space);
  // per-tile epilogue unless a store writes into an operand the GEMM is still reading
  const perTile = !direct && k.k > 0 && !stores.some((s) => layout.overlaps(s.view.buffer, k.a.buffer) || layout.overlaps(s.view.buffer, k.b.buffer));
  const [aB, aRs, aCs] = k.a.strides as [number, number, number];
  const [bB, bRs, bCs] = k.b.strides as [number, number, number];
  const c = direct ? `${viewBase(layout, direct)} + b * ${direct.strides[0]! * 4}` : `${acc} + b * ${k.m * k.n * 4}`;
  const ldc = direct ? direct.strides[1]! : k.n;
  out.open(`for (let b: i32 = 0; b < ${k.batch}; b++)`);
  out.line(`${fn}(${k.m}, ${k.n}, ${k.k}, <usize>(${viewBase(layout, k.a)} + b * ${aB * 4}), ${aRs}, ${aCs}, ` +
    `<usize>(${viewBase(layout, k.b)} + b * ${bB * 4}), ${bRs}, ${bCs}, <usize>(${c}), ${ldc}, false, ${pack}, ${perTile ? `${ctx.name}_tile.index, b` : '-1, 0'}${fn === 'gemm' ? ', 0' : ''});`);
  out.close();
  if (!direct && !perTile) emitPointwise(out, layout, space, stores, 'i', parallelOf(ctx));
  // the GEMM calls the tile epilogue through the function table, so it is a function of its own
  if (perTile) emitTileEpilogue(ctx.helpers, layout, stores, space, `${ctx.name}_tile`);
  return scratch.size;
}

/** The matmul's stores over one tile [b, rows r0.., cols c0..] of [batch, m, n]. */
function emitTileEpilogue(out: Source, layout: MemoryLayout, stores: Store[], space: number[], name: string): void {
  const vars = ['i0', 'i1', 'i2'];
  const scope: Scope = { indexVars: vars, linearIndex: linearIndexOf(vars, space), address: (v) => layout.address(v, vars) };
  out.open(`function ${name}(i0: i32, r0: i32, rows: i32, c0: i32, cols: i32): void`);
  out.open('for (let i1: i32 = r0; i1 < r0 + rows; i1++)');
  out.line('let i2: i32 = c0;');
  if (vectorizable(layout, stores, 2, space[2]!)) {
    out.open('for (; i2 <= c0 + cols - 4; i2 += 4)');
    emitStores(out, layout, stores, scope, 2);
    out.close();
  }
  out.open('for (; i2 < c0 + cols; i2++)');
  emitStores(out, layout, stores, scope);
  out.close();
  out.close();
  out.close();
}

/**
 * A stride-1, ungrouped input gradient is a forward convolution of dy with the weights flipped
 * and transposed (W'[c, o, kh, kw] = w[o, c, KH−1−kh, KW−1−kw], padding (K−1)·d − p): one GEMM
 * into dx per image, no column-to-image scatter.
 */
export function inputGradAsForward(k: ConvKernel): ConvKernel | undefined {
  const g = k.geometry;
  if (k.mode !== 'input_grad' || g.strideH !== 1 || g.strideW !== 1 || g.groups !== 1) return undefined;
  const [sO, sC, sKh, sKw] = k.other.strides as [number, number, number, number];
  return {
    ...k,
    mode: 'forward',
    geometry: {
      ...g, inChannels: g.outChannels, outChannels: g.inChannels, inHeight: g.outHeight, inWidth: g.outWidth, outHeight: g.inHeight, outWidth: g.inWidth,
      padTop: (g.kernelHeight - 1) * g.dilationH - g.padTop, padLeft: (g.kernelWidth - 1) * g.dilationW - g.padLeft,
    },
    other: { buffer: k.other.buffer, offset: k.other.offset + (g.kernelHeight - 1) * sKh + (g.kernelWidth - 1) * sKw, strides: [sC, sO, -sKh, -sKw] },
  };
}

/**
 * The plan both WASM renderers give a convolution (k already in its forward form where the input
 * gradient runs as one): per-group sizes, the result space, and the scratch areas — the
 * accumulator (none when the conv writes its output directly; one block per image, per thread,
 * when the epilogue runs per image) and the im2col column matrix (one per thread when threaded
 * builds split the batch by image).
 */
export function planConv(layout: MemoryLayout, k: ConvKernel, threads: number) {
  const g = k.geometry;
  for (const [what, v] of [['input', k.input], ['other', k.other]] as const) {
    if (layout.dtype(v.buffer) !== 'f32') throw new Error(`wasm backend: conv2d "${k.name}" operand ${what} must be f32`);
  }
  if (g.inChannels % g.groups || g.outChannels % g.groups) {
    throw new Error(`wasm backend: conv2d "${k.name}": channels ${g.inChannels}→${g.outChannels} not divisible by groups ${g.groups}`);
  }
  const cPerG = g.inChannels / g.groups;
  const oPerG = g.outChannels / g.groups;
  const taps = cPerG * g.kernelHeight * g.kernelWidth; // the GEMM's reduction length per group
  const pixels = g.outHeight * g.outWidth;
  const space = k.mode === 'forward' ? [g.batch, g.outChannels, g.outHeight, g.outWidth]
    : k.mode === 'input_grad' ? [g.batch, g.inChannels, g.inHeight, g.inWidth]
    : [g.outChannels, cPerG, g.kernelHeight, g.kernelWidth];
  const scratch = new ScratchPlan(layout.scratchBase);
  const direct = k.mode === 'forward' ? directConvOutput(layout, k) : undefined;
  // threaded builds split the batch: every thread gets its own column matrix and GEMM scratch
  const perImage = k.mode !== 'input_grad' && threads > 1 && g.batch > 1;
  // a forward conv's epilogue runs per image while its accumulator block is still in cache; not
  // for one image on a pool, whose per-image epilogue would run on the main thread alone while the
  // workers wait (the whole-space epilogue is split across the pool)
  const byImage = k.mode === 'forward' && !direct && imageEpilogueApplies(layout, k) && !(threads > 1 && g.batch === 1);
  const accImageStride = align(g.outChannels * pixels * 4, 64);
  const acc = direct ? 0 : scratch.take(byImage ? accImageStride * (perImage ? threads : 1) : space.reduce((a, b) => a * b, 1) * 4);
  const colStride = align(taps * pixels * 4, 64);
  const colArea = scratch.take(perImage ? colStride * threads : taps * pixels * 4);
  return { cPerG, oPerG, taps, pixels, space, scratch, direct, perImage, byImage, accImageStride, acc, colStride, colArea };
}

export function emitConv(out: Source, layout: MemoryLayout, kernel: ConvKernel, ctx: KernelContext): number {
  const k = inputGradAsForward(kernel) ?? kernel;
  const outer = out;
  const g = k.geometry;
  const { cPerG, oPerG, taps, pixels, space, scratch, direct, perImage, byImage, accImageStride, acc, colStride, colArea } = planConv(layout, k, ctx.threads);
  const geom = `${g.inHeight}, ${g.inWidth}, ${g.kernelHeight}, ${g.kernelWidth}, ${g.outHeight}, ${g.outWidth}, ` +
    `${g.strideH}, ${g.strideW}, ${g.padTop}, ${g.padLeft}, ${g.dilationH}, ${g.dilationW}`;
  const col = perImage ? 'col' : String(colArea);
  const [xN, xC, xH, xW] = k.input.strides as [number, number, number, number];
  const xBase = viewBase(layout, k.input);
  const im2col = (n: string, grp: string, transposed: boolean): string =>
    `im2col(${col}, <usize>(${xBase} + (${n} * ${xN} + ${grp} * ${cPerG * xC}) * 4), ${xC}, ${xH}, ${xW}, ${transposed}, ${cPerG}, ${geom});`;

  if (k.mode === 'forward') {
    const w = scratch.take(g.outChannels * taps * 4);
    const packStride = align(gemmPackBytes(pixels), 64);
    const { fn, pack } = perImage
      ? { fn: 'gemm', pack: 'pack' }
      : gemmCall(scratch, ctx, pixels);
    const packArea = perImage ? scratch.take(packStride * ctx.threads) : 0;
    gather(out, w, layout, k.other, [g.outChannels, cPerG, g.kernelHeight, g.kernelWidth]);
    let body = out;
    if (perImage) {
      out.line(`parallelFor(${ctx.name}_image.index, ${g.batch});`);
      body = ctx.helpers;
      body.open(`function ${ctx.name}_image(n: i32): void`);
      body.line(`const col: usize = ${colArea} + <usize>(currentThread() * ${colStride});`);
      body.line(`const pack: usize = ${packArea} + <usize>(currentThread() * ${packStride});`);
      if (byImage) body.line(`const accT: usize = ${acc} + <usize>(currentThread() * ${accImageStride});`);
      body.open(`for (let grp: i32 = 0; grp < ${g.groups}; grp++)`);
    } else {
      out.open(`for (let n: i32 = 0; n < ${g.batch}; n++)`);
      if (byImage) out.line(`const accT: usize = ${acc};`);
      out.open(`for (let grp: i32 = 0; grp < ${g.groups}; grp++)`);
    }
    out = body;
    // a 1×1, stride-1, unpadded conv over row-contiguous planes reads x itself as the column matrix
    const pointwise = g.kernelHeight === 1 && g.kernelWidth === 1 && g.strideH === 1 && g.strideW === 1 && g.padTop === 0 && g.padLeft === 0
      && g.outHeight === g.inHeight && g.outWidth === g.inWidth && xW === 1 && xH === g.inWidth;
    const cols = pointwise ? `<usize>(${xBase} + (n * ${xN} + grp * ${cPerG * xC}) * 4), ${xC}` : `${col}, ${pixels}`;
    if (!pointwise) out.line(im2col('n', 'grp', false));
    // C rows are output channels, columns pixels: the scratch tensor, or the output itself
    const c = direct
      ? `<usize>(${viewBase(layout, direct)} + (n * ${direct.strides[0]} + grp * ${oPerG * direct.strides[1]!}) * 4), ${direct.strides[1]}`
      : byImage ? `<usize>(accT + grp * ${oPerG * pixels * 4}), ${pixels}`
      : `<usize>(${acc} + (n * ${g.outChannels} + grp * ${oPerG}) * ${pixels * 4}), ${pixels}`;
    out.line(`${fn}(${oPerG}, ${pixels}, ${taps}, <usize>(${w} + grp * ${oPerG * taps * 4}), ${taps}, 1, ${cols}, 1, ` +
      `${c}, false, ${pack}, -1, 0${fn === 'gemm' ? ', 0' : ''});`);
    out.close();
    if (byImage) emitPointwise(out, imageLayout(layout, 'accT'), space.slice(1), imageStores(bindAccToScratch(k.stores, space)));
    out.close();
    out = outer;
    if (byImage) return scratch.size;
  } else if (k.mode === 'input_grad') {
    const w = scratch.take(g.outChannels * taps * 4);
    const dy = scratch.take(g.batch * g.outChannels * pixels * 4);
    const { fn, pack } = gemmCall(scratch, ctx, pixels);
    gather(out, w, layout, k.other, [g.outChannels, cPerG, g.kernelHeight, g.kernelWidth]);
    gather(out, dy, layout, k.input, [g.batch, g.outChannels, g.outHeight, g.outWidth]);
    out.line(`memory.fill(${acc}, 0, ${g.batch * g.inChannels * g.inHeight * g.inWidth * 4});`);
    out.open(`for (let n: i32 = 0; n < ${g.batch}; n++)`).open(`for (let grp: i32 = 0; grp < ${g.groups}; grp++)`);
    // col[tap, pixel] = Σ_o W[o, tap] · dy[o, pixel]: A is W transposed (strides 1, taps)
    out.line(`${fn}(${taps}, ${pixels}, ${oPerG}, <usize>(${w} + grp * ${oPerG * taps * 4}), 1, ${taps}, ` +
      `<usize>(${dy} + (n * ${g.outChannels} + grp * ${oPerG}) * ${pixels * 4}), ${pixels}, 1, ${col}, ${pixels}, false, ${pack}, -1, 0${fn === 'gemm' ? ', 0' : ''});`);
    out.line(`col2imAdd(<usize>(${acc} + (n * ${g.inChannels} + grp * ${cPerG}) * ${g.inHeight * g.inWidth * 4}), ${col}, ${cPerG}, ${geom});`);
    out.close().close();
  } else {
    // weight_grad: `other` is dy over [n, o, oh, ow], `input` is x. With few taps (a first layer's
    // 3×3 over one channel) the GEMM computes dWᵀ[tap, o] = col · dyᵀ, so its wide side is the
    // output channels, not the handful of taps.
    const fewTaps = g.groups === 1 && taps < 2 * GEMM_NR && g.outChannels > taps;
    const gemmN = fewTaps ? g.outChannels : taps;
    const dy = scratch.take(g.batch * g.outChannels * pixels * 4);
    const accBytes = space.reduce((a, b) => a * b, 1) * 4;
    // threaded: images go to threads; thread 0 accumulates into acc, the others into partials summed after
    const partialStride = align(accBytes, 64);
    const partials = perImage ? scratch.take(partialStride * (ctx.threads - 1)) : 0;
    const packStride = align(gemmPackBytes(gemmN), 64);
    const { fn, pack } = perImage ? { fn: 'gemm', pack: 'pack' } : gemmCall(scratch, ctx, gemmN);
    const packArea = perImage ? scratch.take(packStride * ctx.threads) : 0;
    gather(out, dy, layout, k.other, [g.batch, g.outChannels, g.outHeight, g.outWidth]);
    let body = out;
    let accBase = String(acc);
    let accumulate = 'n > 0';
    if (perImage) {
      out.line(`memory.fill(${acc}, 0, ${accBytes});`);
      out.line(`memory.fill(${partials}, 0, ${partialStride * (ctx.threads - 1)});`);
      out.line(`parallelFor(${ctx.name}_image.index, ${g.batch});`);
      emitSumPartials(out, acc, partials, partialStride, ctx.threads - 1, accBytes);
      body = ctx.helpers;
      body.open(`function ${ctx.name}_image(n: i32): void`);
      body.line(`const col: usize = ${colArea} + <usize>(currentThread() * ${colStride});`);
      body.line(`const pack: usize = ${packArea} + <usize>(currentThread() * ${packStride});`);
      body.line(`const accT: usize = currentThread() == 0 ? ${acc} : ${partials} + <usize>((currentThread() - 1) * ${partialStride});`);
      accBase = 'accT';
      accumulate = 'true';
    } else {
      out.open(`for (let n: i32 = 0; n < ${g.batch}; n++)`);
    }
    if (fewTaps) {
      body.line(im2col('n', '0', false));
      body.line(`${fn}(${taps}, ${g.outChannels}, ${pixels}, ${col}, ${pixels}, 1, <usize>(${dy} + n * ${g.outChannels * pixels * 4}), 1, ${pixels}, ` +
        `${accBase}, ${g.outChannels}, ${accumulate}, ${pack}, -1, 0${fn === 'gemm' ? ', 0' : ''});`);
    } else {
      body.open(`for (let grp: i32 = 0; grp < ${g.groups}; grp++)`);
      body.line(im2col('n', 'grp', false));
      // dW[o, tap] += Σ_pixel dy[o, pixel] · col[tap, pixel]: B is col transposed (strides 1, pixels)
      body.line(`${fn}(${oPerG}, ${taps}, ${pixels}, <usize>(${dy} + (n * ${g.outChannels} + grp * ${oPerG}) * ${pixels * 4}), ${pixels}, 1, ` +
        `${col}, 1, ${pixels}, <usize>(${accBase} + grp * ${oPerG * taps * 4}), ${taps}, ${accumulate}, ${pack}, -1, 0${fn === 'gemm' ? ', 0' : ''});`);
      body.close();
    }
    body.close();
    if (fewTaps) {
      const O = g.outChannels;
      emitPointwise(out, layout, space, bindAccToScratch(k.stores, space, [1, g.kernelHeight * g.kernelWidth * O, g.kernelWidth * O, O]), 'i', parallelOf(ctx));
      return scratch.size;
    }
  }
  if (!direct) emitPointwise(out, layout, space, bindAccToScratch(k.stores, space), 'i', parallelOf(ctx));
  return scratch.size;
}

/**
 * A forward conv whose only store is `acc` into an f32 view with row-contiguous pixels
 * (stride(ow) = 1, stride(oh) = outWidth), not overlapping its operands, lets the GEMM write
 * the output directly.
 */
export function directConvOutput(layout: MemoryLayout, k: ConvKernel): View | undefined {
  if (k.stores.length !== 1) return undefined;
  const s = k.stores[0]!;
  if (s.expr.op !== 'acc' || s.expr.dtype !== 'f32' || layout.dtype(s.view.buffer) !== 'f32') return undefined;
  const [, , sH, sW] = s.view.strides as [number, number, number, number];
  if (sW !== 1 || sH !== k.geometry.outWidth) return undefined;
  if (layout.overlaps(s.view.buffer, k.input.buffer) || layout.overlaps(s.view.buffer, k.other.buffer)) return undefined;
  return s.view;
}

/** Copies a 4-D strided view into contiguous scratch at `dst`. */
function gather(out: Source, dst: number, layout: MemoryLayout, v: View, dims: number[]): void {
  out.line(`gather4(${dst}, ${viewBase(layout, v)}, ${dims.join(', ')}, ${v.strides.join(', ')});`);
}

/** acc[i] += Σ_t partials[t][i] over `count` partial tensors of `bytes` each. */
function emitSumPartials(out: Source, acc: number, partials: number, stride: number, count: number, bytes: number): void {
  out.open(`for (let t: i32 = 0; t < ${count}; t++)`);
  out.line(`const p: usize = ${partials} + <usize>(t * ${stride});`);
  out.line('let i: i32 = 0;');
  out.line(`for (; i <= ${bytes - 16}; i += 16) v128.store(${acc} + <usize>i, f32x4.add(v128.load(${acc} + <usize>i), v128.load(p + <usize>i)));`);
  out.line(`for (; i < ${bytes}; i += 4) store<f32>(${acc} + <usize>i, load<f32>(${acc} + <usize>i) + load<f32>(p + <usize>i));`);
  out.close();
}

/** A view of one image: axis 0 leaves the iteration space and becomes a run-time offset n·imageStride. */
export type ImageView = View & { imageStride?: number };

export function imageStores(stores: Store[]): Store[] {
  const cut = (v: View): ImageView => ({ buffer: v.buffer, offset: v.offset, strides: v.strides.slice(1), imageStride: v.strides[0]! });
  return stores.map((s) => ({ view: cut(s.view), expr: mapExpr(s.expr, (e) => (e.op === 'load' ? { ...e, view: cut(e.view) } : undefined)) }));
}

/** Addresses of image views for image `n`; the accumulator is the block at `accVar`, not at the scratch base. */
function imageLayout(layout: MemoryLayout, accVar: string): MemoryLayout {
  const l = Object.create(layout) as MemoryLayout;
  l.address = (v, vars) => {
    const base = layout.address(v, vars);
    if (v.buffer === ACC_BUFFER) return `${base} + <i32>(${accVar} - ${layout.scratchBase})`;
    const stride = (v as ImageView).imageStride ?? 0;
    return stride === 0 ? base : `${base} + n * ${stride * 4}`;
  };
  return l;
}

/**
 * Per-image epilogues need stores that neither depend on the position in the whole space (index,
 * random) nor write where the convolution still reads later images.
 */
export function imageEpilogueApplies(layout: MemoryLayout, k: ConvKernel): boolean {
  const positional = (e: Expr): boolean => usesIndex(e, new Set([0, 1, 2, 3])) || containsRandom(e);
  return k.stores.every((s) => !positional(s.expr)
    && !layout.overlaps(s.view.buffer, k.input.buffer) && !layout.overlaps(s.view.buffer, k.other.buffer));
}

function containsRandom(e: Expr): boolean {
  let found = false;
  mapExpr(e, (x) => { if (x.op === 'random') found = true; return undefined; });
  return found;
}
