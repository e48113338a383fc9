// im2col / col2im for 2-D convolution lowered onto the packed GEMM. The column matrix is
// col[(c·KH + kh)·KW + kw, oh·OW + ow] (contiguous), so a convolution is
// W[o, c·KH·KW] · col per image and group; padding taps are zeros.
import { at, copyFloats, zeroFloats } from './layout';

/**
 * Fills col for `channels` input channels starting at `x` (strides sC, sH, sW in elements).
 * With `transposed`, writes colT[pixel, tap] instead (a row-major B operand for a GEMM whose
 * reduction runs over pixels); the weight gradient prefers the plain layout, which the GEMM
 * packs with a vector transpose.
 */
export function im2col(
  col: usize, x: usize, sC: i32, sH: i32, sW: i32, transposed: bool,
  channels: i32, inH: i32, inW: i32, kH: i32, kW: i32, outH: i32, outW: i32,
  strideH: i32, strideW: i32, padT: i32, padL: i32, dilH: i32, dilW: i32,
): void {
  const taps = channels * kH * kW;
  // byte steps between consecutive pixels and consecutive taps in the destination
  const pixelStep: usize = transposed ? <usize>taps << 2 : 4;
  const tapStep: usize = transposed ? 4 : <usize>(outH * outW) << 2;
  // unit-stride rows of x map onto runs of contiguous output pixels: copy them whole; stride-2
  // rows (a stem's 7×7/2) take every other float, four at a time
  const rowCopy = !transposed && (strideW == 1 || strideW == 2) && sW == 1;
  const halve = strideW == 2;
  let tapStart = col;
  for (let c = 0; c < channels; c++) {
    for (let kh = 0; kh < kH; kh++) {
      for (let kw = 0; kw < kW; kw++) {
        let dst = tapStart;
        const iw0 = kw * dilW - padL;
        // output columns whose input column ow·strideW + iw0 is inside the row: [owLo, owHi)
        const owLo = rowCopy ? min(outW, max(0, halve ? (1 - iw0) >> 1 : -iw0)) : 0;
        const owHi = rowCopy ? max(owLo, min(outW, halve ? (inW - iw0 + 1) >> 1 : inW - iw0)) : 0;
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * strideH - padT + kh * dilH;
          if (ih < 0 || ih >= inH) {
            if (rowCopy) { zeroFloats(dst, outW); dst += <usize>outW << 2; continue; }
            for (let ow = 0; ow < outW; ow++) { store<f32>(dst, 0); dst += pixelStep; }
            continue;
          }
          const row = at(x, c * sC + ih * sH);
          if (rowCopy) {
            if (owLo > 0) zeroFloats(dst, owLo);
            if (halve) evenFloats(dst + (<usize>owLo << 2), at(row, 2 * owLo + iw0), owHi - owLo);
            else copyFloats(dst + (<usize>owLo << 2), at(row, owLo + iw0), owHi - owLo);
            if (owHi < outW) zeroFloats(dst + (<usize>owHi << 2), outW - owHi);
            dst += <usize>outW << 2;
            continue;
          }
          for (let ow = 0; ow < outW; ow++) {
            const iw = ow * strideW + iw0;
            store<f32>(dst, iw >= 0 && iw < inW ? load<f32>(at(row, iw * sW)) : 0);
            dst += pixelStep;
          }
        }
        tapStart += tapStep;
      }
    }
  }
}

/** dst[i] = src[2i] for i < n: four at a time from the even lanes of eight. */
function evenFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  // the vector loop reads src[2i .. 2i + 7]; stop while 2i + 7 stays within the last element read by the scalar loop + 1
  for (; i + 4 <= n - 1; i += 4) {
    v128.store(dst, i32x4.shuffle(v128.load(src), v128.load(src, 16), 0, 2, 4, 6));
    dst += 16;
    src += 32;
  }
  for (; i < n; i++) {
    store<f32>(dst, load<f32>(src));
    dst += 4;
    src += 8;
  }
}

/** dx[c, ih, iw] += col[...] over the taps of every output position (contiguous dx [C,H,W]). */
export function col2imAdd(
  dx: usize, col: usize,
  channels: i32, inH: i32, inW: i32, kH: i32, kW: i32, outH: i32, outW: i32,
  strideH: i32, strideW: i32, padT: i32, padL: i32, dilH: i32, dilW: i32,
): void {
  for (let c = 0; c < channels; c++) {
    const plane = dx + (<usize>(c * inH * inW) << 2);
    for (let kh = 0; kh < kH; kh++) {
      for (let kw = 0; kw < kW; kw++) {
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * strideH - padT + kh * dilH;
          if (ih < 0 || ih >= inH) {
            col += <usize>outW << 2;
            continue;
          }
          const row = plane + (<usize>(ih * inW) << 2);
          const iw0 = kw * dilW - padL;
          for (let ow = 0; ow < outW; ow++) {
            const iw = ow * strideW + iw0;
            if (iw >= 0 && iw < inW) {
              const p = row + (<usize>iw << 2);
              store<f32>(p, load<f32>(p) + load<f32>(col));
            }
            col += 4;
          }
        }
      }
    }
  }
}
