/** Movement ops: reshape, transpose, broadcast. They lower to strided views and cost nothing. */
import { fmtShape, normAxis, sizeOf, type Shape } from '../ir/types.ts';
import * as F from '../frontend/math.ts';
import type { Rules } from './rule.ts';
import { checkPerm } from './validate.ts';

/**
 * Strides of `outShape` viewing the same elements as (inShape, inStrides), or null when the
 * reshape would need a copy (e.g. merging dims of a transposed view). Size-1 dims are ignored.
 */
export function reshapeStrides(inShape: Shape, inStrides: readonly number[], outShape: Shape): number[] | null {
  const dims: { size: number; stride: number }[] = [];
  inShape.forEach((d, i) => { if (d !== 1) dims.push({ size: d, stride: inStrides[i]! }); });
  // merge runs of dims that are contiguous with each other into chunks
  const chunks: { size: number; stride: number }[] = [];
  for (const d of dims) {
    const last = chunks[chunks.length - 1];
    if (last && last.stride === d.size * d.stride) { last.size *= d.size; last.stride = d.stride; }
    else chunks.push({ ...d });
  }
  const out = new Array<number>(outShape.length).fill(0);
  let c = 0;
  let remaining = chunks[0]?.size ?? 1;
  for (let i = 0; i < outShape.length; i++) {
    const d = outShape[i]!;
    if (d === 1) continue;
    if (c >= chunks.length) return null;
    if (remaining % d !== 0) return null;
    remaining /= d;
    out[i] = chunks[c]!.stride * remaining;
    if (remaining === 1) { c++; remaining = chunks[c]?.size ?? 1; }
  }
  return c === chunks.length ? out : null;
}

export const movementRules: Rules<'reshape' | 'transpose' | 'broadcast'> = {
  reshape: {
    infer: (ins, a) => {
      if (sizeOf(a.shape) !== sizeOf(ins[0]!.shape)) throw new Error(`cannot reshape ${fmtShape(ins[0]!.shape)} (${sizeOf(ins[0]!.shape)} elements) to ${fmtShape(a.shape)} (${sizeOf(a.shape)} elements)`);
      return { shape: a.shape, dtype: ins[0]!.dtype };
    },
    vjp: (ct, [x]) => [F.reshape(ct, x!.shape)],
    lower: { kind: 'movement', strides: (inShape, s, _, outShape) => reshapeStrides(inShape, s, outShape) },
  },
  transpose: {
    infer: (ins, a) => {
      const r = ins[0]!.shape.length;
      checkPerm(a.perm, r);
      const p = a.perm.map((x) => normAxis(x, r, 'transpose'));
      return { shape: p.map((i) => ins[0]!.shape[i]!), dtype: ins[0]!.dtype };
    },
    vjp: (ct, _, __, a) => {
      const inv = new Array<number>(a.perm.length);
      a.perm.forEach((p, i) => { inv[p] = i; });
      return [F.transpose(ct, inv)];
    },
    lower: { kind: 'movement', strides: (_, s, a) => a.perm.map((p) => s[p]!) },
  },
  broadcast: {
    infer: (ins, a) => {
      const x = ins[0]!;
      if (x.shape.length !== a.shape.length || x.shape.some((d, i) => d !== 1 && d !== a.shape[i])) {
        throw new Error(`cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(a.shape)}`);
      }
      return { shape: a.shape, dtype: x.dtype };
    },
    vjp: (ct, [x]) => {
      const axes = x!.shape.flatMap((d, i) => (d === 1 && ct.shape[i] !== 1 ? [i] : []));
      return [axes.length ? F.sum(ct, axes, true) : ct];
    },
    lower: { kind: 'movement', strides: (inShape, s, a) => a.shape.map((d, i) => (inShape[i] === 1 && d !== 1 ? 0 : s[i]!)) },
  },
};
