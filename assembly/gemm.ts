// Packed, register-tiled f32 GEMM in the XNNPACK/GotoBLAS style:
//   C[M,N] (+)= A[M,K] · B[K,N], with A and B given by arbitrary element strides
// (transposed operands are just other strides). B is packed into NR-wide k-major panels and
// A into MR-high panels, zero-padded, so the micro-kernel never branches on edges; only its
// final write-back does. Pointers are byte addresses, strides are in elements.

import { currentThread, jobArgs, parallelFor, threadCount } from './threads';

// Plain SIMD: 5×8 tiles (10 accumulators, A by load-splat; mul + add needs one temporary, so
// 6×8 would spill: V8 allocates 15 of the 16 xmm registers). Relaxed SIMD: 6×8 tiles, 12
// accumulators (FMA needs no temporary). Measured against XNNPACK's x86 choice (4×8 with
// shuffle-splat, the previous plain kernel) on one thread, CPU time, best of 11–15:
// plain 5×8 +20% at 512³, +18% on the CNN's conv2 shape (64×196×288), +20% on 64×128×3136;
// for relaxed, 6×8 beat 5×8 and 4×8 by 5–15%. Unrolling k by two spilled (−35%).
export const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 5;
export const NR: i32 = 8;
/** k-block: one packed B panel (KC·NR floats = 8 KiB) stays in L1 across all A panels */
export const KC: i32 = 256;
/** m-block: one packed A block (MC·KC floats = 128 KiB) stays in L2 */
export const MC: i32 = ASC_FEATURE_RELAXED_SIMD ? 126 : 125;

/**
 * Scratch bytes `gemm` needs for a given N: the edge tile (partial tiles of C are written there
 * first, then the valid part is copied), packed A and packed B. Per thread when threaded.
 */
export function gemmPackBytes(n: i32): i32 {
  return EDGE_BYTES + (MC * KC + KC * ((n + NR - 1) / NR) * NR) * 4;
}

// The compiler plans scratch with these (read from the built library's exports, see
// compiler/backends/wasm/kernels/): sized for the larger tile and m-block so the plan is the
// same for the plain and the relaxed build.
export const PLAN_EDGE_ROWS: i32 = 6;
export const PLAN_MC: i32 = 128;
const EDGE_BYTES: i32 = PLAN_EDGE_ROWS * NR * 4;
// (the build script checks MR ≤ PLAN_EDGE_ROWS and MC ≤ PLAN_MC through the exports)
export const GEMM_MR: i32 = MR;
export const GEMM_MC: i32 = MC;

/** c + a·b: one fused multiply-add in the relaxed-SIMD build, mul then add otherwise. */
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

@inline function addr(base: usize, elements: i32): usize {
  // i32 math so negative strides wrap correctly in 32-bit linear memory
  return base + (<usize>(elements << 2));
}

/** Rows r0..r3 (4 floats each, `step` bytes apart) become columns: dst + k·NR·4 gets (r0[k], r1[k], r2[k], r3[k]). */
@inline function transpose4(src: usize, step: usize, dst: usize): void {
  const r0 = v128.load(src), r1 = v128.load(src + step), r2 = v128.load(src + 2 * step), r3 = v128.load(src + 3 * step);
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(dst, i64x2.shuffle(t0, t1, 0, 2));
  v128.store(dst, i64x2.shuffle(t0, t1, 1, 3), NR << 2);
  v128.store(dst, i64x2.shuffle(t2, t3, 0, 2), 2 * NR << 2);
  v128.store(dst, i64x2.shuffle(t2, t3, 1, 3), 3 * NR << 2);
}

function packB(k0: i32, kc: i32, n: i32, b: usize, bRs: i32, bCs: i32, dst: usize): void {
  for (let j0 = 0; j0 < n; j0 += NR) {
    const nr = min(NR, n - j0);
    let src = addr(b, k0 * bRs + j0 * bCs);
    const rowStep = bRs << 2;
    if (nr == NR && bRs == 1) {
      // B transposed in memory (its columns are rows): 4×4 vector transposes, two per k-quad
      const colStep = <usize>bCs << 2;
      let k = 0;
      for (; k <= kc - 4; k += 4) {
        transpose4(src, colStep, dst);
        transpose4(src + 4 * colStep, colStep, dst + 16);
        src += 16;
        dst += 4 * NR << 2;
      }
      for (; k < kc; k++) {
        for (let j = 0; j < NR; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + <usize>j * colStep));
        src += 4;
        dst += NR << 2;
      }
    } else if (nr == NR && bCs == 1) {
      for (let k = 0; k < kc; k++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += <usize>rowStep;
        dst += NR << 2;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let j = 0; j < nr; j++) store<f32>(dst + (<usize>j << 2), load<f32>(addr(src, j * bCs)));
        for (let j = nr; j < NR; j++) store<f32>(dst + (<usize>j << 2), 0);
        src += <usize>rowStep;
        dst += NR << 2;
      }
    }
  }
}

function packA(m0: i32, mc: i32, k0: i32, kc: i32, a: usize, aRs: i32, aCs: i32, dst: usize): void {
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const mr = min(MR, mc - i0);
    const row = addr(a, (m0 + i0) * aRs + k0 * aCs);
    if (mr == MR && aRs == 1) {
      // A transposed in memory: the MR values of one k are contiguous (MR ≥ 4)
      let src = row;
      for (let k = 0; k < kc; k++) {
        v128.store(dst, v128.load(src));
        for (let i = 4; i < MR; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
        src += <usize>(aCs << 2);
        dst += MR << 2;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const col = addr(row, k * aCs);
        for (let i = 0; i < mr; i++) store<f32>(dst + (<usize>i << 2), load<f32>(addr(col, i * aRs)));
        for (let i = mr; i < MR; i++) store<f32>(dst + (<usize>i << 2), 0);
        dst += MR << 2;
      }
    }
  }
}

@inline function writeRow(c: usize, lo: v128, hi: v128, accumulate: bool): void {
  if (accumulate) {
    lo = f32x4.add(lo, v128.load(c));
    hi = f32x4.add(hi, v128.load(c, 16));
  }
  v128.store(c, lo);
  v128.store(c, hi, 16);
}

/**
 * MR×8 micro-kernel (MR = 5 or 6, a compile-time constant, so the unused rows fold away): two
 * f32x4 accumulators per row, B's two vectors loaded once per k, each A value load-splat.
 */
function microKernelMRx8(kc: i32, pa: usize, pb: usize, c: usize, ldcBytes: usize, accumulate: bool, mr: i32, nr: i32, edge: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa);
    c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01);
    const a1 = v128.load32_splat(pa, 4);
    c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11);
    const a2 = v128.load32_splat(pa, 8);
    c20 = madd(a2, b0, c20); c21 = madd(a2, b1, c21);
    const a3 = v128.load32_splat(pa, 12);
    c30 = madd(a3, b0, c30); c31 = madd(a3, b1, c31);
    const a4 = v128.load32_splat(pa, 16);
    c40 = madd(a4, b0, c40); c41 = madd(a4, b1, c41);
    if (MR > 5) {
      const a5 = v128.load32_splat(pa, 20);
      c50 = madd(a5, b0, c50); c51 = madd(a5, b1, c51);
    }
    pa += MR << 2;
    pb += NR << 2;
  }
  if (mr == MR && nr == NR) {
    writeRow(c, c00, c01, accumulate);
    writeRow(c + ldcBytes, c10, c11, accumulate);
    writeRow(c + 2 * ldcBytes, c20, c21, accumulate);
    writeRow(c + 3 * ldcBytes, c30, c31, accumulate);
    writeRow(c + 4 * ldcBytes, c40, c41, accumulate);
    if (MR > 5) writeRow(c + 5 * ldcBytes, c50, c51, accumulate);
    return;
  }
  const t = edge;
  v128.store(t, c00); v128.store(t, c01, 16);
  v128.store(t, c10, 32); v128.store(t, c11, 48);
  v128.store(t, c20, 64); v128.store(t, c21, 80);
  v128.store(t, c30, 96); v128.store(t, c31, 112);
  v128.store(t, c40, 128); v128.store(t, c41, 144);
  if (MR > 5) { v128.store(t, c50, 160); v128.store(t, c51, 176); }
  copyEdge(t, c, ldcBytes, accumulate, mr, nr);
}

/** Copies the valid mr×nr part of an edge tile into C. */
function copyEdge(t: usize, c: usize, ldcBytes: usize, accumulate: bool, mr: i32, nr: i32): void {
  for (let i = 0; i < mr; i++) {
    const row = c + <usize>i * ldcBytes;
    for (let j = 0; j < nr; j++) {
      const dst = row + (<usize>j << 2);
      const v = load<f32>(t + (<usize>(i * NR + j) << 2));
      store<f32>(dst, accumulate ? load<f32>(dst) + v : v);
    }
  }
}

@inline function microKernel(kc: i32, pa: usize, pb: usize, c: usize, ldcBytes: usize, accumulate: bool, mr: i32, nr: i32, edge: usize): void {
  microKernelMRx8(kc, pa, pb, c, ldcBytes, accumulate, mr, nr, edge);
}

/**
 * Called once per finished tile of C (rows [row, row + rows), columns [col, col + cols)) with
 * the caller's `tag`, while the tile is still in L1: the fused epilogue of a matmul kernel. It
 * is a function `(tag, row, rows, col, cols: i32) => void` given by its function-table index
 * (NO_EPILOGUE: none), called with call_indirect.
 */
export type TileEpilogue = i32;
export const NO_EPILOGUE: TileEpilogue = -1;

/** The k-block width gemm uses for a reduction of length k: equal blocks of at most KC. */
@inline function kStepOf(k: i32): i32 {
  // equal k-blocks (300 → 150 + 150, not 256 + 44): a short last block would re-read and
  // re-write all of C for little work
  const kBlocks = (k + KC - 1) / KC;
  return (k + kBlocks - 1) / kBlocks;
}

@inline function paddedRows(m: i32): i32 {
  return (m + MR - 1) / MR * MR;
}

/**
 * Packs all of an m×k A once, for gemmPackedA: k-block by k-block (the blocks gemm uses), each
 * block its MR-high panels for all m rows, block k0 at dst + k0·paddedRows(m) floats. A
 * convolution's weights are the A of every image's GEMM: packed once per call (or once per
 * change of the weights, when the compiler caches them), not per image.
 * Needs (m + PLAN_EDGE_ROWS)·k floats at `dst`.
 */
export function packAll(m: i32, k: i32, a: usize, aRs: i32, aCs: i32, dst: usize): void {
  const kStep = kStepOf(k);
  const rows = paddedRows(m);
  for (let k0 = 0; k0 < k; k0 += kStep) packA(0, m, k0, min(kStep, k - k0), a, aRs, aCs, dst + (<usize>(k0 * rows) << 2));
}

/**
 * gemm's block loops; `packedAll` ≠ 0: A was packed by packAll there (and `a` is unused), for a
 * matrix of `packedRows` padded rows of which this call computes rows row0.. (row0 a multiple of MR).
 */
@inline function gemmBlocks(
  m: i32, n: i32, k: i32,
  a: usize, aRs: i32, aCs: i32, packedAll: usize, packedRows: i32, row0: i32,
  b: usize, bRs: i32, bCs: i32, packedBAll: usize, packedCols: i32, col0: i32,
  c: usize, ldc: i32, accumulate: bool, pack: usize,
  epilogue: TileEpilogue, tag: i32, colOffset: i32,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(addr(c, i * ldc), 0, <usize>n << 2);
    return;
  }
  const edge = pack;
  const packedA = pack + <usize>EDGE_BYTES;
  const packedB = packedA + (<usize>(MC * KC) << 2);
  const ldcBytes = <usize>ldc << 2;
  const kStep = kStepOf(k);
  for (let k0 = 0; k0 < k; k0 += kStep) {
    const kc = min(kStep, k - k0);
    // packedBAll ≠ 0: B was packed by packBAll (columns col0.. of a matrix of packedCols padded columns)
    let blockB = packedB;
    if (packedBAll != 0) blockB = packedBAll + (<usize>(k0 * packedCols + col0 * kc) << 2);
    else packB(k0, kc, n, b, bRs, bCs, packedB);
    const acc = accumulate || k0 > 0;
    for (let m0 = 0; m0 < m; m0 += MC) {
      const mc = min(MC, m - m0);
      // MC is a multiple of MR, so the m-block's panels are consecutive panels of packAll's block
      let blockA = packedA;
      if (packedAll != 0) blockA = packedAll + (<usize>(k0 * packedRows + (row0 + m0) * kc) << 2);
      else packA(m0, mc, k0, kc, a, aRs, aCs, packedA);
      for (let j0 = 0; j0 < n; j0 += NR) {
        const pb = blockB + (<usize>(j0 * kc) << 2);
        const nr = min(NR, n - j0);
        for (let i0 = 0; i0 < mc; i0 += MR) {
          const pa = blockA + (<usize>(i0 * kc) << 2);
          const mr = min(MR, mc - i0);
          microKernel(kc, pa, pb, addr(c, (m0 + i0) * ldc + j0), ldcBytes, acc, mr, nr, edge);
          if (epilogue != NO_EPILOGUE && k0 + kc >= k) call_indirect<void>(<u32>epilogue, tag, m0 + i0, mr, j0 + colOffset, nr);
        }
      }
    }
  }
}

/**
 * C[M,N] = A·B (or C += A·B with `accumulate`). C is row-major with row stride `ldc` elements.
 * `pack` points at gemmPackBytes(n) bytes of scratch. Requires k > 0 when `epilogue` is given;
 * `colOffset` is added to the column numbers the epilogue is told (a slice of a wider C).
 */
export function gemm(
  m: i32, n: i32, k: i32,
  a: usize, aRs: i32, aCs: i32,
  b: usize, bRs: i32, bCs: i32,
  c: usize, ldc: i32, accumulate: bool, pack: usize,
  epilogue: TileEpilogue, tag: i32, colOffset: i32,
): void {
  gemmBlocks(m, n, k, a, aRs, aCs, 0, 0, 0, b, bRs, bCs, 0, 0, 0, c, ldc, accumulate, pack, epilogue, tag, colOffset);
}

/**
 * gemm with A already packed by packAll(M, k, …) at `packedA` (nonzero), M padded to
 * `packedRows` = ⌈M / MR⌉·MR rows: computes rows row0 .. row0 + m of C = A·B (row0 a multiple of
 * MR; `c` points at row row0), so threads can split one packed A by rows.
 */
export function gemmPackedA(
  m: i32, n: i32, k: i32, packedA: usize, packedRows: i32, row0: i32,
  b: usize, bRs: i32, bCs: i32,
  c: usize, ldc: i32, accumulate: bool, pack: usize,
  epilogue: TileEpilogue, tag: i32, colOffset: i32,
): void {
  gemmBlocks(m, n, k, 0, 0, 0, packedA, packedRows, row0, b, bRs, bCs, 0, 0, 0, c, ldc, accumulate, pack, epilogue, tag, colOffset);
}

@inline function paddedCols(n: i32): i32 {
  return (n + NR - 1) / NR * NR;
}

/**
 * Packs all of a k×n B once, for gemmPackedB: k-block by k-block, each block its NR-wide panels
 * for all n columns, block k0 at dst + k0·paddedCols(n) floats. A matmul's weights are the B of
 * every call: packed once per change of the weights when the compiler caches them. Needs
 * k·⌈n / NR⌉·NR floats at `dst`.
 */
export function packBAll(k: i32, n: i32, b: usize, bRs: i32, bCs: i32, dst: usize): void {
  const kStep = kStepOf(k);
  const cols = paddedCols(n);
  for (let k0 = 0; k0 < k; k0 += kStep) packB(k0, min(kStep, k - k0), n, b, bRs, bCs, dst + (<usize>(k0 * cols) << 2));
}

/**
 * gemm with B already packed by packBAll(k, N, …) at `packedB` (nonzero), N padded to
 * `packedCols` = ⌈N / NR⌉·NR columns: computes columns col0 .. col0 + n of C = A·B (col0 a
 * multiple of NR; `c` points at column col0), so threads can split one packed B by columns.
 */
export function gemmPackedB(
  m: i32, n: i32, k: i32,
  a: usize, aRs: i32, aCs: i32,
  packedB: usize, packedCols: i32, col0: i32,
  c: usize, ldc: i32, accumulate: bool, pack: usize,
  epilogue: TileEpilogue, tag: i32, colOffset: i32,
): void {
  gemmBlocks(m, n, k, a, aRs, aCs, 0, 0, 0, 0, 0, 0, packedB, packedCols, col0, c, ldc, accumulate, pack, epilogue, tag, colOffset);
}

// ---- threaded GEMM: column slices of C (multiples of NR) run as pool tasks ----

/** The arguments of one gemmParallel job, in the pool's job block (see threads.ts jobArgs). */
@unmanaged class GemmJob {
  m: i32; n: i32; k: i32;
  a: usize; aRs: i32; aCs: i32;
  b: usize; bRs: i32; bCs: i32;
  c: usize; ldc: i32; accumulate: bool;
  pack: usize; packStride: i32;
  epilogue: TileEpilogue; tag: i32;
  /** columns per task, a multiple of NR */
  slice: i32;
}

/** Splits C's columns across the pool; each thread packs into its own `packStride` bytes at `pack`. */
export function gemmParallel(
  m: i32, n: i32, k: i32,
  a: usize, aRs: i32, aCs: i32,
  b: usize, bRs: i32, bCs: i32,
  c: usize, ldc: i32, accumulate: bool, pack: usize, packStride: i32,
  epilogue: TileEpilogue, tag: i32,
): void {
  const panels = (n + NR - 1) / NR;
  const slice = ((panels + threadCount() - 1) / threadCount()) * NR;
  const tasks = slice > 0 ? (n + slice - 1) / slice : 0;
  if (tasks <= 1) {
    gemm(m, n, k, a, aRs, aCs, b, bRs, bCs, c, ldc, accumulate, pack, epilogue, tag, 0);
    return;
  }
  const job = changetype<GemmJob>(jobArgs());
  job.m = m; job.n = n; job.k = k;
  job.a = a; job.aRs = aRs; job.aCs = aCs;
  job.b = b; job.bRs = bRs; job.bCs = bCs;
  job.c = c; job.ldc = ldc; job.accumulate = accumulate;
  job.pack = pack; job.packStride = packStride;
  job.epilogue = epilogue; job.tag = tag; job.slice = slice;
  parallelFor(gemmSliceTask.index, tasks);
}

function gemmSliceTask(index: i32): void {
  const job = changetype<GemmJob>(jobArgs());
  const j0 = index * job.slice;
  gemm(
    job.m, min(job.slice, job.n - j0), job.k,
    job.a, job.aRs, job.aCs,
    addr(job.b, j0 * job.bCs), job.bRs, job.bCs,
    addr(job.c, j0), job.ldc, job.accumulate,
    job.pack + <usize>(currentThread() * job.packStride),
    job.epilogue, job.tag, j0,
  );
}

/** Bytes of a GemmJob: scripts/build-kernels.ts checks that the job block holds it. */
export const GEMM_JOB_BYTES: i32 = <i32>offsetof<GemmJob>();
