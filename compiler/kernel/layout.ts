/**
 * Layouts. Graph tensors are logically row-major (NCHW for images); the layout of an
 * intermediate buffer is a free choice, because every access goes through strided views. A
 * backend states its preference, and lowering stores 4-D intermediates in that dimension order.
 * Inputs, params, state and outputs keep the user's layout (the graph's boundary): converting at
 * the boundary is just a store with other strides, and gradients come back in the user's layout.
 * A reshape that cannot view a permuted buffer (flatten of NHWC) becomes one copy kernel there.
 */
import type { Shape } from '../ir/types.ts';

export type ActivationLayout = 'nchw' | 'nhwc';

/** dimension order (outermost first) of a buffer holding a tensor of this shape */
export function dimOrder(shape: Shape, layout: ActivationLayout): number[] {
  return layout === 'nhwc' && shape.length === 4 ? [0, 2, 3, 1] : [...shape.keys()];
}

/** strides of `shape` stored in `order` (order[0] outermost) */
export function stridesInOrder(shape: Shape, order: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(0);
  let acc = 1;
  for (let i = order.length - 1; i >= 0; i--) {
    strides[order[i]!] = acc;
    acc *= shape[order[i]!]!;
  }
  return strides;
}
