/**
 * 2-D convolution (NCHW activations, OIHW weights) and its two gradients. The input gradient is
 * also the transposed convolution; the three are closed under differentiation, so every order of
 * gradient stays within these primitives.
 */
import * as F from '../frontend/math.ts';
import type { ConvAttrs } from './attrs.ts';
import type { Rules } from './rule.ts';
import { convGeometry } from './geometry.ts';

export { convGeometry, convOutSize } from './geometry.ts';

const pick = (a: ConvAttrs): ConvAttrs => ({ stride: a.stride, pad: a.pad, dilation: a.dilation, groups: a.groups });

export const convRules: Rules<'conv2d' | 'conv2d_input_grad' | 'conv2d_weight_grad'> = {
  conv2d: {
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
