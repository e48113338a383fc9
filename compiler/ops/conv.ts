/**
 * 2-D convolution (NCHW activations, OIHW weights) and its two gradients. The input gradient is
 * also the transposed convolution; the three are closed under differentiation, so every order of
 * gradient stays within these primitives.
 */
import { fmtType, type Shape, type TensorType } from '../ir/types.ts';
import type { ConvGeometry } from '../kernel/ir.ts';
import * as F from '../frontend/math.ts';
import type { ConvAttrs } from './attrs.ts';
import type { Rules } from './rule.ts';
import { checkConvAttrs } from './validate.ts';

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

function f32(ins: readonly TensorType[]): void {
  for (const t of ins) if (t.dtype !== 'f32') throw new Error(`expects f32 operands, got ${fmtType(t)}`);
}

const pick = (a: ConvAttrs): ConvAttrs => ({ stride: a.stride, pad: a.pad, dilation: a.dilation, groups: a.groups });

export const convRules: Rules<'conv2d' | 'conv2d_input_grad' | 'conv2d_weight_grad'> = {
  conv2d: {
    infer: (ins, a) => {
      f32(ins);
      const g = convGeometry(ins[0]!.shape, ins[1]!.shape, a);
      return { shape: [g.batch, g.outChannels, g.outHeight, g.outWidth], dtype: 'f32' };
    },
    vjp: (ct, [x, w], _, a) => [
      F.conv2dInputGrad(ct, w!, x!.shape, pick(a)),
      F.conv2dWeightGrad(ct, x!, w!.shape, pick(a)),
    ],
    lower: {
      kind: 'anchor',
      kernel: ([x, w], stores, a, [tx, tw], _, name) => ({ kind: 'conv2d', mode: 'forward', name, geometry: convGeometry(tx!.shape, tw!.shape, a), input: x!, other: w!, stores }),
    },
  },
  conv2d_input_grad: {
    infer: (ins, a) => {
      f32(ins);
      const g = convGeometry(a.inputShape, ins[1]!.shape, a);
      const dy = ins[0]!.shape;
      const want = [g.batch, g.outChannels, g.outHeight, g.outWidth];
      if (dy.join() !== want.join()) throw new Error(`output gradient is [${dy.join(', ')}] but input [${a.inputShape.join(', ')}] with this weight gives [${want.join(', ')}]`);
      return { shape: a.inputShape, dtype: 'f32' };
    },
    vjp: (ct, [dy, w], _, a) => [
      F.conv2d(ct, w!, pick(a)),
      F.conv2dWeightGrad(dy!, ct, w!.shape, pick(a)),
    ],
    lower: {
      kind: 'anchor',
      kernel: ([dy, w], stores, a, [, tw], _, name) => ({ kind: 'conv2d', mode: 'input_grad', name, geometry: convGeometry(a.inputShape, tw!.shape, a), input: dy!, other: w!, stores }),
    },
  },
  conv2d_weight_grad: {
    infer: (ins, a) => {
      f32(ins);
      const g = convGeometry(ins[1]!.shape, a.weightShape, a);
      const dy = ins[0]!.shape;
      const want = [g.batch, g.outChannels, g.outHeight, g.outWidth];
      if (dy.join() !== want.join()) throw new Error(`output gradient is [${dy.join(', ')}] but the input and weight give [${want.join(', ')}]`);
      return { shape: a.weightShape, dtype: 'f32' };
    },
    vjp: (ct, [dy, x], _, a) => [
      F.conv2d(x!, ct, pick(a)),
      F.conv2dInputGrad(dy!, ct, x!.shape, pick(a)),
    ],
    lower: {
      kind: 'anchor',
      // kernel IR: weight_grad reads x through `input` and dy through `other`
      kernel: ([dy, x], stores, a, [, tx], _, name) => ({ kind: 'conv2d', mode: 'weight_grad', name, geometry: convGeometry(tx!.shape, a.weightShape, a), input: x!, other: dy!, stores }),
    },
  },
};
