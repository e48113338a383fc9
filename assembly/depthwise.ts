// Direct depthwise 2-D convolution (groups = input channels = output channels): each output
// plane is one input plane convolved with its own KH×KW filter. Through im2col + GEMM every
// channel was a GEMM with one row (M = 1), dominated by packing and call overhead; MobileNetV2
// spent 40% of its time there for a few % of its FLOPs. Here four output columns are computed
// at once with f32x4 over the interior (every tap of the row inside the input), the padded edges
// with scalar code.
import { at } from './layout';
import { NO_EPILOGUE, TileEpilogue } from './gemm';

/** c + a·b: fused in the relaxed-SIMD build. */
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Four input columns p, p + stride, p + 2·stride, p + 3·stride (stride 1 or 2, unit element step). */
@inline function load4(p: usize, stride2: bool): v128 {
  if (!stride2) return v128.load(p);
  // the second load reads one float past the last one used: still inside linear memory
  return v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6);
}

/**
 * y[c, oh, ow] = Σ_{kh,kw} w[c, kh, kw] · x[c, oh·sH − padT + kh·dH, ow·sW − padL + kw·dW]
 * (zero outside the input) for `channels` channels. x has element strides sC, sH, sW; w is
 * contiguous [channels, kH, kW]; y's planes are row-contiguous (pitch outW) and yC apart.
 * After each plane, `epilogue` (a gemm TileEpilogue, NO_EPILOGUE: none) is called with
 * (tag, channelOffset + c, 1, 0, outH·outW).
 */
export function depthwiseForward(
  y: usize, yC: i32, x: usize, sC: i32, sH: i32, sW: i32, w: usize, channels: i32,
  inH: i32, inW: i32, kH: i32, kW: i32, outH: i32, outW: i32,
  strideH: i32, strideW: i32, padT: i32, padL: i32, dilH: i32, dilW: i32,
  epilogue: TileEpilogue, tag: i32, channelOffset: i32,
): void {
  // output columns whose every tap lies inside the row: [owLo, owHi)
  let owLo = (padL + strideW - 1) / strideW;
  if (owLo > outW) owLo = outW;
  const lastIn = inW - 1 + padL - (kW - 1) * dilW;
  let owHi = lastIn < 0 ? 0 : lastIn / strideW + 1;
  if (owHi > outW) owHi = outW;
  if (owHi < owLo) owHi = owLo;
  const vector = sW == 1 && (strideW == 1 || strideW == 2);
  const stride2 = strideW == 2;
  const taps = kH * kW;
  for (let c = 0; c < channels; c++) {
    const xc = at(x, c * sC);
    const wc = at(w, c * taps);
    let yRow = at(y, c * yC);
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * strideH - padT;
      // filter rows inside the input: [khLo, khHi)
      let khLo = 0;
      while (khLo < kH && ih0 + khLo * dilH < 0) khLo++;
      let khHi = kH;
      while (khHi > khLo && ih0 + (khHi - 1) * dilH >= inH) khHi--;
      // edges: every tap checked
      for (let ow = 0; ow < outW; ow++) {
        if (ow == owLo) { ow = owHi; if (ow >= outW) break; }
        const iw0 = ow * strideW - padL;
        let s: f32 = 0;
        for (let kh = khLo; kh < khHi; kh++) {
          const row = at(xc, (ih0 + kh * dilH) * sH);
          const wr = at(wc, kh * kW);
          for (let kw = 0; kw < kW; kw++) {
            const iw = iw0 + kw * dilW;
            if (iw >= 0 && iw < inW) s += load<f32>(at(wr, kw)) * load<f32>(at(row, iw * sW));
          }
        }
        store<f32>(at(yRow, ow), s);
      }
      // interior: no column checks
      let ow = owLo;
      if (vector && kH == 3 && kW == 3 && khLo == 0 && khHi == 3) {
        // the common 3×3 filter with all rows inside: its nine weights stay in registers
        const r0 = at(xc, ih0 * sH - padL), r1 = at(r0, dilH * sH), r2 = at(r1, dilH * sH);
        const w0 = v128.load32_splat(wc), w1 = v128.load32_splat(wc, 4), w2 = v128.load32_splat(wc, 8);
        const w3 = v128.load32_splat(wc, 12), w4 = v128.load32_splat(wc, 16), w5 = v128.load32_splat(wc, 20);
        const w6 = v128.load32_splat(wc, 24), w7 = v128.load32_splat(wc, 28), w8 = v128.load32_splat(wc, 32);
        const d: usize = <usize>dilW << 2;
        for (; ow + 4 <= owHi; ow += 4) {
          const o: usize = <usize>(ow * strideW) << 2;
          let acc = f32x4.mul(load4(r0 + o, stride2), w0);
          acc = madd(load4(r0 + o + d, stride2), w1, acc);
          acc = madd(load4(r0 + o + 2 * d, stride2), w2, acc);
          acc = madd(load4(r1 + o, stride2), w3, acc);
          acc = madd(load4(r1 + o + d, stride2), w4, acc);
          acc = madd(load4(r1 + o + 2 * d, stride2), w5, acc);
          acc = madd(load4(r2 + o, stride2), w6, acc);
          acc = madd(load4(r2 + o + d, stride2), w7, acc);
          acc = madd(load4(r2 + o + 2 * d, stride2), w8, acc);
          v128.store(at(yRow, ow), acc);
        }
      }
      if (vector) {
        for (; ow + 4 <= owHi; ow += 4) {
          const iw0 = ow * strideW - padL;
          let acc = f32x4.splat(0);
          for (let kh = khLo; kh < khHi; kh++) {
            const row = at(xc, (ih0 + kh * dilH) * sH + iw0);
            const wr = at(wc, kh * kW);
            for (let kw = 0; kw < kW; kw++) {
              acc = madd(load4(at(row, kw * dilW), stride2), v128.load32_splat(at(wr, kw)), acc);
            }
          }
          v128.store(at(yRow, ow), acc);
        }
      }
      for (; ow < owHi; ow++) {
        const iw0 = ow * strideW - padL;
        let s: f32 = 0;
        for (let kh = khLo; kh < khHi; kh++) {
          const row = at(xc, (ih0 + kh * dilH) * sH);
          const wr = at(wc, kh * kW);
          for (let kw = 0; kw < kW; kw++) s += load<f32>(at(wr, kw)) * load<f32>(at(row, (iw0 + kw * dilW) * sW));
        }
        store<f32>(at(yRow, ow), s);
      }
      yRow = at(yRow, outW);
    }
    // the fused epilogue over this plane while it is still in cache: row = channel, columns = pixels
    if (epilogue != NO_EPILOGUE) call_indirect<void>(<u32>epilogue, tag, channelOffset + c, 1, 0, outH * outW);
  }
}
