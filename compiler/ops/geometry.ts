/**
 * Geometry of convolutions and pools: output sizes and the kernel IR's geometry records, with
 * errors that say which dimension disagrees. Pure shape arithmetic (no rules, no frontend), so
 * the shape table can use it.
 */
import type { Shape } from '../ir/types.ts';
import type { ConvGeometry, PoolGeometry } from '../kernel/ir.ts';
import type { ConvAttrs, PoolAttrs } from './attrs.ts';
import { checkConvAttrs, checkPoolAttrs } from './validate.ts';

export function convOutSize(inSize: number, k: number, stride: number, padA: number, padB: number, dilation: number): number {
  return Math.floor((inSize + padA + padB - dilation * (k - 1) - 1) / stride) + 1;
}

/** Validates a conv's operands and returns its geometry; errors say which dim disagrees. */
export function convGeometry(x: Shape, w: Shape, a: ConvAttrs): ConvGeometry {
  if (x.length !== 4) throw new Error(`input must be [N, C, H, W], got [${x.join(', ')}]`);
  if (w.length !== 4) throw new Error(`weight must be [O, C/groups, KH, KW], got [${w.join(', ')}]`);
  checkConvAttrs(a);
  const [n, c, h, wd] = x as [number, number, number, number];
  const [o, cg, kh, kw] = w as [number, number, number, number];
  const g = a.groups;
  if (!Number.isInteger(g) || g < 1 || c % g || o % g) throw new Error(`groups=${g} must divide input channels ${c} and output channels ${o}`);
  if (cg !== c / g) throw new Error(`weight expects ${cg * g} input channels (${cg} per group × ${g} groups) but the input has ${c}`);
  const oh = convOutSize(h, kh, a.stride[0], a.pad[0], a.pad[1], a.dilation[0]);
  const ow = convOutSize(wd, kw, a.stride[1], a.pad[2], a.pad[3], a.dilation[1]);
  if (oh < 1 || ow < 1) throw new Error(`kernel ${kh}×${kw} (dilation ${a.dilation.join('×')}) does not fit input ${h}×${wd} with padding [${a.pad.join(', ')}]`);
  return {
    batch: n, inChannels: c, inHeight: h, inWidth: wd, outChannels: o, kernelHeight: kh, kernelWidth: kw,
    outHeight: oh, outWidth: ow, strideH: a.stride[0], strideW: a.stride[1], padTop: a.pad[0], padLeft: a.pad[2],
    dilationH: a.dilation[0], dilationW: a.dilation[1], groups: g,
  };
}

export function poolGeometry(x: Shape, a: PoolAttrs): PoolGeometry {
  if (x.length !== 4) throw new Error(`input must be [N, C, H, W], got [${x.join(', ')}]`);
  checkPoolAttrs(a);
  const [n, c, h, w] = x as [number, number, number, number];
  const [kh, kw] = a.kernel;
  if (a.pad[0] > kh / 2 || a.pad[2] > kw / 2) throw new Error(`padding [${a.pad.join(', ')}] must be at most half the kernel ${kh}×${kw}`);
  const oh = convOutSize(h, kh, a.stride[0], a.pad[0], a.pad[1], 1);
  const ow = convOutSize(w, kw, a.stride[1], a.pad[2], a.pad[3], 1);
  if (oh < 1 || ow < 1) throw new Error(`window ${kh}×${kw} does not fit input ${h}×${w}`);
  return { batch: n, channels: c, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, kernelHeight: kh, kernelWidth: kw, strideH: a.stride[0], strideW: a.stride[1], padTop: a.pad[0], padLeft: a.pad[2] };
}
