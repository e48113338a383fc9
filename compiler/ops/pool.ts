/** 2-D max and average pooling over NCHW, and their gradients. */
import * as F from '../frontend/math.ts';
import { poolGeometry } from './geometry.ts';
import type { PoolAttrs } from './attrs.ts';
import type { Rules } from './rule.ts';

const pick = (a: PoolAttrs): PoolAttrs => ({ kernel: a.kernel, stride: a.stride, pad: a.pad });

export const poolRules: Rules<'maxpool2d' | 'maxpool2d_grad' | 'avgpool2d' | 'avgpool2d_grad'> = {
  maxpool2d: {
    vjp: (ct, [x], _, a) => [F.maxPool2dGrad(x!, ct, pick(a))],
    lower: { kind: 'anchor', kernel: ([x], stores, a, [tx], _, name) => ({ kind: 'pool2d', mode: 'max', name, geometry: poolGeometry(tx!.shape, a), input: x!, stores }) },
  },
  maxpool2d_grad: {
    vjp: () => { throw new Error('maxpool2d_grad: second derivatives of max pooling are not supported'); },
    lower: { kind: 'anchor', kernel: ([x, dy], stores, a, [tx], _, name) => ({ kind: 'pool2d', mode: 'max_grad', name, geometry: poolGeometry(tx!.shape, a), input: x!, grad: dy!, stores }) },
  },
  avgpool2d: {
    vjp: (ct, [x], _, a) => [F.avgPool2dGrad(ct, x!.shape, pick(a))],
    lower: { kind: 'anchor', kernel: ([x], stores, a, [tx], _, name) => ({ kind: 'pool2d', mode: 'avg', name, geometry: poolGeometry(tx!.shape, a), input: x!, stores }) },
  },
  avgpool2d_grad: {
    vjp: (ct, _, __, a) => [F.avgPool2d(ct, pick(a))],
    // avg_grad reads only dy; `input` is unused but must be a valid view, so it aliases dy
    lower: { kind: 'anchor', kernel: ([dy], stores, a, _, __, name) => ({ kind: 'pool2d', mode: 'avg_grad', name, geometry: poolGeometry(a.inputShape, a), input: dy!, grad: dy!, stores }) },
  },
};
