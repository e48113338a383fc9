/**
 * Matmul and conv2d kernels as bytecode calling the prebuilt library (assembly/gemm.ts,
 * conv.ts, layout.ts), with the schedule of ../gemm-kernels.ts. Library calls take typed
 * argument records (GemmArgs, Im2colArgs, …) pushed in the library's parameter order, so no
 * call site counts positional arguments.
 */
import type { ConvGeometry, ConvKernel, MatmulKernel, Store, View } from '../../../kernel/ir.ts';
import {
  directOutput, gemmPackBytes, imageEpilogueApplies, imageStores, inputGradAsForward, planConv, ScratchPlan, viewBase, type ImageView,
} from '../gemm-kernels.ts';
import { ACC_BUFFER, align, type MemoryLayout } from '../layout.ts';
import { bindAccToScratch, mapExpr } from '../rewrite.ts';
import type { Emitter } from './alu.ts';
import type { Address, Scope } from './expr.ts';
import type { FunctionBuilder } from './encoder.ts';
import { emitPointwise, emitStores, innerLoops, layoutAddress, vectorizable, type AddressOf, type ProgramContext } from './nest.ts';

/** An i32 argument: a constant, or base + Σ local·coefficient. */
export type I32 = number | Address;

function pushI32(f: FunctionBuilder, x: I32): void {
  if (typeof x === 'number') { f.i32(x); return; }
  if (x.terms.length === 0) { f.i32(x.base); return; }
  x.terms.forEach(([l, c], i) => {
    f.get(l);
    if (c !== 1) f.i32(c).op('i32.mul');
    if (i > 0) f.op('i32.add');
  });
  if (x.base !== 0) f.i32(x.base).op('i32.add');
}

const plus = (a: I32, base: number, ...terms: [number, number][]): Address =>
  typeof a === 'number' ? { base: a + base, terms } : { base: a.base + base, terms: [...a.terms, ...terms] };
const local = (l: number): Address => ({ base: 0, terms: [[l, 1]] });

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

/** A GEMM whose A was packed once by packAll (assembly/gemm.ts): gemmPackedA, single-threaded. */
export interface PackedAGemmArgs {
  m: number; n: number; k: number;
  packedA: I32;
  b: I32; bRs: number; bCs: number;
  c: I32; ldc: number; accumulate: I32;
  pack: I32;
}

function callGemmPackedA(e: Emitter, g: PackedAGemmArgs): void {
  for (const x of [g.m, g.n, g.k, g.packedA, g.b, g.bRs, g.bCs, g.c, g.ldc, g.accumulate, g.pack]) pushI32(e.f, x);
  e.f.i32(-1).i32(0).i32(0);
  e.call('gemmPackedA');
}

/** Bytes packAll needs for an m×k A, for either build's tile height (at most PLAN_EDGE_ROWS). */
function packedABytes(ctx: ProgramContext, m: number, k: number): number {
  return (m + ctx.constants.PLAN_EDGE_ROWS) * k * 4;
}

export function callGemm(e: Emitter, g: GemmArgs): void {
  const f = e.f;
  for (const x of [g.m, g.n, g.k, g.a, g.aRs, g.aCs, g.b, g.bRs, g.bCs, g.c, g.ldc, g.accumulate, g.pack]) pushI32(f, x);
  if (g.packStride !== undefined) f.i32(g.packStride);
  f.i32(g.epilogue?.table ?? -1);
  pushI32(f, g.epilogue?.tag ?? 0);
  if (g.packStride === undefined) { pushI32(f, g.colOffset ?? 0); e.call('gemm'); } else e.call('gemmParallel');
}

/** The convolution geometry tail shared by im2col and col2imAdd, in the library's order. */
function pushGeometry(f: FunctionBuilder, g: ConvGeometry): void {
  for (const x of [g.inHeight, g.inWidth, g.kernelHeight, g.kernelWidth, g.outHeight, g.outWidth, g.strideH, g.strideW, g.padTop, g.padLeft, g.dilationH, g.dilationW]) f.i32(x);
}

/** assembly/conv.ts im2col: the column matrix of `channels` input channels at `x`. */
interface Im2colArgs { col: I32; x: I32; sC: number; sH: number; sW: number; transposed: boolean; channels: number; geometry: ConvGeometry }

function callIm2col(e: Emitter, a: Im2colArgs): void {
  for (const x of [a.col, a.x, a.sC, a.sH, a.sW, a.transposed ? 1 : 0, a.channels]) pushI32(e.f, x);
  pushGeometry(e.f, a.geometry);
  e.call('im2col');
}

/** assembly/conv.ts col2imAdd: dx[c, ih, iw] += col over the taps of every output position. */
function callCol2imAdd(e: Emitter, dx: I32, col: I32, channels: number, g: ConvGeometry): void {
  for (const x of [dx, col, channels]) pushI32(e.f, x);
  pushGeometry(e.f, g);
  e.call('col2imAdd');
}

/** Copies a 4-D strided view into contiguous scratch at `dst` (assembly/layout.ts gather4). */
function gather(e: Emitter, dst: number, layout: MemoryLayout, v: View, dims: number[]): void {
  e.f.i32(dst).i32(viewBase(layout, v));
  for (const d of dims) e.f.i32(d);
  for (const s of v.strides) e.f.i32(s);
  e.call('gather4');
}

/** Reserves GEMM packing scratch (one area per thread in threaded builds). */
function gemmPack(scratch: ScratchPlan, ctx: ProgramContext, n: number): { pack: number; packStride?: number } {
  if (ctx.threads <= 1) return { pack: scratch.take(gemmPackBytes(n)) };
  const stride = align(gemmPackBytes(n), 64);
  return { pack: scratch.take(stride * ctx.threads), packStride: stride };
}

/** `for (v = 0; v < n; v++) body()` */
function loop(f: FunctionBuilder, n: number, body: (v: number) => void): void {
  const v = f.local('i32');
  f.forRange(v, () => f.i32(0), () => f.i32(n), 1, () => body(v));
}

/**
 * Multiply-adds below which a matmul stays on the calling thread: a fork-join costs tens of
 * microseconds when the worker has to be woken or was preempted (a loaded 2-core machine),
 * about what 2^20 multiply-adds take on one core.
 */
export const GEMM_PARALLEL_MIN_MACS = 1 << 20;
/** Pool tasks per thread: small enough that a preempted worker holds back little of the kernel. */
const TASKS_PER_THREAD = 4;
/** A task re-packs the operand it does not slice: keep slices this wide so packing stays a few % of the work. */
const MIN_SLICE = 64;

/**
 * How a matmul uses the pool: `serial` on the calling thread, or one fork-join for the whole
 * kernel whose tasks are (batch item, slice) pairs: each item's rows (when M ≥ N: a task packs
 * all of B, k·N, and its rows of A) or columns (packs all of A) cut into `parts` slices of `slice`.
 */
export type MatmulSchedule =
  | { kind: 'serial' }
  | { kind: 'split'; axis: 'rows' | 'columns'; parts: number; slice: number; tasks: number };

export function matmulSchedule(threads: number, k: Pick<MatmulKernel, 'batch' | 'm' | 'n' | 'k'>): MatmulSchedule {
  const macs = k.m * k.n * Math.max(1, k.k);
  if (threads <= 1 || k.batch * macs < GEMM_PARALLEL_MIN_MACS || k.m === 0 || k.n === 0) return { kind: 'serial' };
  const axis = k.m >= k.n ? 'rows' : 'columns';
  const extent = axis === 'rows' ? k.m : k.n;
  // slices per item so that batch · parts reaches TASKS_PER_THREAD tasks per thread
  const wanted = Math.max(1, Math.ceil((threads * TASKS_PER_THREAD) / k.batch));
  const step = axis === 'rows' ? 24 : 8; // whole micro-tiles (MR 4 or 6; NR 8)
  const slice = Math.ceil(Math.max(MIN_SLICE, Math.ceil(extent / wanted)) / step) * step;
  const parts = Math.ceil(extent / slice);
  const tasks = k.batch * parts;
  return tasks < 2 ? { kind: 'serial' } : { kind: 'split', axis, parts, slice, tasks };
}

export function emitMatmul(e: Emitter, ctx: ProgramContext, k: MatmulKernel): number {
  const layout = ctx.layout;
  for (const [what, v] of [['a', k.a], ['b', k.b]] as const) {
    if (layout.dtype(v.buffer) !== 'f32') throw new Error(`wasm backend: matmul "${k.name}" operand ${what} must be f32 (buffer ${v.buffer} is i32)`);
  }
  const scratch = new ScratchPlan(layout.scratchBase);
  const direct = directOutput(layout, k);
  const space = [k.batch, k.m, k.n];
  const acc = direct ? 0 : scratch.take(k.batch * k.m * k.n * 4);
  const schedule = matmulSchedule(ctx.threads, k);
  const packStride = align(gemmPackBytes(k.n), 64);
  const pack = scratch.take(schedule.kind === 'split' ? packStride * ctx.threads : gemmPackBytes(k.n));
  const stores = bindAccToScratch(k.stores, space);
  // per-tile epilogue unless a store writes into an operand the GEMM is still reading
  const perTile = !direct && k.k > 0 && !stores.some((s) => layout.overlaps(s.view.buffer, k.a.buffer) || layout.overlaps(s.view.buffer, k.b.buffer));
  const [aB, aRs, aCs] = k.a.strides as [number, number, number];
  const [bB, bRs, bCs] = k.b.strides as [number, number, number];
  const epilogue = perTile ? ctx.tableIndex(emitTileEpilogue(ctx, stores, space)) : undefined;
  const [cB, ldc] = direct ? [direct.strides[0]!, direct.strides[1]!] : [k.m * k.n, k.n];
  const cBase = direct ? viewBase(layout, direct) : acc;
  /** item `b` (a local), rows [r0, r0 + m) or columns [c0, c0 + n) of it; r0/c0 locals or absent */
  const item = (e: Emitter, b: number, packAt: I32, slice?: { axis: 'rows' | 'columns'; at: number; len: number }) => {
    const rows = slice?.axis === 'rows', cols = slice?.axis === 'columns';
    callGemm(e, {
      m: rows ? local(slice!.len) : k.m, n: cols ? local(slice!.len) : k.n, k: k.k,
      a: { base: viewBase(layout, k.a), terms: [[b, aB * 4], ...(rows ? [[slice!.at, aRs * 4] as [number, number]] : [])] }, aRs, aCs,
      b: { base: viewBase(layout, k.b), terms: [[b, bB * 4], ...(cols ? [[slice!.at, bCs * 4] as [number, number]] : [])] }, bRs, bCs,
      c: { base: cBase, terms: [[b, cB * 4], ...(slice ? [[slice.at, (rows ? ldc : 1) * 4] as [number, number]] : [])] },
      ldc, accumulate: 0, pack: packAt,
      // the epilogue's tag is b·M + the slice's first row (emitTileEpilogue decodes it)
      ...(epilogue !== undefined ? { epilogue: { table: epilogue, tag: { base: 0, terms: [[b, k.m], ...(rows ? [[slice!.at, 1] as [number, number]] : [])] } } } : {}),
      ...(cols ? { colOffset: local(slice!.at) } : {}),
    });
  };
  if (schedule.kind === 'split') {
    // task t = b·parts + p: item b, slice p (at = p·slice, len = min(slice, extent − at))
    const task = ctx.addFunction(['i32']);
    const f = task.e.f;
    const extent = schedule.axis === 'rows' ? k.m : k.n;
    const b = f.local('i32'), at = f.local('i32'), len = f.local('i32');
    f.get(0).i32(schedule.parts).op('i32.div_s').set(b);
    f.get(0).i32(schedule.parts).op('i32.rem_s').i32(schedule.slice).op('i32.mul').set(at);
    // len = min(slice, extent − at)
    f.i32(extent).get(at).op('i32.sub').set(len);
    f.i32(schedule.slice).get(len).i32(schedule.slice).get(len).op('i32.lt_s').op('select').set(len);
    item(task.e, b, local(perThread(task.e, pack, packStride)), { axis: schedule.axis, at, len });
    e.f.i32(ctx.tableIndex(task.func)).i32(schedule.tasks);
    e.call('parallelFor');
  } else {
    loop(e.f, k.batch, (b) => item(e, b, pack));
  }
  if (!direct && !perTile) emitPointwise(e, ctx, space, stores, true);
  return scratch.size;
}

/** The matmul's stores over one tile [b, rows r0.., cols c0..] of [batch, m, n]: a function (b, r0, rows, c0, cols). */
function emitTileEpilogue(ctx: ProgramContext, stores: Store[], space: number[]): number {
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

/** A per-thread area: base + currentThread()·stride, in a new local. */
function perThread(e: Emitter, base: number, stride: number): number {
  const l = e.f.local('i32');
  e.call('currentThread');
  e.f.i32(stride).op('i32.mul').i32(base).op('i32.add').set(l);
  return l;
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
    const w = scratch.take(g.outChannels * taps * 4);
    const packStride = align(gemmPackBytes(pixels), 64);
    const shared = perImage ? undefined : gemmPack(scratch, ctx, pixels);
    const packArea = perImage ? scratch.take(packStride * ctx.threads) : 0;
    gather(e0, w, layout, k.other, [g.outChannels, cPerG, g.kernelHeight, g.kernelWidth]);
    // the weights are the A of every image's GEMM: packed into the micro-kernel's panels once per
    // call (each group's block `wGroupBytes` apart), not once per image. Not with gemmParallel
    // (one image, split by columns), which packs its own A.
    const packOnce = shared?.packStride === undefined;
    const wGroupBytes = align(packedABytes(ctx, oPerG, taps), 64);
    const packedW = packOnce ? scratch.take(wGroupBytes * g.groups) : 0;
    if (packOnce) {
      loop(e0.f, g.groups, (grp) => {
        for (const x of [oPerG, taps, { base: w, terms: [[grp, oPerG * taps * 4]] } as I32, taps, 1, { base: packedW, terms: [[grp, wGroupBytes]] } as I32]) pushI32(e0.f, x);
        e0.call('packAll');
      });
    }
    // a 1×1, stride-1, unpadded conv over row-contiguous planes reads x itself as the column matrix
    const pointwise = g.kernelHeight === 1 && g.kernelWidth === 1 && g.strideH === 1 && g.strideW === 1 && g.padTop === 0 && g.padLeft === 0
      && g.outHeight === g.inHeight && g.outWidth === g.inWidth && xW === 1 && xH === g.inWidth;
    // threaded, one image (perImage false, so batch 1), ungrouped, C taller than wide: split rows, not columns
    const rowSplit = !packOnce && shared?.packStride !== undefined && g.batch === 1 && g.groups === 1 && g.outChannels > pixels;
    forEachImage((e, n) => {
      const col: I32 = perImage ? local(perThread(e, colArea, colStride)) : colArea;
      const pack: { pack: I32; packStride?: number } = perImage ? { pack: local(perThread(e, packArea, packStride)) } : shared!;
      const accT = byImage ? (perImage ? perThread(e, acc, accImageStride) : (() => { const l = e.f.local('i32'); e.f.i32(acc).set(l); return l; })()) : -1;
      loop(e.f, g.groups, (grp) => {
        if (!pointwise) im2col(e, col, n, grp);
        const b: I32 = pointwise ? { base: xBase, terms: [[n, xN * 4], [grp, cPerG * xC * 4]] } : col;
        // C rows are output channels, columns pixels: the scratch tensor, or the output itself
        const c: { c: I32; ldc: number } = direct
          ? { c: { base: viewBase(layout, direct), terms: [[n, direct.strides[0]! * 4], [grp, oPerG * direct.strides[1]! * 4]] }, ldc: direct.strides[1]! }
          : byImage ? { c: { base: 0, terms: [[accT, 1], [grp, oPerG * pixels * 4]] }, ldc: pixels }
          : { c: { base: acc, terms: [[n, g.outChannels * pixels * 4], [grp, oPerG * pixels * 4]] }, ldc: pixels };
        if (rowSplit) {
          // one image, more output channels than pixels (the 7×7 and 14×14 layers): the pool splits
          // C's rows, so each thread packs half the weights and all of the small B, where
          // gemmParallel's column split had every thread pack all the weights for a few columns
          const mr = ctx.constants.GEMM_MR;
          const chunk = Math.ceil(g.outChannels / ctx.threads / mr) * mr;
          const task = ctx.addFunction(['i32']);
          const f = task.e.f;
          const r0 = f.local('i32'), rows = f.local('i32');
          f.get(0).i32(chunk).op('i32.mul').set(r0);
          // rows = min(chunk, M − r0)
          f.i32(chunk).i32(g.outChannels).get(r0).op('i32.sub').i32(g.outChannels).get(r0).op('i32.sub').i32(chunk).op('i32.gt_s').op('select').set(rows);
          const cBase = direct ? viewBase(layout, direct) : acc;
          callGemm(task.e, {
            m: local(rows), n: pixels, k: taps,
            a: { base: w, terms: [[r0, taps * 4]] }, aRs: taps, aCs: 1,
            b: pointwise ? xBase : colArea, bRs: pointwise ? xC : pixels, bCs: 1,
            c: { base: cBase, terms: [[r0, c.ldc * 4]] }, ldc: c.ldc, accumulate: 0,
            pack: local(perThread(task.e, shared!.pack, shared!.packStride!)),
          });
          e.f.i32(ctx.tableIndex(task.func)).i32(Math.ceil(g.outChannels / chunk));
          e.call('parallelFor');
        } else if (packOnce) {
          callGemmPackedA(e, {
            m: oPerG, n: pixels, k: taps, packedA: { base: packedW, terms: [[grp, wGroupBytes]] },
            b, bRs: pointwise ? xC : pixels, bCs: 1,
            ...c, accumulate: 0, pack: pack.pack,
          });
        } else {
          callGemm(e, {
            m: oPerG, n: pixels, k: taps,
            a: { base: w, terms: [[grp, oPerG * taps * 4]] }, aRs: taps, aCs: 1,
            b, bRs: pointwise ? xC : pixels, bCs: 1,
            ...c, accumulate: 0, ...pack,
          });
        }
      });
      if (byImage) emitPointwise(e, ctx, space.slice(1), imageStores(bindAccToScratch(k.stores, space)), false, imageAddress(layout, n, accT));
    });
    if (byImage) return scratch.size;
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
  const space3 = [g.batch, C, p.pixels];
  const collapsed = p.direct || !(g.batch === 1 || !p.byImage) || !imageEpilogueApplies(layout, k) ? undefined : collapsePixels(k.stores, g.outWidth);
  const fused = collapsed && p.acc === layout.scratchBase ? ctx.tableIndex(emitTileEpilogue(ctx, bindAccToScratch(collapsed, space3), space3)) : undefined;
  const args = (y: I32, x: I32, wAt: I32, channels: I32, n: I32 = 0, c0: I32 = 0): DepthwiseArgs => ({
    y, yC, x, sC: xC, sH: xH, sW: xW, w: wAt, channels, geometry: g, ...(fused !== undefined ? { epilogue: { table: fused, tag: n, channelOffset: c0 } } : {}),
  });
  if (ctx.threads > 1 && !p.perImage) {
    // one image (perImage is false only for batch 1 when threaded): blocks of channels as pool tasks
    const blocks = Math.min(C, ctx.threads * 4);
    const chunk = Math.ceil(C / blocks);
    const task = ctx.addFunction(['i32']);
    const f = task.e.f;
    const c0 = f.local('i32'), cnt = f.local('i32');
    f.get(0).i32(chunk).op('i32.mul').set(c0);
    // cnt = min(chunk, C − c0)
    f.i32(chunk).i32(C).get(c0).op('i32.sub').i32(C).get(c0).op('i32.sub').i32(chunk).op('i32.gt_s').op('select').set(cnt);
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
