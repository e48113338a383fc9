// im2col / col2im for 2-D convolution lowered onto the packed GEMM. The column matrix is
// col[(c·KH + kh)·KW + kw, oh·OW + ow] (contiguous), so a convolution is
// W[o, c·KH·KW] · col per image and group; padding taps are zeros.
import { at } from './layout';

/** Fills col for `channels` input channels starting at `x` (strides sC, sH, sW in elements). */
export function im2col(
  col: usize, x: usize, sC: i32, sH: i32, sW: i32,
  channels: i32, inH: i32, inW: i32, kH: i32, kW: i32, outH: i32, outW: i32,
  strideH: i32, strideW: i32, padT: i32, padL: i32, dilH: i32, dilW: i32,
): void {
  for (let c = 0; c < channels; c++) {
    for (let kh = 0; kh < kH; kh++) {
      for (let kw = 0; kw < kW; kw++) {
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * strideH - padT + kh * dilH;
          if (ih < 0 || ih >= inH) {
            memory.fill(col, 0, <usize>outW << 2);
            col += <usize>outW << 2;
            continue;
          }
          const row = at(x, c * sC + ih * sH);
          const iw0 = kw * dilW - padL;
          for (let ow = 0; ow < outW; ow++) {
            const iw = ow * strideW + iw0;
            store<f32>(col, iw >= 0 && iw < inW ? load<f32>(at(row, iw * sW)) : 0);
            col += 4;
          }
        }
      }
    }
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
