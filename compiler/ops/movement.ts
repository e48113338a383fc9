/**
 * Movement ops: reshape, transpose, broadcast, pad and slice. They lower to views (offset,
 * strides, validity mask) that every consumer reads directly; they cost nothing unless a view
 * cannot express them (then the operand is copied once).
 */
import type { Tensor } from '../ir/graph.ts';
import { broadcastView, reshapeView, sliceView, transposeView } from '../kernel/views.ts';
import * as F from '../frontend/math.ts';
import type { Rules } from './rule.ts';

/**
 * The gradient of a slice: `ct` placed back at the positions the slice read, zeros elsewhere.
 * Per axis: a negative step is a flip of the positive one; a step t > 1 spreads the values t
 * apart (a size-1 axis padded with t − 1 zeros, merged); then zero padding restores the extent.
 */
function unslice(ct: Tensor, inShape: readonly number[], a: { start: number[]; stop: number[]; step: number[] }): Tensor {
  let g = ct;
  for (let d = 0; d < inShape.length; d++) {
    const n = inShape[d]!, m = g.shape[d]!;
    let start = a.start[d]!, step = a.step[d]!;
    if (step === 1 && start === 0 && m === n) continue;
    if (step < 0) {
      g = F.flip(g, [d]);
      start += step * (m - 1);
      step = -step;
    }
    if (step > 1) {
      const lifted = F.reshape(g, [...g.shape.slice(0, d + 1), 1, ...g.shape.slice(d + 1)]);
      const spread = F.pad(lifted, lifted.shape.map((_, i) => (i === d + 1 ? [0, step - 1] : [0, 0])));
      g = F.reshape(spread, [...g.shape.slice(0, d), m * step, ...g.shape.slice(d + 1)]);
      // the last value's trailing zeros may run past the input's end
      const keep = Math.min(m * step, n - start);
      if (keep < m * step) g = F.slice(g, g.shape.map((s, i) => (i === d ? [0, keep, 1] : [0, s, 1])));
    }
    const after = n - start - g.shape[d]!;
    g = F.pad(g, g.shape.map((_, i) => (i === d ? [start, after] : [0, 0])));
  }
  return g;
}

export const movementRules: Rules<'reshape' | 'transpose' | 'broadcast' | 'pad' | 'slice'> = {
  reshape: {
    vjp: (ct, [x]) => [F.reshape(ct, x!.shape)],
    lower: { kind: 'movement', view: (inShape, v, _, outShape) => reshapeView(inShape, v, outShape) },
  },
  transpose: {
    vjp: (ct, _, __, a) => {
      const inv = new Array<number>(a.perm.length);
      a.perm.forEach((p, i) => { inv[p] = i; });
      return [F.transpose(ct, inv)];
    },
    lower: { kind: 'movement', view: (_, v, a) => transposeView(v, a.perm) },
  },
  broadcast: {
    vjp: (ct, [x]) => {
      const axes = x!.shape.flatMap((d, i) => (d === 1 && ct.shape[i] !== 1 ? [i] : []));
      return [axes.length ? F.sum(ct, axes, true) : ct];
    },
    lower: { kind: 'movement', view: (inShape, v, a) => broadcastView(inShape, v, a.shape) },
  },
  pad: {
    // the transpose of padding is cropping
    vjp: (ct, [x], _, a) => [F.slice(ct, x!.shape.map((n, d) => [a.before[d]!, a.before[d]! + n, 1]))],
    lower: { kind: 'pad', pads: (a) => ({ before: a.before, after: a.after, value: a.value }) },
  },
  slice: {
    vjp: (ct, [x], _, a) => [unslice(ct, x!.shape, a)],
    lower: {
      kind: 'movement',
      view: (inShape, v, a, outShape) => sliceView(inShape, v, a.start, a.step, outShape),
    },
  },
};
