/** 2-D max and average pooling over NCHW, and their gradients. */
import type { Shape, TensorType } from '../ir/types.ts';
import type { PoolGeometry } from '../kernel/ir.ts';
import * as F from '../frontend/math.ts';
import { convOutSize } from './conv.ts';
import type { PoolAttrs } from './attrs.ts';
import type { Rules } from './rule.ts';
import { checkPoolAttrs } from './validate.ts';

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

const outType = (x: TensorType, a: PoolAttrs): TensorType => {
  const g = poolGeometry(x.shape, a);
  return { shape: [g.batch, g.channels, g.outHeight, g.outWidth], dtype: x.dtype };
};
const pick = (a: PoolAttrs): PoolAttrs => ({ kernel: a.kernel, stride: a.stride, pad: a.pad });

export const poolRules: Rules<'maxpool2d' | 'maxpool2d_grad' | 'avgpool2d' | 'avgpool2d_grad'> = {
  maxpool2d: {
    infer: (ins, a) => outType(ins[0]!, a),
    vjp: (ct, [x], _, a) => [F.maxPool2dGrad(x!, ct, pick(a))],
    lower: { kind: 'anchor', kernel: ([x], stores, a, [tx], _, name) => ({ kind: 'pool2d', mode: 'max', name, geometry: poolGeometry(tx!.shape, a), input: x!, stores }) },
  },
  maxpool2d_grad: {
    infer: (ins, a) => {
      const want = outType(ins[0]!, a).shape;
      if (ins[1]!.shape.join() !== want.join()) throw new Error(`output gradient is [${ins[1]!.shape.join(', ')}], expected [${want.join(', ')}]`);
      return ins[0]!;
    },
    vjp: () => { throw new Error('maxpool2d_grad: second derivatives of max pooling are not supported'); },
    lower: { kind: 'anchor', kernel: ([x, dy], stores, a, [tx], _, name) => ({ kind: 'pool2d', mode: 'max_grad', name, geometry: poolGeometry(tx!.shape, a), input: x!, grad: dy!, stores }) },
  },
  avgpool2d: {
    infer: (ins, a) => outType(ins[0]!, a),
    vjp: (ct, [x], _, a) => [F.avgPool2dGrad(ct, x!.shape, pick(a))],
    lower: { kind: 'anchor', kernel: ([x], stores, a, [tx], _, name) => ({ kind: 'pool2d', mode: 'avg', name, geometry: poolGeometry(tx!.shape, a), input: x!, stores }) },
  },
  avgpool2d_grad: {
    infer: (ins, a) => {
      const want = outType({ shape: a.inputShape, dtype: 'f32' }, a).shape;
      if (ins[0]!.shape.join() !== want.join()) throw new Error(`output gradient is [${ins[0]!.shape.join(', ')}], expected [${want.join(', ')}]`);
      return { shape: a.inputShape, dtype: 'f32' };
    },
    vjp: (ct, _, __, a) => [F.avgPool2d(ct, pick(a))],
    // avg_grad reads only dy; `input` is unused but must be a valid view, so it aliases dy
    lower: { kind: 'anchor', kernel: ([dy], stores, a, _, __, name) => ({ kind: 'pool2d', mode: 'avg_grad', name, geometry: poolGeometry(a.inputShape, a), input: dy!, grad: dy!, stores }) },
  },
};
