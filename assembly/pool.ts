// 2-D max/avg pooling and their gradients. Results go to contiguous scratch; the kernel's
// epilogue stores them through its views. Pointers are byte addresses, strides in elements.
import { at } from './layout';
import { currentThread, jobArgs, parallelFor, threadCount } from './threads';

/**
 * Floats of the row buffer a forward plane needs (the compiler reserves one per thread):
 * window columns b = iw + padL in [0, (outW − 1)·strideW + kW), and ROW_SLACK more that the
 * vector loads of the last four outputs may read (stride 2 reads one float past the last tap).
 * compiler/backends/wasm/pool.ts poolRowBytes computes the same.
 */
const ROW_SLACK: i32 = 8;

/**
 * out[n,c,oh,ow] (contiguous) = max or mean (padding counted as zero) of each window of x.
 * `row` is a scratch buffer of (outW − 1)·strideW + kW + ROW_SLACK floats.
 */
export function poolForward(
  isMax: bool, out: usize, x: usize, sN: i32, sC: i32, sH: i32, sW: i32,
  batch: i32, channels: i32, inH: i32, inW: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, padT: i32, padL: i32, row: usize,
): void {
  poolForwardPlanes(isMax, out, x, sN, sC, sH, sW, channels, inH, inW, outH, outW, kH, kW, strideH, strideW, padT, padL, row, 0, batch * channels);
}

/** poolForward of planes p0…p1−1 (plane p = image p / channels, channel p % channels; out is the whole result). */
function poolForwardPlanes(
  isMax: bool, out: usize, x: usize, sN: i32, sC: i32, sH: i32, sW: i32,
  channels: i32, inH: i32, inW: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, padT: i32, padL: i32, row: usize, p0: i32, p1: i32,
): void {
  const planeBytes = <usize>(outH * outW) << 2;
  out += <usize>p0 * planeBytes;
  if (isMax && isPairWindow(sW, outH, outW, inH, inW, kH, kW, strideH, strideW, padT, padL)) {
    for (let p = p0; p < p1; p++, out += planeBytes) maxPairRows(out, at(x, (p / channels) * sN + (p % channels) * sC), sH, outH, outW);
    return;
  }
  // the row-buffer path needs contiguous rows; negative padding (a crop) takes the scalar loop
  if (sW == 1 && padT >= 0 && padL >= 0) {
    fillRowPadding(isMax, row, inW, outW, kW, strideW, padL);
    for (let p = p0; p < p1; p++, out += planeBytes) {
      poolPlaneRows(isMax, out, at(x, (p / channels) * sN + (p % channels) * sC), sH, inH, inW, outH, outW, kH, kW, strideH, strideW, padT, padL, row);
    }
    return;
  }
  const inv: f32 = 1.0 / <f32>(kH * kW);
  for (let p = p0; p < p1; p++) {
    const plane = at(x, (p / channels) * sN + (p % channels) * sC);
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

// ---- any window with unit-stride rows: a vertical pass into a padded row buffer, then a horizontal one ----
//
// Per output row oh, row[b] = max / sum over the window's rows inside x of x[ih, b − padL] for
// the columns inside x, and -∞ / 0 (the padding) elsewhere; then out[oh, ow] is the max / sum of
// row[ow·strideW … ow·strideW + kW − 1] (times 1/(kH·kW) for avg). The max starts from -∞ and
// uses pmax (a < b ? b : a), so NaN never wins, as in the scalar `v > m` loop, and a window with
// no tap inside x is -∞. The max's value equals the scalar loop's; only the sign of a zero may
// differ when +0 and −0 tie (columns are reduced before rows). avg sums column first, so it
// rounds differently from the scalar row-major sum (within f32 rounding of the same terms).

const NEG_INF: v128 = f32x4.splat(-Infinity);

/** The columns of x a row buffer holds: b = iw + padL for iw in [0, validColumns). */
@inline function validColumns(inW: i32, outW: i32, kW: i32, strideW: i32, padL: i32): i32 {
  const span = (outW - 1) * strideW + kW - padL;
  return max(0, min(inW, span));
}

/** Writes the padding value into the buffer outside the valid columns (it never changes between rows). */
function fillRowPadding(isMax: bool, row: usize, inW: i32, outW: i32, kW: i32, strideW: i32, padL: i32): void {
  const pad: f32 = isMax ? -Infinity : 0;
  const end = (outW - 1) * strideW + kW + ROW_SLACK;
  for (let b = 0; b < min(padL, end); b++) store<f32>(row + (<usize>b << 2), pad);
  for (let b = padL + validColumns(inW, outW, kW, strideW, padL); b < end; b++) store<f32>(row + (<usize>b << 2), pad);
}

/** One plane through the row buffer (its padding already written by fillRowPadding). */
function poolPlaneRows(
  isMax: bool, out: usize, plane: usize, sH: i32, inH: i32, inW: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, padT: i32, padL: i32, row: usize,
): void {
  const cols = validColumns(inW, outW, kW, strideW, padL);
  const valid = row + (<usize>padL << 2);
  const scale = f32x4.splat(1.0 / <f32>(kH * kW));
  for (let oh = 0; oh < outH; oh++) {
    const h0 = oh * strideH - padT;
    const lo = max(0, h0), hi = min(inH, h0 + kH);
    verticalPass(isMax, valid, at(plane, lo * sH), sH, hi - lo, cols);
    if (strideW == 1) horizontalStride1(isMax, out, row, outW, kW, scale);
    else if (strideW == 2) horizontalStride2(isMax, out, row, outW, kW, scale);
    else horizontalScalar(isMax, out, row, 0, outW, kW, strideW, f32x4.extract_lane(scale, 0));
    out += <usize>outW << 2;
  }
}

/** dst[j] = max (from -∞) or sum of src[r·sH + j] over r < rows, for j < cols; rows = 0 gives the padding value. */
@inline function verticalPass(isMax: bool, dst: usize, src: usize, sH: i32, rows: i32, cols: i32): void {
  const pitch = <usize>sH << 2;
  let j = 0;
  if (isMax) {
    for (; j <= cols - 4; j += 4) {
      let p = src + (<usize>j << 2);
      let m = NEG_INF;
      for (let r = 0; r < rows; r++, p += pitch) m = f32x4.pmax(m, v128.load(p));
      v128.store(dst + (<usize>j << 2), m);
    }
    for (; j < cols; j++) {
      let p = src + (<usize>j << 2);
      let m: f32 = -Infinity;
      for (let r = 0; r < rows; r++, p += pitch) { const v = load<f32>(p); if (v > m) m = v; }
      store<f32>(dst + (<usize>j << 2), m);
    }
  } else {
    for (; j <= cols - 4; j += 4) {
      let p = src + (<usize>j << 2);
      let s = f32x4.splat(0);
      for (let r = 0; r < rows; r++, p += pitch) s = f32x4.add(s, v128.load(p));
      v128.store(dst + (<usize>j << 2), s);
    }
    for (; j < cols; j++) {
      let p = src + (<usize>j << 2);
      let s: f32 = 0;
      for (let r = 0; r < rows; r++, p += pitch) s += load<f32>(p);
      store<f32>(dst + (<usize>j << 2), s);
    }
  }
}

/** out[ow] over row[ow … ow + kW − 1]: one unaligned load per tap for four outputs. */
@inline function horizontalStride1(isMax: bool, out: usize, row: usize, outW: i32, kW: i32, scale: v128): void {
  let ow = 0;
  for (; ow <= outW - 4; ow += 4) {
    const p = row + (<usize>ow << 2);
    let a = v128.load(p);
    if (isMax) {
      for (let kw = 1; kw < kW; kw++) a = f32x4.pmax(a, v128.load(p + (<usize>kw << 2)));
    } else {
      for (let kw = 1; kw < kW; kw++) a = f32x4.add(a, v128.load(p + (<usize>kw << 2)));
      a = f32x4.mul(a, scale);
    }
    v128.store(out + (<usize>ow << 2), a);
  }
  horizontalScalar(isMax, out, row, ow, outW, kW, 1, f32x4.extract_lane(scale, 0));
}

/** out[ow] over row[2·ow … 2·ow + kW − 1]: taps 2q and 2q + 1 are the even and odd lanes of the 8 floats at 2·ow + 2q. */
@inline function horizontalStride2(isMax: bool, out: usize, row: usize, outW: i32, kW: i32, scale: v128): void {
  let ow = 0;
  for (; ow <= outW - 4; ow += 4) {
    const p = row + (<usize>ow << 3);
    let a = v128.load(p), b = v128.load(p, 16);
    let acc = i32x4.shuffle(a, b, 0, 2, 4, 6);
    for (let kw = 1; kw < kW; kw++) {
      // odd tap kw: the odd lanes of the 8 floats at 2·ow + kw − 1
      const odd = i32x4.shuffle(a, b, 1, 3, 5, 7);
      acc = isMax ? f32x4.pmax(acc, odd) : f32x4.add(acc, odd);
      if (++kw >= kW) break;
      // even tap kw: the even lanes of the 8 floats at 2·ow + kw
      a = v128.load(p + (<usize>kw << 2)); b = v128.load(p + (<usize>kw << 2), 16);
      const even = i32x4.shuffle(a, b, 0, 2, 4, 6);
      acc = isMax ? f32x4.pmax(acc, even) : f32x4.add(acc, even);
    }
    if (!isMax) acc = f32x4.mul(acc, scale);
    v128.store(out + (<usize>ow << 2), acc);
  }
  horizontalScalar(isMax, out, row, ow, outW, kW, 2, f32x4.extract_lane(scale, 0));
}

/** out[ow] for ow in [ow0, outW) over row[ow·strideW …] (the buffer holds no NaN: `>` is the max). */
function horizontalScalar(isMax: bool, out: usize, row: usize, ow0: i32, outW: i32, kW: i32, strideW: i32, scale: f32): void {
  for (let ow = ow0; ow < outW; ow++) {
    const p = row + (<usize>(ow * strideW) << 2);
    let a = load<f32>(p);
    for (let kw = 1; kw < kW; kw++) {
      const v = load<f32>(p + (<usize>kw << 2));
      if (isMax) { if (v > a) a = v; } else a += v;
    }
    store<f32>(out + (<usize>ow << 2), isMax ? a : a * scale);
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
  poolBackwardPlanes(isMax, dx, x, sN, sC, sH, sW, dy, gN, gC, gH, gW, channels, inH, inW, outH, outW, kH, kW, strideH, strideW, padT, padL, 0, batch * channels);
}

/** poolBackward of planes p0…p1−1 (as poolForwardPlanes; dx is the whole result). */
function poolBackwardPlanes(
  isMax: bool, dx: usize, x: usize, sN: i32, sC: i32, sH: i32, sW: i32,
  dy: usize, gN: i32, gC: i32, gH: i32, gW: i32,
  channels: i32, inH: i32, inW: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, padT: i32, padL: i32, p0: i32, p1: i32,
): void {
  const planeBytes = <usize>(inH * inW) << 2;
  memory.fill(dx + <usize>p0 * planeBytes, 0, <usize>(p1 - p0) * planeBytes);
  const inv: f32 = 1.0 / <f32>(kH * kW);
  const fast = isMax && gW == 1 && isPairWindow(sW, outH, outW, inH, inW, kH, kW, strideH, strideW, padT, padL);
  for (let p = p0; p < p1; p++) {
    const n = p / channels, c = p % channels;
    const plane = at(x, n * sN + c * sC);
    const grad = at(dy, n * gN + c * gC);
    const out = dx + <usize>p * planeBytes;
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
            const q = out + (<usize>where << 2);
            store<f32>(q, load<f32>(q) + d);
          }
        } else {
          const g = d * inv;
          for (let kh = 0; kh < kH; kh++) {
            const ih = oh * strideH - padT + kh;
            if (ih < 0 || ih >= inH) continue;
            for (let kw = 0; kw < kW; kw++) {
              const iw = ow * strideW - padL + kw;
              if (iw < 0 || iw >= inW) continue;
              const q = out + (<usize>(ih * inW + iw) << 2);
              store<f32>(q, load<f32>(q) + g);
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

// ---- threaded: tasks over blocks of (image, channel) planes (arguments travel through the pool's job block) ----

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
  /** forward only: thread t's row buffer is at row + t·rowStride (bytes) */
  row: usize; rowStride: i32;
  /** planes = batch·channels, `chunk` per task */
  planes: i32; chunk: i32;
}

/** Bytes of a PoolJob: scripts/build-kernels.ts checks that the job block holds it. */
export const POOL_JOB_BYTES: i32 = <i32>offsetof<PoolJob>();

/**
 * Fills the job block and returns the number of tasks: about four blocks of planes per thread,
 * so one image (batch 1) is split too and a late thread still finds work.
 */
function poolJob(
  isMax: bool, out: usize, x: usize, sN: i32, sC: i32, sH: i32, sW: i32,
  dy: usize, gN: i32, gC: i32, gH: i32, gW: i32,
  batch: i32, channels: i32, inH: i32, inW: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, padT: i32, padL: i32, row: usize, rowStride: i32,
): i32 {
  const j = changetype<PoolJob>(jobArgs());
  j.isMax = isMax; j.out = out; j.x = x; j.sN = sN; j.sC = sC; j.sH = sH; j.sW = sW;
  j.dy = dy; j.gN = gN; j.gC = gC; j.gH = gH; j.gW = gW;
  j.channels = channels; j.inH = inH; j.inW = inW; j.outH = outH; j.outW = outW;
  j.kH = kH; j.kW = kW; j.strideH = strideH; j.strideW = strideW; j.padT = padT; j.padL = padL;
  j.row = row; j.rowStride = rowStride;
  const planes = batch * channels;
  const blocks = max(1, min(planes, threadCount() * 4));
  const chunk = (planes + blocks - 1) / blocks;
  j.planes = planes; j.chunk = chunk;
  return (planes + chunk - 1) / chunk;
}

/** poolForward with blocks of planes split across the pool; `row` holds one buffer per thread, rowStride bytes apart. */
export function poolForwardParallel(
  isMax: bool, out: usize, x: usize, sN: i32, sC: i32, sH: i32, sW: i32,
  batch: i32, channels: i32, inH: i32, inW: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, padT: i32, padL: i32, row: usize, rowStride: i32,
): void {
  const tasks = poolJob(isMax, out, x, sN, sC, sH, sW, 0, 0, 0, 0, 0, batch, channels, inH, inW, outH, outW, kH, kW, strideH, strideW, padT, padL, row, rowStride);
  parallelFor(poolForwardTask.index, tasks);
}

function poolForwardTask(t: i32): void {
  const j = changetype<PoolJob>(jobArgs());
  const p0 = t * j.chunk;
  poolForwardPlanes(j.isMax, j.out, j.x, j.sN, j.sC, j.sH, j.sW,
    j.channels, j.inH, j.inW, j.outH, j.outW,
    j.kH, j.kW, j.strideH, j.strideW, j.padT, j.padL,
    j.row + <usize>(currentThread() * j.rowStride), p0, min(j.planes, p0 + j.chunk));
}

/** poolBackward with blocks of planes split across the pool (same arguments). */
export function poolBackwardParallel(
  isMax: bool, dx: usize, x: usize, sN: i32, sC: i32, sH: i32, sW: i32,
  dy: usize, gN: i32, gC: i32, gH: i32, gW: i32,
  batch: i32, channels: i32, inH: i32, inW: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, padT: i32, padL: i32,
): void {
  const tasks = poolJob(isMax, dx, x, sN, sC, sH, sW, dy, gN, gC, gH, gW, batch, channels, inH, inW, outH, outW, kH, kW, strideH, strideW, padT, padL, 0, 0);
  parallelFor(poolBackwardTask.index, tasks);
}

function poolBackwardTask(t: i32): void {
  const j = changetype<PoolJob>(jobArgs());
  const p0 = t * j.chunk;
  poolBackwardPlanes(j.isMax, j.out, j.x, j.sN, j.sC, j.sH, j.sW,
    j.dy, j.gN, j.gC, j.gH, j.gW,
    j.channels, j.inH, j.inW, j.outH, j.outW,
    j.kH, j.kW, j.strideH, j.strideW, j.padT, j.padL, p0, min(j.planes, p0 + j.chunk));
}
