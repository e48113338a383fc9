// 2-D max/avg pooling and their gradients. Results go to contiguous scratch; the kernel's
// epilogue stores them through its views. Pointers are byte addresses, strides in elements.
import { at } from './layout';

/** out[n,c,oh,ow] (contiguous) = max or mean (padding counted as zero) of each window of x. */
export function poolForward(
  isMax: bool, out: usize, x: usize, sN: i32, sC: i32, sH: i32, sW: i32,
  batch: i32, channels: i32, inH: i32, inW: i32, outH: i32, outW: i32,
  kH: i32, kW: i32, strideH: i32, strideW: i32, padT: i32, padL: i32,
): void {
  const inv: f32 = 1.0 / <f32>(kH * kW);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const plane = at(x, n * sN + c * sC);
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
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const plane = at(x, n * sN + c * sC);
      const grad = at(dy, n * gN + c * gC);
      const out = dx + (<usize>((n * channels + c) * inH * inW) << 2);
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
