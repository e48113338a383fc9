// 2-D max/avg pooling and their gradients. Results go to contiguous scratch; the kernel's
// epilogue stores them through its views. Pointers are byte addresses, strides in elements.
import { at } from './layout';
import { jobArgs, parallelFor } from './threads';

/** out[n,c,oh,ow] (contiguous) = max or mean (padding counted as zero) of each window of x. */
export function poolForward(
  isMax: bool, out: usize, x: usize, sN: i32, sC: i32, sH: i32, sW: i32,
  batch: i32, channels: i32, inH: i32, inW: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, padT: i32, padL: i32,
): void {
  const inv: f32 = 1.0 / <f32>(kH * kW);
  const fast = isMax && isPairWindow(sW, outH, outW, inH, inW, kH, kW, strideH, strideW, padT, padL);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const plane = at(x, n * sN + c * sC);
      if (fast) {
        maxPairRows(out, plane, sH, outH, outW);
        out += <usize>(outH * outW) << 2;
        continue;
      }
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++) {
          let m: f32 = -Infinity;
          let s: f32 = 0;
          for (let kh = 0; kh < kH; kh++) {
            const ih = oh * strideH - padT + kh;
            if (ih < 0 || ih >= inH) continue;
            for (let kw = 0; kw < kW; kw++) {
              const iw = ow * strideW - padL + kw;
              if (iw < 0 || iw >= inW) continue;
              const v = load<f32>(at(plane, ih * sH + iw * sW));
              if (v > m) m = v;
              s += v;
            }
          }
          store<f32>(out, isMax ? m : s * inv);
          out += 4;
        }
      }
    }
  }
}

/**
 * dx[n,c,ih,iw] (contiguous, overwritten) = Σ over windows containing the element of dy
 * (max: only where the element is the window's first maximum; avg: dy / (kH·kW)).
 */
export function poolBackward(
  isMax: bool, dx: usize, x: usize, sN: i32, sC: i32, sH: i32, sW: i32,
  dy: usize, gN: i32, gC: i32, gH: i32, gW: i32,
  batch: i32, channels: i32, inH: i32, inW: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, padT: i32, padL: i32,
): void {
  memory.fill(dx, 0, <usize>(batch * channels * inH * inW) << 2);
  const inv: f32 = 1.0 / <f32>(kH * kW);
  const fast = isMax && gW == 1 && isPairWindow(sW, outH, outW, inH, inW, kH, kW, strideH, strideW, padT, padL);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const plane = at(x, n * sN + c * sC);
      const grad = at(dy, n * gN + c * gC);
      const out = dx + (<usize>((n * channels + c) * inH * inW) << 2);
      if (fast) {
        maxPairRowsGrad(out, plane, sH, grad, gH, inW, outH, outW);
        continue;
      }
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++) {
          const d = load<f32>(at(grad, oh * gH + ow * gW));
          if (isMax) {
            let best: f32 = -Infinity;
            let where = -1;
            for (let kh = 0; kh < kH; kh++) {
              const ih = oh * strideH - padT + kh;
              if (ih < 0 || ih >= inH) continue;
              for (let kw = 0; kw < kW; kw++) {
                const iw = ow * strideW - padL + kw;
                if (iw < 0 || iw >= inW) continue;
                const v = load<f32>(at(plane, ih * sH + iw * sW));
                if (v > best) { best = v; where = ih * inW + iw; }
              }
            }
            if (where >= 0) {
              const p = out + (<usize>where << 2);
              store<f32>(p, load<f32>(p) + d);
            }
          } else {
            const g = d * inv;
            for (let kh = 0; kh < kH; kh++) {
              const ih = oh * strideH - padT + kh;
              if (ih < 0 || ih >= inH) continue;
              for (let kw = 0; kw < kW; kw++) {
                const iw = ow * strideW - padL + kw;
                if (iw < 0 || iw >= inW) continue;
                const p = out + (<usize>(ih * inW + iw) << 2);
                store<f32>(p, load<f32>(p) + g);
              }
            }
          }
        }
      }
    }
  }
}

// ---- 2×2 windows, stride 2, no padding (the common max-pool): four windows per vector step ----

/** Whether the fast 2×2/stride-2 path applies: unpadded, unit-stride rows, windows inside x. */
function isPairWindow(sW: i32, outH: i32, outW: i32, inH: i32, inW: i32, kH: i32, kW: i32, strideH: i32, strideW: i32, padT: i32, padL: i32): bool {
  return kH == 2 && kW == 2 && strideH == 2 && strideW == 2 && padT == 0 && padL == 0 && sW == 1 && 2 * outH <= inH && 2 * outW <= inW;
}

const NEG_INF: v128 = f32x4.splat(-Infinity);

/** Even and odd lanes of the 8 floats at p: the left and right columns of four windows. */
@inline function evens(p: usize): v128 { return i32x4.shuffle(v128.load(p), v128.load(p, 16), 0, 2, 4, 6); }
@inline function odds(p: usize): v128 { return i32x4.shuffle(v128.load(p), v128.load(p, 16), 1, 3, 5, 7); }

/** One window's maximum the scalar way (first larger value wins, NaN never does). */
@inline function max4(a: f32, b: f32, c: f32, d: f32): f32 {
  let m: f32 = -Infinity;
  if (a > m) m = a;
  if (b > m) m = b;
  if (c > m) m = c;
  if (d > m) m = d;
  return m;
}

/** out[oh, ow] = max of x's 2×2 window; pmax from -∞ keeps the scalar loop's NaN handling. */
function maxPairRows(out: usize, plane: usize, sH: i32, outH: i32, outW: i32): void {
  for (let oh = 0; oh < outH; oh++) {
    const r0 = at(plane, 2 * oh * sH), r1 = at(plane, (2 * oh + 1) * sH);
    let ow = 0;
    for (; ow <= outW - 4; ow += 4) {
      const p = <usize>(ow << 3);
      let m = f32x4.pmax(NEG_INF, evens(r0 + p));
      m = f32x4.pmax(m, odds(r0 + p));
      m = f32x4.pmax(m, evens(r1 + p));
      m = f32x4.pmax(m, odds(r1 + p));
      v128.store(out, m);
      out += 16;
    }
    for (; ow < outW; ow++) {
      const p = <usize>(ow << 3);
      store<f32>(out, max4(load<f32>(r0 + p), load<f32>(r0 + p, 4), load<f32>(r1 + p), load<f32>(r1 + p, 4)));
      out += 4;
    }
  }
}

/**
 * dx of one plane (already zero): each window's dy goes to its first maximum (row-major), as
 * the scalar loop; a window whose values are all -∞ or NaN gets nothing.
 */
function maxPairRowsGrad(dx: usize, plane: usize, sH: i32, grad: usize, gH: i32, inW: i32, outH: i32, outW: i32): void {
  const zero = f32x4.splat(0);
  for (let oh = 0; oh < outH; oh++) {
    const r0 = at(plane, 2 * oh * sH), r1 = at(plane, (2 * oh + 1) * sH);
    const d0 = dx + (<usize>(2 * oh * inW) << 2), d1 = d0 + (<usize>inW << 2);
    const g = at(grad, oh * gH);
    let ow = 0;
    for (; ow <= outW - 4; ow += 4) {
      const p = <usize>(ow << 3);
      const a = evens(r0 + p), b = odds(r0 + p), c = evens(r1 + p), d = odds(r1 + p);
      const m = f32x4.pmax(f32x4.pmax(f32x4.pmax(f32x4.pmax(NEG_INF, a), b), c), d);
      const dy = v128.load(g + (<usize>ow << 2));
      let left = f32x4.gt(m, NEG_INF); // lanes whose gradient is not placed yet
      const sa = v128.and(left, f32x4.eq(a, m)); left = v128.andnot(left, sa);
      const sb = v128.and(left, f32x4.eq(b, m)); left = v128.andnot(left, sb);
      const sc = v128.and(left, f32x4.eq(c, m)); left = v128.andnot(left, sc);
      const sd = v128.and(left, f32x4.eq(d, m));
      const ga = v128.bitselect(dy, zero, sa), gb = v128.bitselect(dy, zero, sb);
      const gc = v128.bitselect(dy, zero, sc), gd = v128.bitselect(dy, zero, sd);
      v128.store(d0 + p, i32x4.shuffle(ga, gb, 0, 4, 1, 5));
      v128.store(d0 + p, i32x4.shuffle(ga, gb, 2, 6, 3, 7), 16);
      v128.store(d1 + p, i32x4.shuffle(gc, gd, 0, 4, 1, 5));
      v128.store(d1 + p, i32x4.shuffle(gc, gd, 2, 6, 3, 7), 16);
    }
    for (; ow < outW; ow++) {
      const p = <usize>(ow << 3);
      const v0 = load<f32>(r0 + p), v1 = load<f32>(r0 + p, 4), v2 = load<f32>(r1 + p), v3 = load<f32>(r1 + p, 4);
      const m = max4(v0, v1, v2, v3);
      if (!(m > -Infinity)) continue;
      const dy = load<f32>(g + (<usize>ow << 2));
      if (v0 == m) store<f32>(d0 + p, dy);
      else if (v1 == m) store<f32>(d0 + p, dy, 4);
      else if (v2 == m) store<f32>(d1 + p, dy);
      else store<f32>(d1 + p, dy, 4);
    }
  }
}

// ---- threaded: one task per image (arguments travel through the pool's job block) ----

/** The arguments of a poolForwardParallel / poolBackwardParallel job, in the pool's job block. */
@unmanaged class PoolJob {
  isMax: bool;
  /** out (forward) or dx (backward): contiguous [batch, channels, ·, ·] */
  out: usize;
  x: usize; sN: i32; sC: i32; sH: i32; sW: i32;
  /** backward only */
  dy: usize; gN: i32; gC: i32; gH: i32; gW: i32;
  channels: i32; inH: i32; inW: i32; outH: i32; outW: i32;
  kH: i32; kW: i32; strideH: i32; strideW: i32; padT: i32; padL: i32;
}

/** Bytes of a PoolJob: scripts/build-kernels.ts checks that the job block holds it. */
export const POOL_JOB_BYTES: i32 = <i32>offsetof<PoolJob>();

function poolJob(
  isMax: bool, out: usize, x: usize, sN: i32, sC: i32, sH: i32, sW: i32,
  dy: usize, gN: i32, gC: i32, gH: i32, gW: i32,
  channels: i32, inH: i32, inW: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, padT: i32, padL: i32,
): void {
  const j = changetype<PoolJob>(jobArgs());
  j.isMax = isMax; j.out = out; j.x = x; j.sN = sN; j.sC = sC; j.sH = sH; j.sW = sW;
  j.dy = dy; j.gN = gN; j.gC = gC; j.gH = gH; j.gW = gW;
  j.channels = channels; j.inH = inH; j.inW = inW; j.outH = outH; j.outW = outW;
  j.kH = kH; j.kW = kW; j.strideH = strideH; j.strideW = strideW; j.padT = padT; j.padL = padL;
}

/** poolForward with the batch split across the pool (same arguments). */
export function poolForwardParallel(
  isMax: bool, out: usize, x: usize, sN: i32, sC: i32, sH: i32, sW: i32,
  batch: i32, channels: i32, inH: i32, inW: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, padT: i32, padL: i32,
): void {
  poolJob(isMax, out, x, sN, sC, sH, sW, 0, 0, 0, 0, 0, channels, inH, inW, outH, outW, kH, kW, strideH, strideW, padT, padL);
  parallelFor(poolForwardTask.index, batch);
}

function poolForwardTask(n: i32): void {
  const j = changetype<PoolJob>(jobArgs());
  poolForward(j.isMax, j.out + (<usize>(n * j.channels * j.outH * j.outW) << 2), at(j.x, n * j.sN),
    j.sN, j.sC, j.sH, j.sW,
    1, j.channels, j.inH, j.inW, j.outH, j.outW,
    j.kH, j.kW, j.strideH, j.strideW, j.padT, j.padL);
}

/** poolBackward with the batch split across the pool (same arguments). */
export function poolBackwardParallel(
  isMax: bool, dx: usize, x: usize, sN: i32, sC: i32, sH: i32, sW: i32,
  dy: usize, gN: i32, gC: i32, gH: i32, gW: i32,
  batch: i32, channels: i32, inH: i32, inW: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, padT: i32, padL: i32,
): void {
  poolJob(isMax, dx, x, sN, sC, sH, sW, dy, gN, gC, gH, gW, channels, inH, inW, outH, outW, kH, kW, strideH, strideW, padT, padL);
  parallelFor(poolBackwardTask.index, batch);
}

function poolBackwardTask(n: i32): void {
  const j = changetype<PoolJob>(jobArgs());
  poolBackward(j.isMax, j.out + (<usize>(n * j.channels * j.inH * j.inW) << 2), at(j.x, n * j.sN),
    j.sN, j.sC, j.sH, j.sW,
    at(j.dy, n * j.gN), j.gN, j.gC, j.gH, j.gW,
    1, j.channels, j.inH, j.inW, j.outH, j.outW,
    j.kH, j.kW, j.strideH, j.strideW, j.padT, j.padL);
}
